"""A manim Scene whose timing is driven by narration.

The pipeline gives the scene one duration per cue (the cue's speech plus a pause). Inside
`with self.cue("id") as slot:` the scene plays animations whose run times are shares of
`slot.seconds`, and `self.until(slot, f)` waits until a fraction f of the cue has passed, so a
change lands while the voice talks about it. Leaving the block waits out whatever time is left:
the picture never runs ahead of the voice. If the animations need longer than the speech, the
cue simply lasts longer and the narration track is silent there: the recorded `timeline` is the
truth that audio and subtitles are placed by.

The cues a scene plays are a contract with its scripts: `CUES` in order, each exactly once.
Playing another id, out of order, or leaving one out is a `SceneContractError`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

from manim import Scene, Text, config

from engine.lesson import LessonModel
from engine.trace import Trace
from scenes import theme
from scenes.errors import SceneContractError
from scenes.layout import Layout, layout
from scenes.shown import Ref, TraceValues

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
    """Base class: subclasses set MODEL, CUES and LABELS and draw `self.trace` in `construct`.

    Inputs are class attributes (`params`), so a variant is a subclass; the pipeline passes
    the trace, the cue durations and the on-screen labels of the chosen language instead.
    """

    MODEL: ClassVar[LessonModel]
    CUES: ClassVar[tuple[str, ...]]  # the cue ids the scene narrates, in order
    LABELS: ClassVar[tuple[str, ...]] = ()  # on-screen texts the script must provide
    params: ClassVar[Mapping[str, Any]] = {}
    # Parameter sets the tests render besides the defaults (a variant is a parameter change).
    EXAMPLES: ClassVar[tuple[Mapping[str, Any], ...]] = ()
    # Trace paths of the key numbers a handout lists (besides the parameters).
    HANDOUT: ClassVar[tuple[str, ...]] = ()

    def __init__(self, trace: Trace | None = None,
                 durations: Mapping[str, float] | None = None,
                 labels: Mapping[str, str] | None = None,
                 on_progress: Callable[[float], None] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.trace = trace if trace is not None else self.MODEL.run(self.params)
        self.values = TraceValues(self.trace)
        self.durations = dict(durations or {})
        self.labels = dict(labels or {key: key for key in self.LABELS})
        self.on_progress = on_progress
        self.timeline: list[CueSlot] = []
        self.regions: Layout = layout()

    def setup(self) -> None:
        """Every lesson's frame starts from the theme's background (manim calls this first)."""
        self.camera.background_color = theme.BACKGROUND

    @classmethod
    def check_trace(cls, trace: Trace) -> None:
        """Raise ParamError if the scene cannot draw this trace legibly (before any work)."""

    # -- what the scene shows ---------------------------------------------------------------
    def ref(self, path: str, style: str = "fmt") -> Ref:
        return self.values.ref(path, style)

    def label(self, key: str, size: float = theme.LABEL_SIZE,
              color: theme.ManimColor = theme.MUTED) -> Text:
        if key not in self.LABELS:
            raise SceneContractError(f"{type(self).__name__} shows label {key!r} but LABELS "
                                     f"does not declare it")
        return theme.label(self.labels[key], key, size, color)

    def bound(self, template: str, *paths: str, size: float = theme.BODY_SIZE,
              color: theme.ManimColor = theme.INK, style: str = "fmt") -> Text:
        """Text with the trace's numbers at `paths` written into `template`'s `{}`."""
        return theme.bound(template, [self.ref(p, style) for p in paths], size, color)

    # -- timing -------------------------------------------------------------------------------
    @contextmanager
    def cue(self, cue_id: str) -> Iterator[CueSlot]:
        played = len(self.timeline)
        expected = self.CUES[played] if played < len(self.CUES) else None
        if cue_id != expected:
            raise SceneContractError(
                f"{type(self).__name__} played cue {cue_id!r} where "
                f"{'no more cues' if expected is None else repr(expected)} should come; "
                f"its CUES are: {', '.join(self.CUES)}")
        slot = CueSlot(cue_id, self.durations.get(cue_id, DEFAULT_CUE_SECONDS), start=self.time)
        yield slot
        self.until(slot, 1.0)
        slot.end = self.time
        self.timeline.append(slot)

    def until(self, slot: CueSlot, fraction: float) -> None:
        """Wait until `fraction` of the cue has passed (no wait if it already has).

        Pads to whole frames, rounding up: manim's wait() rounds its duration down to frames,
        which would end a cue up to a frame before its speech does.
        """
        fps = config.frame_rate
        frames = math.ceil((slot.seconds * fraction - (self.time - slot.start)) * fps - 1e-6)
        if frames > 0:
            self.wait((frames + 0.5) / fps)

    def tear_down(self) -> None:
        super().tear_down()
        if len(self.timeline) != len(self.CUES):
            missing = self.CUES[len(self.timeline):]
            raise SceneContractError(f"{type(self).__name__} ended without playing cues: "
                                     f"{', '.join(missing)}")

    def play(self, *args: Any, **kwargs: Any) -> None:
        super().play(*args, **kwargs)
        if self.on_progress is not None:
            self.on_progress(self.time)

    def wait(self, *args: Any, **kwargs: Any) -> None:
        super().wait(*args, **kwargs)
        if self.on_progress is not None:
            self.on_progress(self.time)
