"""Stage 1, prepare: parameters -> validated trace -> the filled script. No speech, no manim
render: everything here is cheap, so bad input fails before any slow work starts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.trace import Trace
from render.lessons import Lesson
from render.narration import SCRIPTS_DIR, Cue, check_cues, fill_script, load_script


@dataclass(frozen=True)
class PreparedScene:
    lesson: Lesson
    overrides: Mapping[str, Any]
    lang: str
    trace: Trace
    labels: Mapping[str, str]
    cues: tuple[Cue, ...]

    @property
    def scene_class(self) -> type:
        return self.lesson.scene_class()


def prepare(lesson: Lesson, overrides: Mapping[str, Any], lang: str,
            scripts: Path = SCRIPTS_DIR) -> PreparedScene:
    """Validate the parameters, compute the trace, check the scene can draw it, and fill the
    lesson's script for `lang` (from `scripts`, a folder of <lesson>.<lang>.toml files)."""
    trace = lesson.model.run(overrides)
    scene_class = lesson.scene_class()
    scene_class.check_trace(trace)
    script = load_script(lesson.script, lang, scripts)
    check_cues(script, scene_class.CUES, scene_class.LABELS)
    labels, cues = fill_script(script, trace.to_dict())
    return PreparedScene(lesson, dict(overrides), lang, trace, labels, tuple(cues))
