"""A course build's fingerprint, computed with the standard library alone (no NumPy, no manim),
so an unchanged course is recognised in a fraction of a second.

It covers what the build reads: the manifest and the course's own scripts, the build options,
the project's sources and narration, every installed package's version, and the voice files.
When the published course carries the same fingerprint, nothing can have changed; any other
case goes through the full build, where each scene is keyed by its own content.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SOURCES = ("engine", "scenes", "render", "scripts", "assets")


def _tree(digest: hashlib._Hash, folder: Path, suffixes: tuple[str, ...]) -> None:
    for file in sorted(folder.rglob("*")):
        if file.suffix in suffixes and file.is_file():
            digest.update(str(file.relative_to(folder)).encode())
            digest.update(file.read_bytes())


def fingerprint(manifest: Path, options: dict, voices: Path) -> str:
    digest = hashlib.sha256()
    digest.update(manifest.read_bytes())
    scripts = manifest.resolve().parent / "scripts"
    if scripts.is_dir():
        _tree(digest, scripts, (".toml",))
    digest.update(json.dumps(options, sort_keys=True, default=str).encode())
    for name in SOURCES:
        _tree(digest, PROJECT / name, (".py", ".toml"))
    packages = sorted((d.metadata["Name"] or "", d.version) for d in metadata.distributions())
    digest.update(json.dumps(packages).encode())
    if voices.is_dir():
        for file in sorted(voices.iterdir()):
            stat = file.stat()
            digest.update(f"{file.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:24]


def unchanged(out: Path, mark: str) -> bool:
    """True when the course published in `out` was built from exactly these inputs."""
    record = out / ".course.fingerprint"
    current = out / ".course.current"
    if not record.is_file() or record.read_text(encoding="utf-8") != mark:
        return False
    published = [p.name for p in current.iterdir()] if current.is_dir() else []
    return bool(published) and all((out / name).exists() for name in published
                                   if name not in ("state",))
