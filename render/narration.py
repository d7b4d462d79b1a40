"""Narration scripts: data files of cues whose numbers are placeholders filled from a trace.

A script is `scripts/<lesson>.<lang>.toml` with a `[labels]` table (on-screen texts) and a list
of `[[cues]]`, each with an `id` and `text`. A placeholder is `{path}` or `{path:spec}`, where
path is a trace key followed by `.key` or `[index]` steps (`{windows[0].sum}`) and spec is a
small number format (`.1f`, `.0f`, `d`, `+.2f`, `.0%`, or `exact`: 1/9 as a fraction).
Nothing is evaluated: the path is looked up in the trace's JSON, and the value must be a
number. Without a spec, numbers are written exactly as the scene writes them. `{{` and `}}`
are literal braces.

A cue whose text is empty (`text = ""`) is silent: its animation plays at its own pace.

A cue whose words depend on the run (which kernel, which pooling mode) names a trace key in
`by` and gives `text` as a table from that key's value to the words, with `other` for any
value not listed:

    [[cues]]
    id = "kernel"
    by = "kernel_name"
    text.vertical-edge = "It looks for vertical edges."
    text.other = "Its weights are the pattern it looks for."
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.trace import lookup
from render.errors import UserError
from render.spoken import spoken
from scenes.numbers import fmt, fmt_exact

SCRIPTS_DIR = Path(__file__).resolve().parents[1] / "scripts"
CUE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
SPEC = re.compile(r"^[+ ]?(?:\.\d{1,3})?[fd%]?$")
MAX_CUE_CHARACTERS = 600


@dataclass(frozen=True)
class Cue:
    id: str
    text: str  # as written on subtitles
    speech: str = ""  # as sent to the speech engine (numbers spelled for the language)
    by: str | None = None  # a trace key choosing among `variants`
    variants: tuple[tuple[str, str], ...] = ()  # (value of `by`, text); "other" is the default


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
        cue_id = raw.get("id") if isinstance(raw, dict) else None
        if not isinstance(cue_id, str) or not CUE_ID.match(cue_id):
            raise UserError(f"{path}: cue #{number} needs an id of lowercase letters, digits and _")
        if any(c.id == cue_id for c in cues):
            raise UserError(f"{path}: cue id {cue_id!r} is used twice")
        cues.append(_cue(path, cue_id, raw.get("text"), raw.get("by")))
    return Script(lesson, lang, path, dict(labels), tuple(cues))


def _cue(path: Path, cue_id: str, text: Any, by: Any) -> Cue:
    def words(value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise UserError(f"{path}: cue {cue_id!r} needs a text{where} (text = \"\" for a "
                            "silent cue)")
        if not value.strip():
            return ""  # silent: the animation plays at its own pace
        if not any(ch.isalnum() for ch in value):
            raise UserError(f"{path}: cue {cue_id!r} has no words{where}, only {value.strip()!r}; "
                            "write what the voice should say")
        if len(value) > MAX_CUE_CHARACTERS:
            raise UserError(f"{path}: cue {cue_id!r} has {len(value)} characters{where}; at most "
                            f"{MAX_CUE_CHARACTERS} (about two minutes of speech) are allowed: "
                            "shorten it")
        return " ".join(value.split())

    if by is None:
        if isinstance(text, dict):
            raise UserError(f"{path}: cue {cue_id!r} gives text as a table but no `by` key "
                            "naming the trace value that chooses among them")
        return Cue(cue_id, words(text, ""))
    if not isinstance(by, str) or not CUE_ID.match(by):
        raise UserError(f"{path}: cue {cue_id!r}: `by` must name a trace key, e.g. "
                        "by = \"kernel_name\"")
    if not isinstance(text, dict) or not text:
        raise UserError(f"{path}: cue {cue_id!r} has by = {by!r}, so its text must be a table "
                        "from each value to the words (text.other for the rest)")
    variants = tuple((str(key), words(value, f" for {by} = {key}"))
                     for key, value in text.items())
    return Cue(cue_id, "", by=by, variants=variants)


def choose_text(cue: Cue, values: dict[str, Any], where: str) -> str:
    """The cue's words for this trace: its text, or the variant its `by` value selects."""
    if cue.by is None:
        return cue.text
    if cue.by not in values:
        raise UserError(f"{where}: by = {cue.by!r} is not a key of this lesson's trace")
    value = values[cue.by]
    key = str(value).lower() if isinstance(value, bool) else str(value)
    chosen = dict(cue.variants)
    if key in chosen:
        return chosen[key]
    if "other" in chosen:
        return chosen["other"]
    raise UserError(f"{where}: no text for {cue.by} = {key}; give text.{key} or text.other "
                    f"(it has: {', '.join(chosen)})")


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
        if spec == "exact":
            return fmt_exact(value)
        if not SPEC.match(spec):
            raise UserError(f"{where}: format {spec!r} in {{{match[1]}}} is not allowed; use "
                            "e.g. .1f, .0f, d or .0%")
        if spec.endswith("d"):
            value = int(round(value))
        out = format(value, spec)
        return "0" + out[2:] if out.startswith("-0") and float(out.rstrip("%")) == 0 else out

    return FIELD.sub(replace, template)


def fill_script(script: Script, values: dict[str, Any]) -> tuple[dict[str, str], list[Cue]]:
    """Labels and cues with every placeholder replaced by the trace's numbers."""
    name = script.path.name
    labels = {key: fill(text, values, f"{name}: label {key!r}")
              for key, text in script.labels.items()}
    cues = []
    for cue in script.cues:
        where = f"{name}: cue {cue.id!r}"
        text = fill(choose_text(cue, values, where), values, where)
        cues.append(Cue(cue.id, text, spoken(text, script.lang)))
    return labels, cues
