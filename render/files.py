"""Files a reader never sees half-written, folders checked before any work, and the leftovers
of killed runs swept away.

Temporary files and work folders carry the writing process's id (`.NAME.<pid>.<random>.part`,
`.lecture-<pid>-<random>`): a later run removes those whose process is gone, so a SIGKILL
leaves nothing behind for long. Finished outputs that belong together (a video and its
subtitles) are published as one group: they live in a hidden generation folder, and a single
symlink names the current generation, so switching to new outputs is one atomic rename.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import secrets
import shutil
import signal
import tempfile
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from render.errors import UserError

OWNED = re.compile(r"^\.(?:lecture-|.*\.)(\d+)[-.][0-9a-z_]+(?:\.part.*)?$")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def sweep(folder: Path) -> None:
    """Remove temporary files and work folders in `folder` left by processes that are gone."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        match = OWNED.match(entry.name)
        if match and int(match[1]) != os.getpid() and not alive(int(match[1])):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def usable_folder(path: Path, what: str) -> Path:
    """`path` as a folder this process can write into (created if missing), or a UserError
    that says what is wrong with it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UserError(f"{what} {path} is a file, not a folder; choose a folder") from None
    except NotADirectoryError:
        raise UserError(f"{what} {path} lies below a file; choose a folder") from None
    except OSError as error:
        raise UserError(f"{what} {path} cannot be created ({error.strerror}); choose a folder "
                        "you can write to") from None
    try:
        probe = tempfile.NamedTemporaryFile(dir=path, prefix=f".probe.{os.getpid()}.")
        probe.close()
    except OSError as error:
        reason = "read-only" if error.errno == errno.EROFS else error.strerror
        raise UserError(f"{what} {path} cannot be written ({reason}); choose a folder you can "
                        "write to") from None
    return path


def _private_name(prefix: str) -> str:
    return f".{prefix}.{os.getpid()}.{secrets.token_hex(4)}"


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`, renamed onto it only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f"{_private_name(target.stem)}.part{target.suffix}"
    try:
        yield temporary
        if temporary.exists():
            os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(target: Path, text: str) -> None:
    with atomic_path(target) as temporary:
        temporary.write_text(text, encoding="utf-8")


@contextmanager
def work_folder(parent: Path) -> Iterator[Path]:
    """A private folder inside `parent`, removed afterwards (a later run sweeps it if this
    process is killed)."""
    sweep(parent)
    folder = parent / f".lecture-{os.getpid()}-{secrets.token_hex(4)}"
    folder.mkdir()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def publish_group(folder: Path, group: str, built: Mapping[str, Path],
                  hidden: Collection[str] = ()) -> None:
    """Make `folder/<name>` show the files in `built` ({name: finished file}), all at once.

    The files move into a new hidden generation folder; `folder/.<group>.current` is a symlink
    to it, switched by one rename; each `folder/<name>` is a symlink through it. A reader sees
    the old set or the new set, never a mix; the old generation is removed afterwards.
    Names in `hidden` stay inside the generation, without a link.
    """
    generation = folder / f".{group}.gen-{secrets.token_hex(4)}"  # not swept: not pid-named
    generation.mkdir()
    for name, path in built.items():
        os.replace(path, generation / name)
    current = folder / f".{group}.current"
    previous = os.readlink(current) if current.is_symlink() else None
    pointer = folder / f"{_private_name(group)}.part"
    os.symlink(generation.name, pointer)
    os.replace(pointer, current)
    for name in (n for n in built if n not in hidden):
        link, target = folder / name, f"{current.name}/{name}"
        if not (link.is_symlink() and os.readlink(link) == target):
            temporary = folder / f"{_private_name(name)}.part"
            os.symlink(target, temporary)
            os.replace(temporary, link)
    if previous and previous != generation.name:
        shutil.rmtree(folder / previous, ignore_errors=True)


def die_with_parent() -> None:
    """For subprocess preexec_fn: the child gets SIGKILL when this process dies, so a killed
    render leaves no ffmpeg writing on its own (Linux prctl PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
