"""Narration scripts: data files of cues whose numbers are placeholders filled from a trace.

A script is `scripts/<lesson>.<lang>.toml` with a `[labels]` table (on-screen texts) and a list
of `[[cues]]`, each with an `id` and `text`. A placeholder is `{path}` or `{path:spec}`, where
path is a trace key followed by `.key` or `[index]` steps (`{windows[0].sum}`) and spec is a
small number format (`.1f`, `.0f`, `d`, `+.2f`, `.0%`). Nothing is evaluated: the path is
looked up in the trace's JSON, and the value must be a number. Without a spec, numbers are
written exactly as the scene writes them. `{{` and `}}` are literal braces.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from render.errors import UserError
from scenes.numbers import fmt

SCRIPTS_DIR = Path(__file__).resolve().parents[1] / "scripts"
CUE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
PATH = re.compile(r"^(?P<head>[A-Za-z_]\w*)(?P<steps>(?:\.[A-Za-z_]\w*|\[-?\d+\])*)$")
STEP = re.compile(r"\.([A-Za-z_]\w*)|\[(-?\d+)\]")
SPEC = re.compile(r"^[+ ]?(?:\.\d{1,3})?[fd%]?$")


@dataclass(frozen=True)
class Cue:
    id: str
    text: str  # as written on subtitles
    speech: str = ""  # as sent to the speech engine (numbers spelled for the language)


@dataclass(frozen=True)
class Script:
    lesson: str
    lang: str
    path: Path
    labels: dict[str, str]
    cues: tuple[Cue, ...]


def script_path(lesson: str, lang: str, folder: Path = SCRIPTS_DIR) -> Path:
    return folder / f"{lesson}.{lang}.toml"


def load_script(lesson: str, lang: str, folder: Path = SCRIPTS_DIR) -> Script:
    path = script_path(lesson, lang, folder)
    if not path.is_file():
        raise UserError(f"no {lang} narration for lesson {lesson!r}: expected {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise UserError(f"{path}: not valid TOML: {error}") from None
    labels = data.get("labels", {})
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise UserError(f"{path}: [labels] must be a table of strings")
    raw_cues = data.get("cues")
    if not isinstance(raw_cues, list) or not raw_cues:
        raise UserError(f"{path}: needs a list of cues: [[cues]] with id and text")
    cues: list[Cue] = []
    for number, raw in enumerate(raw_cues, 1):
        cue_id, text = (raw.get("id"), raw.get("text")) if isinstance(raw, dict) else (None, None)
        if not isinstance(cue_id, str) or not CUE_ID.match(cue_id):
            raise UserError(f"{path}: cue #{number} needs an id of lowercase letters, digits and _")
        if not isinstance(text, str) or not text.strip():
            raise UserError(f"{path}: cue {cue_id!r} needs a non-empty text")
        if any(c.id == cue_id for c in cues):
            raise UserError(f"{path}: cue id {cue_id!r} is used twice")
        cues.append(Cue(cue_id, " ".join(text.split())))
    return Script(lesson, lang, path, dict(labels), tuple(cues))


def check_cues(script: Script, expected: tuple[str, ...], labels: tuple[str, ...]) -> None:
    """The script narrates exactly the scene's cues and names every label the scene shows."""
    ids = [c.id for c in script.cues]
    missing = [c for c in expected if c not in ids]
    extra = [c for c in ids if c not in expected]
    if missing or extra:
        parts = ([f"missing cues: {', '.join(missing)}"] if missing else []) + (
            [f"unknown cues: {', '.join(extra)}"] if extra else [])
        raise UserError(f"{script.path}: {'; '.join(parts)}; the scene narrates: "
                        f"{', '.join(expected)}")
    absent = [name for name in labels if name not in script.labels]
    if absent:
        raise UserError(f"{script.path}: [labels] is missing {', '.join(absent)}")


def lookup(values: dict[str, Any], path: str) -> Any:
    """Follow `name.key[0]` through the trace's JSON; KeyError names the step that failed."""
    match = PATH.match(path)
    if not match:
        raise KeyError(f"{{{path}}} is not a placeholder (use names, .key and [index])")
    node: Any = values
    where = match["head"]
    steps = [(match["head"], None)] + [
        (m[1], None) if m[1] else (None, int(m[2])) for m in STEP.finditer(match["steps"])]
    for key, index in steps:
        if key is not None:
            if not isinstance(node, dict) or key not in node:
                raise KeyError(f"unknown placeholder {{{path}}}: no {key!r} in {where}")
            node = node[key]
            where = key if where == key else f"{where}.{key}"
        else:
            if not isinstance(node, list) or not -len(node) <= index < len(node):
                size = len(node) if isinstance(node, list) else 0
                raise KeyError(f"unknown placeholder {{{path}}}: index {index} is out of range "
                               f"for {where} ({size} entries)")
            node = node[index]
            where = f"{where}[{index}]"
    return node


def fill(template: str, values: dict[str, Any], where: str) -> str:
    """Replace each placeholder by its number; `where` names the cue or label in errors."""

    def replace(match: re.Match[str]) -> str:
        if match[0] in ("{{", "}}"):
            return match[0][0]
        if match[1] is None:
            raise UserError(f"{where}: a lone {match[0]!r} (placeholders cannot nest; write "
                            f"{match[0] * 2} for a literal brace)")
        path, _, spec = match[1].partition(":")
        try:
            value = lookup(values, path.strip())
        except KeyError as error:
            raise UserError(f"{where}: {error.args[0]}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UserError(f"{where}: placeholder {{{match[1]}}} is {type(value).__name__}, "
                            "not a number; point it at a single number")
        if not spec:
            return fmt(value)
        if not SPEC.match(spec):
            raise UserError(f"{where}: format {spec!r} in {{{match[1]}}} is not allowed; use "
                            "e.g. .1f, .0f, d or .0%")
        if spec.endswith("d"):
            value = int(round(value))
        out = format(value, spec)
        return "0" + out[2:] if out.startswith("-0") and float(out.rstrip("%")) == 0 else out

    return FIELD.sub(replace, template)


NEGATIVE = re.compile(r"(?<![\w)])-(?=\d)")
SPOKEN = {
    "zh": [(NEGATIVE, "负"), (re.compile("×"), "乘"), (re.compile(r"(?<=\d)\s*\+\s*(?=\d)"), "加")],
    "en": [(NEGATIVE, "minus "), (re.compile("×"), " times ")],
}


def spoken(text: str, lang: str) -> str:
    """The words a speech engine should read: signs spelled out so every voice says them."""
    for pattern, words in SPOKEN.get(lang, []):
        text = pattern.sub(words, text)
    return text


def fill_script(script: Script, values: dict[str, Any]) -> tuple[dict[str, str], list[Cue]]:
    """Labels and cues with every placeholder replaced by the trace's numbers."""
    name = script.path.name
    labels = {key: fill(text, values, f"{name}: label {key!r}")
              for key, text in script.labels.items()}
    cues = []
    for cue in script.cues:
        text = fill(cue.text, values, f"{name}: cue {cue.id!r}")
        cues.append(Cue(cue.id, text, spoken(text, script.lang)))
    return labels, cues
