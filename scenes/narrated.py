"""A manim Scene whose timing is driven by narration.

The pipeline gives the scene one duration per cue (the cue's speech plus a pause). Inside
`with self.cue("id") as slot:` the scene plays animations whose run times are shares of
`slot.seconds`; leaving the block waits out whatever time is left, so the picture never runs
ahead of the voice. If the animations need longer than the speech, the cue simply lasts longer
and the narration track gets silence there: the recorded `timeline` is the truth that audio
and subtitles are placed by.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

from manim import Scene, config

from engine.lesson import LessonModel
from engine.trace import Trace

DEFAULT_CUE_SECONDS = 3.0  # when a scene is built without narration (tests, previews)


@dataclass
class CueSlot:
    id: str
    seconds: float  # what the narration asks for
    start: float = 0.0  # scene time when the cue began
    end: float = 0.0

    def share(self, fraction: float, minimum: float = 1 / 15) -> float:
        """A run time that is `fraction` of the cue's duration (never shorter than a frame)."""
        return max(self.seconds * fraction, minimum)


class NarratedScene(Scene):
    """Base class: subclasses set MODEL and CUES and draw `self.trace` in `construct`.

    Inputs are class attributes (`params`), so a variant is a subclass; the pipeline passes
    the trace, the cue durations and the on-screen labels of the chosen language instead.
    """

    MODEL: ClassVar[LessonModel]
    CUES: ClassVar[tuple[str, ...]]  # the cue ids the scene narrates, in order
    LABELS: ClassVar[tuple[str, ...]] = ()  # on-screen texts the script must provide
    params: ClassVar[Mapping[str, Any]] = {}

    def __init__(self, trace: Trace | None = None,
                 durations: Mapping[str, float] | None = None,
                 labels: Mapping[str, str] | None = None,
                 on_progress: Callable[[float], None] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.trace = trace if trace is not None else self.MODEL.run(self.params)
        self.durations = dict(durations or {})
        self.labels = dict(labels or {key: key for key in self.LABELS})
        self.on_progress = on_progress
        self.timeline: list[CueSlot] = []

    @classmethod
    def check_trace(cls, trace: Trace) -> None:
        """Raise ParamError if the scene cannot draw this trace legibly (before any work)."""

    @contextmanager
    def cue(self, cue_id: str) -> Iterator[CueSlot]:
        if cue_id not in self.CUES:
            raise KeyError(f"{type(self).__name__} has no cue {cue_id!r}")
        slot = CueSlot(cue_id, self.durations.get(cue_id, DEFAULT_CUE_SECONDS), start=self.time)
        yield slot
        # Pad to whole frames, rounding up: manim's wait() rounds its duration down to frames,
        # which would end the cue up to a frame before its speech does.
        fps = config.frame_rate
        frames = math.ceil((slot.seconds - (self.time - slot.start)) * fps - 1e-6)
        if frames > 0:
            self.wait((frames + 0.5) / fps)
        slot.end = self.time
        self.timeline.append(slot)

    def play(self, *args: Any, **kwargs: Any) -> None:
        super().play(*args, **kwargs)
        if self.on_progress is not None:
            self.on_progress(self.time)
