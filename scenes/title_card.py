"""A chapter's title card: the chapter title (and the course's) on a plain frame, silent, a few
seconds, rendered with the same settings as the lessons so chapters join by stream copy."""

from __future__ import annotations

from typing import Any

from manim import DOWN, FadeIn, Line

from engine.trace import Trace
from scenes import theme
from scenes.narrated import NarratedScene

SECONDS = 2.5


class TitleCardScene(NarratedScene):
    CUES = ("title",)
    LABELS = ("course", "chapter")

    def __init__(self, trace: Trace | None = None, **kwargs: Any) -> None:
        super().__init__(trace=trace if trace is not None else EMPTY, **kwargs)

    def construct(self) -> None:
        body = self.regions.body
        course = self.label("course", theme.LABEL_SIZE, theme.MUTED)
        chapter = self.label("chapter", theme.TITLE_SIZE + 10, theme.INK)
        rule = Line([-2, 0, 0], [2, 0, 0], color=theme.ACCENT, stroke_width=3)
        body.fit(course, y=0.68)
        body.fit(chapter, y=0.5)
        rule.next_to(chapter, DOWN, buff=0.35)
        self.add(course)  # something on the first frame
        with self.cue("title") as slot:
            self.play(FadeIn(chapter, shift=DOWN * 0.15), FadeIn(rule),
                      run_time=slot.share(0.3))


class _Empty(Trace):
    """A title card shows no lesson numbers."""

    def to_dict(self) -> dict[str, Any]:
        return {}


EMPTY = _Empty()
