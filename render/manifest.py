"""Course manifests: TOML data naming chapters of lesson scenes, checked with errors that name
the place (chapter, scene, key) before anything renders.

    title = { zh = "深度学习", en = "Deep learning" }
    [[chapters]]
    id = "cnn"
    title = { zh = "卷积神经网络", en = "Convolutional networks" }
    [[chapters.scenes]]
    lesson = "convolution"
    set = { stride = 2, kernel = "blur" }

Optional: `scripts = "scripts"` at the top, a folder inside the course folder whose
<lesson>.<lang>.toml files replace the built-in narration (default: `scripts` beside the
manifest, if it exists).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import ParamError
from render.errors import UserError

LANGS = ("zh", "en")
CHAPTER_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,40}$")
DEFAULT_COURSE = Path(__file__).resolve().parents[1] / "assets" / "courses" / "deep-learning.toml"
TOP_KEYS = {"title", "chapters", "scripts"}
CHAPTER_KEYS = {"id", "title", "scenes"}
SCENE_KEYS = {"lesson", "set"}
RESERVED = {"course", "index", "scenes", "speech", "state"}


@dataclass(frozen=True)
class SceneSpec:
    lesson: str
    overrides: dict[str, Any]
    where: str  # "chapter 'cnn', scene 2" for messages


@dataclass(frozen=True)
class Chapter:
    id: str
    title: dict[str, str]
    scenes: tuple[SceneSpec, ...]


@dataclass(frozen=True)
class Course:
    path: Path
    title: dict[str, str]
    chapters: tuple[Chapter, ...]
    scripts: Path | None = None  # the course's own narration, if any
    folder: Path = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "folder", self.path.resolve().parent)


def load_course(path: Path) -> Course:
    """Read and check a manifest: structure, ids, titles, lessons, parameters, paths."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"no course manifest at {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"{path}: cannot be read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{path}: not valid TOML: {error}") from None

    def fail(where: str, message: str) -> UserError:
        return UserError(f"{path}: {where}: {message}")

    _known_keys(data, TOP_KEYS, "the top level", fail)
    title = _title(data.get("title"), "title", fail)
    raw_chapters = data.get("chapters")
    if not isinstance(raw_chapters, list) or not raw_chapters:
        raise fail("chapters", "needs at least one [[chapters]] table with id, title and scenes")
    chapters, seen = [], set()
    for number, raw in enumerate(raw_chapters, 1):
        if not isinstance(raw, dict):
            raise fail(f"chapter {number}", "must be a table ([[chapters]])")
        chapter_id = raw.get("id")
        where = f"chapter {number}"
        if not isinstance(chapter_id, str) or not CHAPTER_ID.match(chapter_id):
            raise fail(where, "needs an id of lowercase letters, digits, - and _ (e.g. id = "
                       "\"cnn\"), used for its file names")
        where = f"chapter {chapter_id!r}"
        if chapter_id in RESERVED:
            raise fail(where, f"the id names one of the build's own files or folders "
                       f"({', '.join(sorted(RESERVED))}); choose another")
        if chapter_id in seen:
            raise fail(where, "the id is used twice; chapter ids must be unique")
        seen.add(chapter_id)
        _known_keys(raw, CHAPTER_KEYS, where, fail)
        chapter_title = _title(raw.get("title"), f"{where}, title", fail)
        raw_scenes = raw.get("scenes")
        if not isinstance(raw_scenes, list) or not raw_scenes:
            raise fail(where, "needs at least one [[chapters.scenes]] with a lesson")
        scenes = tuple(_scene(scene, f"{where}, scene {index}", fail)
                       for index, scene in enumerate(raw_scenes, 1))
        chapters.append(Chapter(chapter_id, chapter_title, scenes))
    return Course(path, title, tuple(chapters), _scripts(path, data.get("scripts"), fail))


def _known_keys(table: dict, allowed: set[str], where: str, fail: Any) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise fail(where, f"unknown key {', '.join(map(repr, unknown))}; allowed: "
                   f"{', '.join(sorted(allowed))}")


def _title(value: Any, where: str, fail: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise fail(where, 'is missing: give title = { zh = "...", en = "..." }')
    missing = [lang for lang in LANGS if not isinstance(value.get(lang), str)
               or not value[lang].strip()]
    if missing:
        raise fail(where, f"needs a {' and '.join(missing)} text: title = {{ zh = \"...\", "
                   "en = \"...\" }")
    return {lang: value[lang].strip() for lang in LANGS}


def _scene(raw: Any, where: str, fail: Any) -> SceneSpec:
    from render.lessons import LESSONS  # loads NumPy: only once a manifest is really read

    if not isinstance(raw, dict):
        raise fail(where, "must be a table with lesson = \"...\"")
    _known_keys(raw, SCENE_KEYS, where, fail)
    name = raw.get("lesson")
    with_scenes = [n for n, lesson in LESSONS.items() if lesson.scene]
    if name not in LESSONS:
        raise fail(where, f"lesson: unknown lesson {name!r}; lessons with a scene: "
                   f"{', '.join(with_scenes)}")
    if LESSONS[name].scene is None:
        raise fail(where, f"lesson: {name!r} has no scene yet; lessons with a scene: "
                   f"{', '.join(with_scenes)}")
    overrides = raw.get("set", {})
    if not isinstance(overrides, dict):
        raise fail(where, "set: must be a table, e.g. set = { stride = 2 }")
    try:
        LESSONS[name].model.params.resolve(overrides)
    except ParamError as error:
        raise fail(where, f"set.{error}") from None
    return SceneSpec(name, dict(overrides), where)


def _scripts(path: Path, value: Any, fail: Any) -> Path | None:
    folder = path.resolve().parent
    if value is None:
        default = folder / "scripts"
        return default if default.is_dir() else None
    if not isinstance(value, str):
        raise fail("scripts", "must be a folder name inside the course folder")
    target = (folder / value).resolve()
    if not target.is_relative_to(folder):
        raise fail("scripts", f"{value!r} leaves the course folder {folder}; a course's files "
                   "must stay inside it")
    if not target.is_dir():
        raise fail("scripts", f"{value!r} is not a folder")
    return target
