"""A recurrent network unrolled in time: hidden states left to right, inputs below, outputs
above, the same weights on every recurrent arrow. Every value is bound to `path[t]` (a scalar
per step) or `path[t][k]` (a vector per step)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from manim import DOWN, UP, Arrow, DashedLine, Mobject, RoundedRectangle, Text, VGroup

from scenes import theme
from scenes.shown import cell_ref


class StateBox(VGroup):
    """One step's vector in a rounded box: `box`, and `entries[k]` bound to `path[t][k]`."""

    def __init__(self, values: np.ndarray, path: str, t: int, color: theme.ManimColor,
                 style: str = "fmt", size: float = theme.CELL_TEXT_SIZE) -> None:
        super().__init__()
        column = np.atleast_1d(np.asarray(values, dtype=np.float64))
        scalar = np.ndim(values) == 0
        self.entries: list[Text] = [
            theme.bound("{}", [cell_ref(path, (t,) if scalar else (t, k), float(v), style)], size)
            .set_z_index(1) for k, v in enumerate(column)]
        self.numbers = VGroup(*self.entries).arrange(DOWN, buff=0.1)
        self.box = RoundedRectangle(corner_radius=0.08, width=self.numbers.width + 0.24,
                                    height=self.numbers.height + 0.2, stroke_color=color,
                                    stroke_width=2.5, fill_color=theme.CELL_FILL, fill_opacity=1)
        self.box.move_to(self.numbers)
        self.add(self.box, self.numbers)


@dataclass
class Step:
    """The parts of step t; None where the timeline has no such part."""

    h: StateBox
    x: StateBox | None = None
    y: StateBox | None = None
    arrow_in: Arrow | None = None  # x_t up to h_t
    arrow_out: Arrow | None = None  # h_t up to y_t
    recurrent: Arrow | None = None  # h_{t-1} to h_t (None at t = 0)
    weight: Mobject | None = None  # the shared-weight label on `recurrent`
    caption: Mobject | None = None  # below the step


def _arrow(start: np.ndarray, end: np.ndarray, color: theme.ManimColor) -> Arrow:
    return Arrow(start, end, buff=0.06, color=color, stroke_width=3,
                 max_tip_length_to_length_ratio=0.4, max_stroke_width_to_length_ratio=10)


class UnrolledTimeline(VGroup):
    """`steps[t]` (a Step) for t = 0..T-1, `step_gap` apart: h_t on the middle row, x_t below
    and y_t above it, `arrow_length` from the tallest h box. `h` (and `x`, `y`) are T x n
    arrays or length-T vectors. `weight` (e.g. MathTex W_hh) goes above every recurrent arrow,
    or only the first with `weight_once`; `captions[t]` (the caller's Texts) go under each
    step."""

    def __init__(self, h: np.ndarray, h_path: str = "h", x: np.ndarray | None = None,
                 x_path: str = "x", y: np.ndarray | None = None, y_path: str = "y",
                 weight: Mobject | None = None, weight_once: bool = False,
                 captions: Sequence[Mobject | None] = (), step_gap: float = 1.9,
                 arrow_length: float = 0.5, style: str = "fmt",
                 size: float = theme.CELL_TEXT_SIZE) -> None:
        super().__init__()
        h = np.asarray(h, dtype=np.float64)
        count = len(h)
        boxes = [StateBox(h[t], h_path, t, theme.ACCENT, style, size) for t in range(count)]
        reach = max(b.height for b in boxes) / 2 + arrow_length  # from the row's middle
        self.steps: list[Step] = []
        for t in range(count):
            center = np.array([(t - (count - 1) / 2) * step_gap, 0.0, 0.0])
            step = Step(boxes[t].move_to(center))
            if x is not None:
                step.x = StateBox(np.asarray(x)[t], x_path, t, theme.MUTED, style, size)
                step.x.next_to(center + DOWN * reach, DOWN, buff=0)
                step.arrow_in = _arrow(step.x.get_top(), step.h.get_bottom(), theme.MUTED)
            if y is not None:
                step.y = StateBox(np.asarray(y)[t], y_path, t, theme.SECOND, style, size)
                step.y.next_to(center + UP * reach, UP, buff=0)
                step.arrow_out = _arrow(step.h.get_top(), step.y.get_bottom(), theme.SECOND)
            if t > 0:
                before = self.steps[-1].h
                step.recurrent = _arrow(before.get_right(), step.h.get_left(), theme.ACCENT)
                if weight is not None and (t == 1 or not weight_once):
                    step.weight = weight if t == 1 else weight.copy()
                    step.weight.next_to(step.recurrent, UP, buff=0.08)
            self.steps.append(step)
        lowest = min((s.x or s.h).get_bottom()[1] for s in self.steps)
        for t, step in enumerate(self.steps):
            if t < len(captions) and captions[t] is not None:
                step.caption = captions[t]
                step.caption.next_to([step.h.get_x(), lowest, 0], DOWN, buff=0.15)
            self.add(*[part for part in (step.arrow_in, step.arrow_out, step.recurrent, step.h,
                                         step.x, step.y, step.weight, step.caption)
                       if part is not None])

    def cut_line(self, t: int, color: theme.ManimColor = theme.ACCENT) -> DashedLine:
        """A dashed vertical line across the recurrent arrow into step t (where truncated BPTT
        stops; right of its weight label), as tall as the timeline; not added to it."""
        if not 0 < t < len(self.steps):
            raise ValueError(f"a cut goes between two steps: t must be in 1..{len(self.steps) - 1}")
        weight = self.steps[t].weight
        left = weight.get_right()[0] if weight is not None else self.steps[t - 1].h.get_right()[0]
        x = (left + self.steps[t].h.get_left()[0]) / 2  # clear of the weight label
        top, bottom = self.get_top()[1] + 0.1, self.get_bottom()[1] - 0.1
        line = DashedLine([x, bottom, 0], [x, top, 0], color=color, stroke_width=3,
                          dash_length=0.12)
        return line.set_z_index(2)

    def row(self, part: str) -> VGroup:
        """One kind of part across all steps, e.g. `row("h")` or `row("recurrent")`."""
        return VGroup(*[getattr(s, part) for s in self.steps if getattr(s, part) is not None])

