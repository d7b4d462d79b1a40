"""Render jobs of a course build: self-contained, picklable, keyed by their content.

A job holds everything its render needs (the scene class's import path, the trace, the labels,
the narration's WAV files, the durations, the quality), so a local process or a Dask worker on
another machine can run it. Its key hashes everything that shapes its output; the job writes
into `<folder>/<key>/` through a temporary folder renamed at the end, so a finished folder is
always complete and an existing one means the job can be skipped.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import json
import os
import resource
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from engine.trace import Trace
from render.cache import content_key
from render.files import sweep, work_folder

PROJECT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "scenes", "render")
# The render stages every scene goes through, besides the scene's own imports.
STAGES = ("render.manim_run", "render.publish", "render.jobs")
DONE = "done.json"


def _source(module: str) -> Path | None:
    """The file of a project module, or None when there is none (the render then reports it)."""
    base = PROJECT / module.replace(".", "/")
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


@cache
def _imports(module: str) -> frozenset[str]:
    """The project modules that `module` imports (read from its source, not executed)."""
    path = _source(module)
    if path is None:
        return frozenset()
    found = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and getattr(block.test, "id", "") == "TYPE_CHECKING"
                   for n in ast.walk(block)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        names = ([alias.name for alias in node.names] if isinstance(node, ast.Import) else
                 [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                 if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
        for name in names:
            if name.split(".")[0] in PACKAGES and _source(name):
                found.add(name)
    return frozenset(found)


@cache
def source_hash(scene_module: str) -> str:
    """One hash of the source files a scene's video depends on: its module and every project
    module it imports, transitively, and the render stages. Editing another lesson's scene or
    engine does not change it."""
    seen: set[str] = set()
    todo = [scene_module, *STAGES]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo += sorted(_imports(module) - seen)
    digest = hashlib.sha256()
    for module in sorted(seen):
        path = _source(module)
        digest.update(module.encode())
        digest.update(path.read_bytes() if path else b"")
    return digest.hexdigest()


@cache
def versions() -> dict[str, str]:
    return {package: metadata.version(package) for package in ("manim", "lecture")}


@dataclass(frozen=True)
class Job:
    name: str  # for messages: "chapter 'cnn', scene 1 (convolution)"
    scene: str  # "module:Class"
    trace: Trace
    labels: Mapping[str, str]
    cue_ids: tuple[str, ...]
    cue_texts: tuple[str, ...]  # as subtitled
    speech: tuple[tuple[str, Path, float] | None, ...]  # (cache key, WAV, seconds); None: silent
    durations: Mapping[str, float]
    quality: tuple[int, int, int]  # width, height, fps
    lang: str
    parameters: Mapping[str, Any]
    lesson: str

    @property
    def key(self) -> str:
        """Everything that shapes the output, and nothing else (not where it is written)."""
        return content_key({
            "scene": self.scene, "source": source_hash(self.scene.partition(":")[0]),
            "versions": versions(),
            "trace": self.trace.to_dict(), "parameters": self.parameters,
            "labels": dict(self.labels), "cues": list(zip(self.cue_ids, self.cue_texts,
                                                          strict=True)),
            "speech": [part and part[0] for part in self.speech],
            "durations": dict(self.durations),
            "quality": self.quality, "lang": self.lang})[:24]


@dataclass(frozen=True)
class JobResult:
    key: str
    seconds: float
    peak_memory_mb: float
    cached: bool


def finished(folder: Path, key: str) -> bool:
    return (folder / key / DONE).is_file()


def run_job(job: Job, folder: Path) -> JobResult:
    """Render `job` into `folder/<key>/` unless it is there; safe to run twice at once."""
    key = job.key
    if finished(folder, key):
        return JobResult(key, 0.0, 0.0, cached=True)
    began = time.perf_counter()
    from render.manim_run import Quality, render
    from render.publish import publish_job
    from render.stitch import duration

    module, _, name = job.scene.partition(":")
    scene_class = getattr(importlib.import_module(module), name)
    folder.mkdir(parents=True, exist_ok=True)
    with work_folder(folder) as work, work_folder(Path(tempfile.gettempdir())) as media:
        rendered = render(scene_class, job.trace, job.labels, job.durations,
                          Quality(*job.quality), media)
        built = publish_job(job, rendered, work)
        seconds = duration(built["scene.mp4"])
        (work / DONE).write_text(json.dumps({"key": key, "seconds": seconds}), encoding="utf-8")
        for leftover in ("narration.wav", "loud.wav"):
            (work / leftover).unlink(missing_ok=True)
        try:
            os.rename(work, folder / key)  # one step: the folder appears complete
        except OSError:  # another worker finished the same job first; keep theirs
            pass
    sweep(folder)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return JobResult(key, time.perf_counter() - began, peak, cached=False)
