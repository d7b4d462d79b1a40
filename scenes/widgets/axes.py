"""A plot that fits a given size: manim Axes with tick labels (`theme.tick`, positions the scene
chose, never lesson numbers), axis captions, and curves, bars, dots and a marker placed by
data coordinates. Bar values are written bound to the trace."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from manim import DOWN, LEFT, UP, Axes, Dot, LogBase, Mobject, Rectangle, Text, VGroup, VMobject

from scenes import theme
from scenes.numbers import fmt
from scenes.shown import cell_ref

TICK_BUFF = 0.1
CAPTION_BUFF = 0.15
TICK_GAP = 0.12  # between neighbouring tick labels; closer ones are thinned out
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(exponent: float) -> str:
    """A log-axis tick: 1, 10, 10², 10⁻³."""
    e = int(round(exponent))
    return {0: "1", 1: "10"}.get(e, "10" + str(e).translate(SUPERSCRIPT))


def _range_ticks(lo: float, hi: float, step: float) -> list[float]:
    return [float(v) for v in np.round(np.arange(lo, hi + step / 2, step), 10)]


def _thin(ticks: VGroup, positions: list[float], sizes: list[float]) -> VGroup:
    """Every k-th tick label, k the least that leaves `TICK_GAP` between the ones kept."""
    if len(ticks) < 2:
        return ticks
    step = min(abs(b - a) for a, b in zip(positions, positions[1:], strict=False))
    k = math.ceil((max(sizes) + TICK_GAP) / step) if step > 0 else len(ticks)
    return VGroup(*[t for i, t in enumerate(ticks) if i % max(k, 1) == 0])


class Bars(VGroup):
    """Vertical bars: `rects[i]` and, above each (below a negative one), `labels[i]` bound to
    `path[i]` (absent with `numbers=False`)."""

    def __init__(self) -> None:
        super().__init__()
        self.rects: list[Rectangle] = []
        self.labels: list[Text] = []


class Plot(VGroup):
    """Axes over `x_range` and `y_range` ((min, max, step), as in manim) whose ticks, tick labels
    and captions all fit in `width` x `height`, centered at the origin. `y_log`: a base-10 y axis
    whose `y_range` is in exponents ((-4, 0, 1) spans 10⁻⁴..1); `c2p` then takes plain values.

    Parts: `axes`, `x_ticks` and `y_ticks` (tick Texts; every k-th when they would touch, at
    `x_range[2]` steps unless given), `x_caption`, `y_caption`. The drawing
    methods return new mobjects placed on the axes as they are now (not added to the plot).
    """

    def __init__(self, x_range: Sequence[float], y_range: Sequence[float], width: float = 6.0,
                 height: float = 3.5, x_caption: Text | None = None,
                 y_caption: Text | None = None, x_ticks: Sequence[float] | None = None,
                 y_ticks: Sequence[float] | None = None, y_log: bool = False,
                 color: theme.ManimColor = theme.MUTED) -> None:
        super().__init__()
        self.y_log = y_log
        self.x_range, self.y_range = tuple(x_range), tuple(y_range)
        xs = _range_ticks(*self.x_range) if x_ticks is None else list(x_ticks)
        ys = _range_ticks(*self.y_range) if y_ticks is None else list(y_ticks)
        self.x_ticks = VGroup(*[theme.tick(fmt(v)) for v in xs])
        self.y_ticks = VGroup(*[theme.tick(power_of_ten(v) if y_log else fmt(v)) for v in ys])
        self.x_caption, self.y_caption = x_caption, y_caption

        tick_h = max((t.height for t in [*self.x_ticks, *self.y_ticks]), default=0.0)
        left = max(max((t.width for t in self.y_ticks), default=0.0) + TICK_BUFF,
                   self.x_ticks[0].width / 2 if xs else 0.0)
        right = self.x_ticks[-1].width / 2 if xs else 0.0
        bottom = max(tick_h + TICK_BUFF if xs else 0.0, tick_h / 2)
        bottom += x_caption.height + CAPTION_BUFF if x_caption is not None else 0.0
        top = tick_h / 2 + (y_caption.height + CAPTION_BUFF if y_caption is not None else 0.0)
        x_length, y_length = width - left - right, height - top - bottom
        if min(x_length, y_length) < 0.5:
            raise ValueError(f"a {width} x {height} plot leaves no room for its axes")

        scaling = {"scaling": LogBase(custom_labels=False)} if y_log else {}
        self.axes = Axes(x_range=self.x_range, y_range=self.y_range, x_length=x_length,
                         y_length=y_length, tips=False,
                         axis_config={"color": color, "stroke_width": 2, "tick_size": 0.05},
                         y_axis_config=scaling)
        for value, tick in zip(xs, self.x_ticks, strict=True):
            tick.next_to(self.axes.x_axis.number_to_point(value), DOWN, buff=TICK_BUFF)
        for value, tick in zip(ys, self.y_ticks, strict=True):
            at = 10.0 ** value if y_log else value
            tick.next_to(self.axes.y_axis.number_to_point(at), LEFT, buff=TICK_BUFF)
        self.x_ticks = _thin(self.x_ticks, [t.get_x() for t in self.x_ticks],
                             [t.width for t in self.x_ticks])
        self.y_ticks = _thin(self.y_ticks, [t.get_y() for t in self.y_ticks],
                             [t.height for t in self.y_ticks])
        self.add(self.axes, self.x_ticks, self.y_ticks)
        if x_caption is not None:
            below = min(self.axes.get_bottom()[1], self.x_ticks.get_bottom()[1] if xs else 0.0)
            x_caption.next_to([self.axes.x_axis.get_center()[0], below, 0], DOWN,
                              buff=CAPTION_BUFF)
            self.add(x_caption)
        if y_caption is not None:
            y_caption.next_to(self.get_top(), UP, buff=CAPTION_BUFF)
            y_caption.align_to(self.get_left(), LEFT)
            self.add(y_caption)
        if self.width > width or self.height > height:  # only a caption wider than the plot
            self.scale(min(width / self.width, height / self.height))
        self.move_to([0, 0, 0])

    def c2p(self, x: float, y: float) -> np.ndarray:
        """The scene point of data coordinates (x, y)."""
        return self.axes.c2p(x, y)

    def _clamp_y(self, y: float) -> float:
        lo, hi = self.y_range[0], self.y_range[1]
        if self.y_log:
            return float(10.0 ** np.clip(np.log10(y), lo, hi)) if y > 0 else 10.0 ** lo
        return float(np.clip(y, lo, hi))

    def curve(self, xs: Sequence[float], ys: Sequence[float],
              color: theme.ManimColor = theme.ACCENT, stroke_width: float = 3) -> VMobject:
        """A polyline through the points (xs[i], ys[i])."""
        points = [self.c2p(x, y) for x, y in zip(xs, ys, strict=True)]
        return VMobject(stroke_color=color, stroke_width=stroke_width).set_points_as_corners(
            points)

    def bars(self, values: np.ndarray, path: str, log: bool | None = None,
             xs: Sequence[float] | None = None, width: float = 0.6,
             color: theme.ManimColor = theme.ACCENT, style: str = "fmt",
             numbers: bool = True) -> Bars:
        """Bar i at x = xs[i] (default i + 1), `width` x-units wide, from the baseline (0, or
        the bottom of a log axis) to values[i], clipped to the y range. `log` must match the
        plot's `y_log` (None: follow it): norms spanning decades need a `y_log` plot."""
        if log is not None and log != self.y_log:
            raise ValueError(f"bars(log={log}) on a plot with y_log={self.y_log}: the bars "
                             f"must follow the axis they are read on")
        array = np.asarray(values, dtype=np.float64)
        xs = list(xs) if xs is not None else [i + 1.0 for i in range(len(array))]
        unit = self.axes.x_axis.get_unit_size()
        base = self._clamp_y(10.0 ** self.y_range[0] if self.y_log else 0.0)
        group = Bars()
        for i, (x, value) in enumerate(zip(xs, array, strict=True)):
            low, high = self.c2p(x, base), self.c2p(x, self._clamp_y(float(value)))
            rect = Rectangle(width=width * unit, height=max(abs(high[1] - low[1]), 1e-3),
                             stroke_width=0, fill_color=color, fill_opacity=0.9)
            rect.move_to((low + high) / 2)
            group.rects.append(rect)
            group.add(rect)
            if numbers:
                label = theme.bound("{}", [cell_ref(path, (i,), float(value), style)],
                                    theme.CELL_TEXT_SIZE).set_z_index(1)
                if label.width > unit * 0.95:  # narrow slots: as small as still readable
                    label.scale(max(unit * 0.95 / label.width,
                                    theme.MIN_TEXT_HEIGHT / label.height))
                label.next_to(rect, DOWN if high[1] < low[1] else UP, buff=0.08)
                group.labels.append(label)
                group.add(label)
        return group

    def scatter(self, points: np.ndarray, color: theme.ManimColor = theme.SECOND,
                radius: float = 0.07) -> VGroup:
        """A Dot at each (x, y) row of `points`."""
        return VGroup(*[Dot(self.c2p(x, y), radius=radius, color=color)
                        for x, y in np.asarray(points, dtype=np.float64)])

    def marker(self, x: float, y: float, color: theme.ManimColor = theme.ACCENT) -> Mobject:
        """A ringed dot at (x, y): the current point (move it with `.animate.move_to(c2p)`)."""
        dot = Dot(self.c2p(x, y), radius=0.1, color=color).set_stroke(theme.INK, 2)
        return dot.set_z_index(2)
