"""Remixing without Python: a starter course folder, and a lesson's narration copied into it.

`lecture course new DIR` writes DIR/course.toml (the default course) and an empty DIR/scripts/;
`lecture script copy LESSON --lang zh --to DIR/scripts/` copies the lesson's narration there,
where the course's manifest will use it instead of the built-in one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from render.errors import UserError
from render.files import usable_folder, write_text_atomic
from render.lessons import get_lesson
from render.manifest import DEFAULT_COURSE
from render.narration import SCRIPTS_DIR, script_path


def new_course(folder: Path) -> Path:
    manifest = folder / "course.toml"
    if manifest.exists():
        raise UserError(f"{manifest} already exists; choose an empty folder, or edit that one")
    usable_folder(folder, "the course folder")
    usable_folder(folder / "scripts", "the course's scripts folder")
    write_text_atomic(manifest, DEFAULT_COURSE.read_text(encoding="utf-8"))
    return manifest


def copy_script(lesson: str, lang: str, folder: Path) -> Path:
    get_lesson(lesson).scene_class()  # a lesson with a scene (and so with scripts)
    source = script_path(lesson, lang, SCRIPTS_DIR)
    target = script_path(lesson, lang, usable_folder(folder, "--to"))
    if target.exists():
        raise UserError(f"{target} already exists; edit it, or delete it to copy afresh")
    shutil.copyfile(source, target)
    return target
