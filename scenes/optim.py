"""The optimizers lesson: a loss surface as contour lines; gradient descent, momentum, RMSProp and
Adam from the same start, each one's first update written out with its numbers and its path drawn
step by step; how close each ended; and the same run again with a rate that is too large."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    UR,
    Arrow,
    Circle,
    Create,
    Cross,
    Dot,
    DoubleArrow,
    FadeIn,
    FadeOut,
    GrowArrow,
    GrowFromCenter,
    GrowFromEdge,
    LaggedStart,
    Line,
    LineJointType,
    Rectangle,
    Star,
    SurroundingRectangle,
    Text,
    UpdateFromAlphaFunc,
    VGroup,
    VMobject,
    Write,
    interpolate_color,
)
from manim.utils.rate_functions import linear, there_and_back

from engine import optim
from engine.params import ParamError
from scenes import theme
from scenes.layout import Region
from scenes.narrated import NarratedScene
from scenes.numbers import fmt
from scenes.widgets.axes import power_of_ten

MIN_STEPS = 10  # fewer: no path to follow (and the table shows step two)
MIN_GRID = 11  # coarser grids give contour lines too jagged to read as a surface
LEVELS = 9  # contour lines
MAX_DECADES = 16  # the loss plot's log axis; beyond, the decades blur together
COLORS = {"sgd": theme.SERIES[0], "momentum": theme.SERIES[1], "rmsprop": theme.SERIES[3],
          "adam": theme.SERIES[4]}
LARGE = theme.POSITIVE  # the too-large rate
CONTOUR_LOW, CONTOUR_HIGH = theme.ManimColor("#7fa8dc"), theme.ManimColor("#4a4f5c")
# the bands between contour lines: the valley glows blue, the heights fade into the background
BAND_LOW, BAND_HIGH = theme.ManimColor("#27476f"), theme.ManimColor("#1a1d24")
PATH_WIDTH = 3.5
HALO = 0.3  # opacity of a path's halo
ARROW = 1.1  # length of the direction arrows of -g and of the step
TABLE_SIZE = 24

# The first update of each optimizer, row by row: (formula, trace path of its [x, y]). Momentum's
# is step two: at step one its velocity is just the gradient, so the step equals SGD's.
TABLES: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "sgd": ("first_step", (
        (r"g", "runs.sgd.grads[0]"),
        (r"\Delta = -\mathrm{lr}\, g", "runs.sgd.updates[0]"))),
    "momentum": ("second_step", (
        (r"v_{\mathrm{prev}}", "runs.momentum.state.momentum_buffer[0]"),
        (r"g", "runs.momentum.grads[1]"),
        (r"v = \mu v_{\mathrm{prev}} + g", "runs.momentum.state.momentum_buffer[1]"),
        (r"\Delta = -\mathrm{lr}\, v", "runs.momentum.updates[1]"))),
    "rmsprop": ("first_step", (
        (r"g", "runs.rmsprop.grads[0]"),
        (r"s = \alpha s + (1-\alpha)\, g^2", "runs.rmsprop.state.square_avg[0]"),
        (r"\Delta = -\mathrm{lr}\, g / (\sqrt{s} + \epsilon)", "runs.rmsprop.updates[0]"))),
    "adam": ("first_step", (
        (r"g", "runs.adam.grads[0]"),
        (r"m = \beta_1 m + (1-\beta_1)\, g", "runs.adam.state.exp_avg[0]"),
        (r"v = \beta_2 v + (1-\beta_2)\, g^2", "runs.adam.state.exp_avg_sq[0]"),
        (r"\hat m = m / (1-\beta_1^t)", "runs.adam.bias_corrected.exp_avg[0]"),
        (r"\hat v = v / (1-\beta_2^t)", "runs.adam.bias_corrected.exp_avg_sq[0]"),
        (r"\Delta = -\mathrm{lr}\, \hat m / (\sqrt{\hat v} + \epsilon)",
         "runs.adam.updates[0]"))),
}
# The hyper-parameters each optimizer uses, written in the footer: (template, (path, style)...).
# Decays like 0.999 are written exactly (two decimals would round them to 1), eps as 1.0e-8.
SETTINGS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "sgd": ("lr = {}", (("lr", "exact"),)),
    "momentum": ("lr = {}    μ = {}", (("lr", "exact"), ("momentum", "exact"))),
    "rmsprop": ("lr = {}    α = {}    ε = {}",
                (("lr", "exact"), ("alpha", "exact"), ("eps", "sci"))),
    "adam": ("lr = {}    β₁ = {}    β₂ = {}    ε = {}",
             (("lr", "exact"), ("beta1", "exact"), ("beta2", "exact"), ("eps", "sci"))),
}


def tex(formula: str, size: float = 26, color: theme.ManimColor = theme.INK):
    """A symbol or formula without lesson numbers."""
    return theme.formula(formula, size=size, color=color)


def tick_values(lo: float, hi: float, step: float) -> list[float]:
    """The multiples of `step` from lo to hi."""
    first = math.ceil(lo / step - 1e-9)
    return [round(k * step, 10) for k in range(first, math.floor(hi / step + 1e-9) + 1)]


def drawn(mob: VMobject) -> bool:
    """Whether anything in `mob` has points (an empty VGroup or a path left off the map has
    none)."""
    return bool(mob.family_members_with_points())


def nice_step(span: float, ticks: int = 4) -> float:
    """1, 2, 2.5 or 5 times a power of ten, giving about `ticks` intervals over `span`."""
    raw = span / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def clip_segment(a: np.ndarray, b: np.ndarray, box: Sequence[float]
                 ) -> tuple[np.ndarray, np.ndarray] | None:
    """The part of segment a-b inside box (x_lo, x_hi, y_lo, y_hi), or None (Liang-Barsky)."""
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return None
    x_lo, x_hi, y_lo, y_hi = box
    d = b - a
    t0, t1 = 0.0, 1.0
    for p, q in ((-d[0], a[0] - x_lo), (d[0], x_hi - a[0]), (-d[1], a[1] - y_lo),
                 (d[1], y_hi - a[1])):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return None
    return a + t0 * d, a + t1 * d


def contour_lines(xs: np.ndarray, ys: np.ndarray, z: np.ndarray,
                  level: float) -> list[np.ndarray]:
    """Marching squares: the polylines (k x 2 data points) where the grid crosses `level`,
    linear along each cell edge; saddle cells are split by their centre's value."""
    above = z >= level
    cells = np.argwhere((above[:-1, :-1] != above[:-1, 1:]) | (above[:-1, :-1] != above[1:, :-1])
                        | (above[1:, 1:] != above[:-1, 1:]))

    def point(edge: tuple[str, int, int]) -> np.ndarray:
        kind, i, j = edge
        (i2, j2) = (i + 1, j) if kind == "h" else (i, j + 1)
        a, b = z[j, i], z[j2, i2]
        t = (level - a) / (b - a)
        return np.array([xs[i] + t * (xs[i2] - xs[i]), ys[j] + t * (ys[j2] - ys[j])])

    links: dict[tuple, list[tuple]] = {}
    for j, i in cells:
        corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]  # bl, br, tr, tl
        edges = [("h", i, j), ("v", i + 1, j), ("h", i, j + 1), ("v", i, j)]  # b, r, t, l
        up = [above[cj, ci] for ci, cj in corners]
        crossed = [e for k, e in enumerate(edges) if up[k] != up[(k + 1) % 4]]
        if len(crossed) == 2:
            pairs = [tuple(crossed)]
        else:  # a saddle cell: the centre decides which corners join
            centre = z[j:j + 2, i:i + 2].mean() >= level
            b, r, t, left = edges
            pairs = [(b, r), (t, left)] if centre == up[0] else [(b, left), (t, r)]
        for e1, e2 in pairs:
            links.setdefault(e1, []).append(e2)
            links.setdefault(e2, []).append(e1)
    lines, seen = [], set()
    # open lines start at an edge with one neighbour (the grid's border); then closed loops
    for start in sorted(links, key=lambda e: len(links[e])):
        if start in seen:
            continue
        chain, current = [start], start
        seen.add(start)
        while True:
            nxt = next((e for e in links[current] if e not in seen), None)
            if nxt is None:
                break
            chain.append(nxt)
            seen.add(nxt)
            current = nxt
        if len(links[start]) == 2 and start in links[current]:
            chain.append(start)  # close the loop
        if len(chain) > 1:
            lines.append(np.array([point(e) for e in chain]))
    return lines


def levels_of(grid: np.ndarray, floor: float) -> np.ndarray:
    """Contour levels spaced geometrically above the surface's minimum loss, from the data."""
    gap = (grid - floor)[grid - floor > 0]
    lo, hi = np.quantile(gap, 0.02), np.quantile(gap, 0.9)
    if lo <= 0 or hi <= lo * 1.01:
        return np.linspace(grid.min(), grid.max(), LEVELS + 2)[1:-1]
    return floor + np.geomspace(lo, hi, LEVELS)


class Frame(VGroup):
    """A boxed plot area mapping data (x, y) in `box` onto `width` x `height`, with tick labels
    outside its left and bottom edges (nothing is written over the data), the x caption below
    them and the y caption above the box's top left corner."""

    def __init__(self, box: Sequence[float], width: float, height: float,
                 x_ticks: Sequence[float], y_ticks: Sequence[float],
                 x_caption: Text | None = None, y_caption: Text | None = None,
                 y_tick_text=fmt) -> None:
        super().__init__()
        self.box = tuple(float(v) for v in box)
        xt = VGroup(*[theme.tick(fmt(v)) for v in x_ticks])
        yt = VGroup(*[theme.tick(y_tick_text(v)) for v in y_ticks])
        tick_h = max(t.height for t in [*xt, *yt])
        left = max((t.width for t in yt), default=0.0) + 0.12
        bottom = (tick_h + 0.12 if len(xt) else 0.05) + (
            x_caption.height + 0.1 if x_caption is not None else 0.0)
        top = y_caption.height + 0.12 if y_caption is not None else tick_h / 2
        self.w, self.h = width - left - 0.2, height - bottom - top
        self.border = Rectangle(width=self.w, height=self.h, stroke_color=theme.MUTED,
                                stroke_width=2)
        self.border.move_to([-width / 2 + left + self.w / 2, -height / 2 + bottom + self.h / 2, 0])
        for v, t in zip(x_ticks, xt, strict=True):
            t.next_to(self.c2p(v, self.box[2]), DOWN, buff=0.1)
        for v, t in zip(y_ticks, yt, strict=True):
            t.next_to(self.c2p(self.box[0], v), LEFT, buff=0.1)
        marks = VGroup(*[Line(self.c2p(v, self.box[2]), self.c2p(v, self.box[2]) + UP * 0.08,
                              stroke_color=theme.MUTED, stroke_width=2) for v in x_ticks],
                       *[Line(self.c2p(self.box[0], v), self.c2p(self.box[0], v) + RIGHT * 0.08,
                              stroke_color=theme.MUTED, stroke_width=2) for v in y_ticks])
        self.ticks = VGroup(xt, yt, marks)
        self.add(self.border, self.ticks)
        if x_caption is not None:
            x_caption.next_to(xt if len(xt) else self.border, DOWN, buff=0.08)
            self.add(x_caption)
        if y_caption is not None:
            y_caption.next_to(self.border.get_corner(UP + LEFT), UP, buff=0.1)
            y_caption.align_to(self.border, LEFT)
            self.add(y_caption)

    def region(self) -> Region:
        """The box as a layout region (to keep captions inside it)."""
        b = self.border
        return Region("frame", b.get_left()[0], b.get_right()[0], b.get_bottom()[1],
                      b.get_top()[1])

    def c2p(self, x: float, y: float) -> np.ndarray:
        x_lo, x_hi, y_lo, y_hi = self.box
        unit = self.border.width / self.w  # the frame may have been scaled since
        corner = self.border.get_corner(DOWN + LEFT)
        return corner + np.array([(x - x_lo) / (x_hi - x_lo) * self.w * unit,
                                  (y - y_lo) / (y_hi - y_lo) * self.h * unit, 0.0])

    def polyline(self, points: np.ndarray, color: theme.ManimColor,
                 width: float = PATH_WIDTH) -> VMobject:
        """The segments between consecutive points, each clipped to the box: one curve per
        segment inside, so Create draws it step by step; parts outside are left out."""
        # round joints: a wide stroke's mitre at a sharp turn would spike far past the point
        mob = VMobject(stroke_color=color, stroke_width=width, joint_type=LineJointType.ROUND)
        end = None
        for a, b in zip(points[:-1], points[1:], strict=True):
            piece = clip_segment(np.asarray(a, float), np.asarray(b, float), self.box)
            if piece is None:
                continue
            p, q = self.c2p(*piece[0]), self.c2p(*piece[1])
            if end is None or np.linalg.norm(p - end) > 1e-9:
                mob.start_new_path(p)
            mob.add_line_to(q)
            end = q
        return mob

    def inside(self, x: float, y: float) -> bool:
        x_lo, x_hi, y_lo, y_hi = self.box
        return bool(x_lo <= x <= x_hi and y_lo <= y <= y_hi)


class OptimScene(NarratedScene):
    MODEL = optim.LESSON
    CUES = ("intro", "surface", "sgd_step", "sgd", "momentum_step", "momentum", "rmsprop_step",
            "rmsprop", "adam_step", "adam", "compare", "large_lr_intro", "large_lr", "summary")
    LABELS = ("title", "minimum", "saddle", "start", "curvature", "lr_limit", "sgd", "momentum",
              "rmsprop", "adam", "first_step", "second_step", "gaps", "large_lr", "diverged",
              "loss_axis", "steps_axis", "lr_run", "recap_sgd", "recap_momentum",
              "recap_rmsprop", "recap_adam")
    EXAMPLES = (
        {"surface": "rosenbrock", "lr": 0.002, "steps": 500},
        {"surface": "saddle", "lr": 0.05, "optimizer": "adam"},
        {"optimizer": "momentum", "lr": 0.05, "start": [-9, -4]},
    )
    HANDOUT = ("best", "lr_limit", "large_lr", "large_lr_steps_taken")

    @classmethod
    def check_trace(cls, trace: optim.OptimTrace) -> None:
        if trace.lr <= 0:
            raise ParamError("lr", "is 0: no optimizer moves; the scene needs a rate above 0")
        if trace.steps < MIN_STEPS:
            raise ParamError("steps", f"the scene draws each path step by step and writes out "
                             f"step two: it needs at least {MIN_STEPS} steps, got {trace.steps}")
        if len(trace.grid_x) < MIN_GRID:
            raise ParamError("grid_points", f"contour lines from a {len(trace.grid_x)}-point "
                             f"grid are too jagged to read; use at least {MIN_GRID}")
        blown = [name for name in trace.compare if trace.runs[name].diverged]
        if blown:
            verb = "diverges" if len(blown) == 1 else "diverge"
            raise ParamError("lr", f"at {trace.lr:g}, {' and '.join(blown)} {verb} on the "
                             f"{trace.surface} surface, and the video compares four runs that "
                             f"stay finite; use a rate below {trace.lr_limit:.3g} (the stable "
                             "limit of gradient descent at the minimum): the video shows "
                             "divergence with a larger rate of its own")
        if trace.large_lr <= trace.lr:
            raise ParamError("large_lr", f"must be larger than lr = {trace.lr:g} to show what a "
                             f"too-large rate does, got {trace.large_lr:g}")

    # -- layout -------------------------------------------------------------------------------
    def layout(self) -> None:
        self.check_trace(self.trace)
        t, body = self.trace, self.regions.body
        left, right = body.columns(1.35, 1.0, gap=0.35)
        self.title = self.regions.title.fit(self.label("title", theme.TITLE_SIZE, theme.INK))
        x_lo, x_hi, y_lo, y_hi = t.window
        self.map = Frame(t.window, left.width, left.height,
                         tick_values(x_lo, x_hi, nice_step(x_hi - x_lo)),
                         tick_values(y_lo, y_hi, nice_step(y_hi - y_lo)),
                         theme.text("x", theme.CELL_TEXT_SIZE, theme.MUTED),
                         theme.text("y", theme.CELL_TEXT_SIZE, theme.MUTED))
        left.fit(self.map)
        self.contours = self.contour_group()
        legend_row, self.panel = right.rows(0.9, 4.0, gap=0.25)
        self.legend = legend_row.fit(self.legend_group())
        # each path in two parts: the steps the table writes out, then the rest
        self.paths: dict[str, VGroup] = {}
        for name in t.compare:
            path, k = np.asarray(t.runs[name].path), 2 if name == "momentum" else 1
            self.paths[name] = VGroup(self.trail(path[:k + 1], COLORS[name]),
                                      self.trail(path[k:], COLORS[name]))
        self.plot = self.loss_plot()
        self.curves = {name: self.loss_curve(np.asarray(t.runs[name].loss), COLORS[name])
                       for name in t.compare}
        self.shown_curves: list[VGroup] = []  # the loss curves drawn so far

    def bands(self, levels: np.ndarray) -> VGroup:
        """Each grid cell filled by the band its mean loss falls in (one shape per band)."""
        t, m = self.trace, self.map
        xs, ys, z = np.asarray(t.grid_x), np.asarray(t.grid_y), np.asarray(t.grid_loss)
        mean = (z[:-1, :-1] + z[1:, :-1] + z[:-1, 1:] + z[1:, 1:]) / 4
        band = np.searchsorted(levels, mean)
        group = VGroup()
        pad = 0.004  # a hair of overlap, so no seams show between cells
        for k in range(len(levels) + 1):
            mob = VMobject(fill_color=interpolate_color(BAND_LOW, BAND_HIGH, k / len(levels)),
                           fill_opacity=1, stroke_width=0)
            for j, i in np.argwhere(band == k):
                lo = m.c2p(xs[i], ys[j]) - pad
                hi = m.c2p(xs[i + 1], ys[j + 1]) + pad
                mob.start_new_path(lo)
                mob.add_points_as_corners([[hi[0], lo[1], 0], hi, [lo[0], hi[1], 0], lo])
            if mob.has_points():
                group.add(mob)
        return group

    def contour_group(self) -> VGroup:
        t = self.trace
        levels = levels_of(np.asarray(t.grid_loss), t.min_loss)
        self.heat = self.bands(levels)
        group = VGroup()
        for k, level in enumerate(levels):
            color = interpolate_color(CONTOUR_LOW, CONTOUR_HIGH, k / max(len(levels) - 1, 1))
            mob = VMobject(stroke_color=color, stroke_width=2.5, joint_type=LineJointType.ROUND)
            for line in contour_lines(np.asarray(t.grid_x), np.asarray(t.grid_y),
                                      np.asarray(t.grid_loss), level):
                points = [self.map.c2p(x, y) for x, y in line]
                mob.start_new_path(points[0])
                mob.add_points_as_corners(points[1:])
            if mob.has_points():
                group.add(mob)
        return group

    def legend_group(self) -> VGroup:
        entries = VGroup()
        for name in self.trace.compare:
            swatch = Line(np.zeros(3), RIGHT * 0.45, stroke_color=COLORS[name], stroke_width=6)
            entries.add(VGroup(swatch, self.label(name, theme.CELL_TEXT_SIZE, theme.INK)
                               ).arrange(RIGHT, buff=0.15))
        return entries.arrange_in_grid(rows=2, cols=2, buff=(0.5, 0.2), col_alignments="ll")

    def trail(self, points: np.ndarray, color: theme.ManimColor,
              width: float = PATH_WIDTH) -> VGroup:
        """A path on the map over a wide faint halo of itself (so it reads at a glance)."""
        line = self.map.polyline(points, color, width)
        halo = line.copy().set_stroke(width=width * 5, opacity=HALO)
        group = VGroup(halo, line)
        group.line = line
        return group

    # -- the loss plot: every run's loss above the minimum, step by step, on a log axis ---------
    def loss_plot(self) -> Frame:
        t = self.trace
        runs = [np.asarray(t.runs[name].loss) for name in t.compare]
        gaps = np.concatenate([*runs, np.asarray(t.large_lr_loss)]) - t.min_loss
        gaps = gaps[np.isfinite(gaps) & (gaps > 0)]
        top = max(float(np.max(np.concatenate(runs))) - t.min_loss, 1e-300)
        hi = math.ceil(math.log10(top) + 0.5)  # room above the highest of the four runs
        lo = math.floor(math.log10(gaps.min())) if gaps.size else hi - 1
        lo = max(min(lo, hi - 1), hi - MAX_DECADES)
        step = max(1, math.ceil((hi - lo) / 4))
        key = self.legend_key()
        frame = Frame((0, t.steps, lo, hi), self.panel.width,
                      self.panel.height - key.height - 0.2,
                      tick_values(0, t.steps, nice_step(t.steps, 3)),
                      list(range(hi - ((hi - lo) // step) * step, hi + 1, step)),
                      self.label("steps_axis", theme.CELL_TEXT_SIZE),
                      self.label("loss_axis", theme.CELL_TEXT_SIZE), y_tick_text=power_of_ten)
        self.panel.fit(VGroup(key, frame).arrange(DOWN, buff=0.2, aligned_edge=RIGHT))
        frame.key = key
        return frame

    def legend_key(self) -> VGroup:
        """For the large-rate part: which curve is the lesson's rate and which the large one."""
        t = self.trace
        return VGroup(self.label("lr_run", theme.CELL_TEXT_SIZE, COLORS[t.optimizer]),
                      self.label("large_lr", theme.CELL_TEXT_SIZE, LARGE)).arrange(RIGHT,
                                                                                  buff=0.4)

    def loss_curve(self, loss: np.ndarray, color: theme.ManimColor) -> VGroup:
        """The curve (clipped to the plot) and the area under it (clamped), to grow together."""
        t, frame = self.trace, self.plot
        _, _, lo, hi = frame.box
        gap = loss - t.min_loss
        logs = np.log10(np.where(gap > 0, gap, 10.0 ** (lo - 1)))
        logs = np.where(np.isfinite(logs), logs, hi + 1)
        points = np.column_stack([np.arange(len(gap)), logs])
        line = frame.polyline(points, color, 3)
        corners = [frame.c2p(x, min(max(y, lo), hi)) for x, y in points]
        group = VGroup(line)
        group.line, group.corners, group.color = line, corners, color
        group.area = self.area(group, 1.0)
        group.add(group.area)
        return group

    def area(self, curve: VGroup, alpha: float) -> VMobject:
        """The filled area under the first `alpha` of a curve."""
        corners = curve.corners[:max(2, math.ceil(alpha * len(curve.corners)))]
        base = self.plot.c2p(0, self.plot.box[2])[1]
        outline = [*corners, [corners[-1][0], base, 0], [corners[0][0], base, 0]]
        return VMobject(fill_color=curve.color, fill_opacity=0.35, stroke_width=0
                        ).set_points_as_corners([*outline, outline[0]])

    # -- pieces -------------------------------------------------------------------------------
    def table(self, name: str) -> VGroup:
        """The optimizer's first update: a formula per row, then its x and y values."""
        caption_key, rows = TABLES[name]
        header = [VGroup(), theme.text("x", TABLE_SIZE, theme.MUTED),
                  theme.text("y", TABLE_SIZE, theme.MUTED)]
        cells = list(header)
        for formula, path in rows:
            cells += [tex(formula, size=32),
                      self.value(f"{path}[0]"), self.value(f"{path}[1]")]
        grid = VGroup(*cells).arrange_in_grid(rows=len(rows) + 1, cols=3, buff=(0.5, 0.22),
                                              col_alignments="lrr")
        caption = self.label(caption_key, theme.LABEL_SIZE, COLORS[name])
        group = VGroup(caption, grid).arrange(DOWN, buff=0.25, aligned_edge=LEFT)
        group.rows = [VGroup(*cells[3 * k:3 * k + 3]) for k in range(1, len(rows) + 1)]
        group.caption, group.header = caption, VGroup(*header)
        return self.panel.fit(group, y=1.0 - min(1.0, group.height / self.panel.height) / 2)

    def value(self, path: str) -> Text:
        """A table entry: written exactly (as the narration's {...:exact} says it) unless so
        small that exact writing would hide its digits, then as 4.9e-4."""
        number = float(self.values(path))
        style = "exact" if number == 0 or abs(number) >= 1e-3 else "sci"
        return self.bound("{}", path, size=TABLE_SIZE, style=style)

    def settings(self, name: str) -> Text:
        template, paths = SETTINGS[name]
        text = theme.bound(template, [self.ref(path, style) for path, style in paths])
        return self.regions.footer.fit(text)

    def directions(self, name: str) -> tuple[VGroup, VGroup]:
        """At the point the table's step starts from: the direction of -g, and the direction
        the step really takes (equal lengths: only the directions are compared)."""
        t, m = self.trace, self.map
        k = 1 if name == "momentum" else 0
        run = t.runs[name]
        point = np.asarray(run.path[k])
        arrows = []
        for vector, color, symbol, side in ((-np.asarray(run.grads[k]), theme.INK, "-g", 1),
                                            (np.asarray(run.updates[k]), COLORS[name],
                                             r"\Delta", -1)):
            if not m.inside(*point) or not np.any(vector):
                arrows.append(VGroup())
                continue
            toward = m.c2p(*(point + vector / np.abs(vector).max() * 1e-3)) - m.c2p(*point)
            unit = toward / np.linalg.norm(toward)
            arrow = Arrow(m.c2p(*point), m.c2p(*point) + unit * ARROW, buff=0, color=color,
                          stroke_width=5, max_tip_length_to_length_ratio=0.2)
            across = np.array([-unit[1], unit[0], 0.0]) * side  # -g left of its arrow, Δ right
            text = tex(symbol, 30, color).next_to(arrow.get_end() - unit * 0.25, across,
                                                  buff=0.1)
            text.add_background_rectangle(color=theme.BACKGROUND, opacity=0.6, buff=0.03)
            m.region().clamp(text, 0.05)
            arrows.append(VGroup(arrow, text).set_z_index(3))
        return arrows[0], arrows[1]

    def head(self, line: VMobject, color: theme.ManimColor) -> Dot:
        """A dot riding on the end of a path while it is drawn."""
        dot = Dot(radius=0.08, color=color).set_stroke(theme.INK, 1.5).set_z_index(3)
        dot.move_to(line.get_start())
        dot.add_updater(lambda d: d.move_to(line.get_end()) if line.has_points() else None)
        return dot

    def grow(self, trail: VGroup, color: theme.ManimColor, seconds: float,
             curve: VGroup | None = None) -> None:
        """Draw a path on the map step by step (a dot at its head), and its loss curve with it."""
        extra = []
        if curve is not None:
            area = curve.area
            extra = [Create(curve.line, rate_func=linear),
                     UpdateFromAlphaFunc(area, lambda m, a: m.become(self.area(curve, a)),
                                         rate_func=linear)]
        if not drawn(trail) and not extra:
            self.wait(seconds)
            return
        moves = [Create(trail, lag_ratio=0, rate_func=linear)] if drawn(trail) else []
        dot = self.head(trail.line, color) if drawn(trail) else None
        if dot is not None:
            self.add(dot)
        self.play(*moves, *extra, run_time=seconds)
        if dot is not None:
            dot.clear_updaters()
            self.play(FadeOut(dot), run_time=1 / 15)

    def dim(self, *mobs: VMobject, level: float) -> list:
        """Animations taking paths (trails, or groups of them) to `level` of full strength,
        halo included."""
        out = []
        for mob in mobs:
            for trail in ([mob] if hasattr(mob, "line") else
                          [t for part in mob for t in ([part] if hasattr(part, "line") else part)]):
                out += [trail[0].animate.set_stroke(opacity=HALO * level),
                        trail[1].animate.set_stroke(opacity=level)]
        return out

    def flashes(self, mob: VMobject) -> list:
        """Thicken a path and let it go back: attention without changing its colour."""
        return [part.line.animate(rate_func=there_and_back).set_stroke(width=PATH_WIDTH * 3)
                for part in ([mob] if hasattr(mob, "line") else mob) if drawn(part.line)]

    def flash(self, mob: VMobject, seconds: float) -> None:
        animations = self.flashes(mob)
        if animations:
            self.play(*animations, run_time=seconds)

    def markers(self) -> dict[str, VGroup]:
        """Stars at the minima, crosses at the saddle points, a ring at the start: each kind
        with its caption (the caption is the group's last part)."""
        t, m = self.trace, self.map
        found = {"minima": VGroup(), "saddles": VGroup(), "start": VGroup()}
        for x, y in t.minima:
            found["minima"].add(Star(5, outer_radius=0.13, color=theme.INK, fill_opacity=1)
                                .move_to(m.c2p(x, y)).set_z_index(2))
        for x, y in t.saddles:
            found["saddles"].add(Cross(scale_factor=0.12, stroke_color=theme.INK,
                                       stroke_width=4).move_to(m.c2p(x, y)))
        found["start"].add(Dot(m.c2p(*t.start), radius=0.09, color=theme.BACKGROUND)
                           .set_stroke(theme.INK, 3).set_z_index(4))
        for kind, key, side in (("minima", "minimum", UR), ("saddles", "saddle", DOWN),
                                ("start", "start", UP if t.start[1] < sum(t.window[2:]) / 2
                                 else DOWN)):
            if len(found[kind]):
                caption = self.label(key, theme.CELL_TEXT_SIZE, theme.INK)
                caption.next_to(found[kind][0], side, buff=0.08)
                found[kind].add(m.region().clamp(caption, 0.05))
        return found

    def ripple(self, at):
        """A ring spreading from a point (or a marker) and fading: look here."""
        ring = Circle(radius=0.12, stroke_color=theme.INK, stroke_width=6).move_to(at)
        return ring.animate(remover=True).scale(7).set_stroke(opacity=0)

    def curvature_arrows(self) -> VGroup:
        """Double arrows through the first minimum along the Hessian's eigenvectors, each
        labelled with its curvature; none when both curvatures are equal (a round bowl)."""
        t, m = self.trace, self.map
        group = VGroup()
        if t.condition <= 1 + 1e-9:
            return group
        centre = m.c2p(*t.minima[0])
        scale = min(m.border.width, m.border.height) * 0.22
        for k, direction in enumerate(t.curvature_directions):
            toward = m.c2p(*(t.minima[0] + 1e-3 * direction)) - centre
            unit = toward / np.linalg.norm(toward)
            if unit[0] < -1e-9 or (abs(unit[0]) <= 1e-9 and unit[1] < 0):
                unit = -unit  # label at the right (or top) end
            arrow = DoubleArrow(centre - unit * scale, centre + unit * scale, buff=0,
                                stroke_width=3, tip_length=0.15, color=theme.INK)
            text = VGroup(self.label("curvature", theme.CELL_TEXT_SIZE, theme.INK),
                          self.bound("{}", f"curvatures[{k}]", size=theme.CELL_TEXT_SIZE,
                                     style="sci")).arrange(RIGHT, buff=0.08)
            text.next_to(centre + unit * scale, unit if abs(unit[0]) < 0.7 else RIGHT,
                         buff=0.1)
            text.add_background_rectangle(color=theme.BACKGROUND, opacity=0.75, buff=0.05)
            group.add(VGroup(arrow, text))
        for part in group:
            m.region().clamp(part[1], 0.05)
        return group

    # -- the lesson ---------------------------------------------------------------------------
    def construct(self) -> None:
        self.layout()
        t = self.trace
        self.add(self.title)
        marks = self.markers()
        arrows = self.curvature_arrows()
        formula = self.regions.footer.fit(tex(t.formula.replace("f(x, y)", "f(x,y)"), 30))

        with self.cue("intro") as slot:
            self.play(FadeIn(self.map), FadeIn(self.heat), run_time=slot.share(0.1))
            self.play(LaggedStart(*[Create(c) for c in self.contours], lag_ratio=0.15),
                      Write(formula), run_time=slot.share(0.2))
            # "four optimizers": their names, one by one
            for k, entry in enumerate(self.legend):
                self.until(slot, 0.3 + 0.07 * k)
                self.play(FadeIn(entry, shift=DOWN * 0.2), run_time=slot.share(0.05))
            # "along each line the loss is the same": one line traced in white
            self.until(slot, 0.62)
            line = self.contours[len(self.contours) // 3].copy().set_stroke(theme.INK, 5)
            self.play(Create(line), run_time=slot.share(0.12))
            self.play(FadeOut(line), run_time=slot.share(0.04))
            # "where the lines crowd, the slope is steep": the lines light up, inside out
            self.until(slot, 0.8)
            self.play(LaggedStart(*[c.animate(rate_func=there_and_back).set_stroke(
                color=theme.INK, width=4) for c in self.contours], lag_ratio=0.1),
                run_time=slot.share(0.18))

        with self.cue("surface") as slot:
            # "a narrow valley" (a banana-shaped one, a saddle): the low ground lights up
            self.play(*[band.animate(rate_func=there_and_back).set_fill(
                interpolate_color(band.get_fill_color(), theme.INK, 0.35))
                for band in self.heat[:3]], run_time=slot.share(0.16))
            if len(marks["saddles"]):
                self.play(FadeIn(marks["saddles"]), self.ripple(marks["saddles"][0]),
                          run_time=slot.share(0.1))
            for k, arrow in enumerate(arrows):
                self.until(slot, 0.2 + 0.15 * k)
                self.play(GrowFromCenter(arrow), run_time=slot.share(0.1))
            self.until(slot, 0.52)
            self.play(FadeIn(marks["minima"]), *[self.ripple(star) for star in
                                                 marks["minima"][:len(t.minima)]],
                      run_time=slot.share(0.1))
            self.until(slot, 0.72)
            self.play(FadeIn(marks["start"]), self.ripple(marks["start"][0]),
                      run_time=slot.share(0.1))

        captions = VGroup(*[group[-1] for group in marks.values() if len(group)])
        outgoing: list[VMobject] = [formula, captions, arrows]
        for name in t.compare:
            outgoing = self.optimizer(name, outgoing)
        self.compare(outgoing)
        self.large_rate()

    def optimizer(self, name: str, outgoing: list[VMobject]) -> list[VMobject]:
        """The `<name>_step` cue (its first update written out and taken) and the `<name>` cue
        (its path and its loss curve drawn together); returns what the next cue clears."""
        table, settings = self.table(name), self.settings(name)
        first, rest = self.paths[name]
        minus_g, step = self.directions(name)
        entry = self.legend[list(self.trace.compare).index(name)]
        rows = table.rows
        bar = Rectangle(width=table.width + 0.3, height=rows[0].height + 0.16, stroke_width=0,
                        fill_color=COLORS[name], fill_opacity=0.16).move_to(
            [table.get_center()[0], rows[0].get_center()[1], 0]).set_z_index(-1)
        with self.cue(f"{name}_step") as slot:
            self.play(*[FadeOut(m) for m in outgoing if drawn(m)],
                      FadeIn(table.caption, table.header, *[row[0] for row in rows]),
                      FadeIn(settings), entry.animate(rate_func=there_and_back).scale(1.25),
                      run_time=slot.share(0.1))
            # "each step goes against the gradient": the point and its -g
            point = self.map.c2p(*np.asarray(self.trace.runs[name].path[1 if name ==
                                                                         "momentum" else 0]))
            self.until(slot, 0.12)
            self.play(self.ripple(point), *([GrowArrow(minus_g[0]), FadeIn(minus_g[1])]
                                            if drawn(minus_g) else []),
                      run_time=slot.share(0.08))
            # the rule is on screen; the numbers come in row by row as the voice reaches them
            # (gradient, state, step), a band marking the row, up to the step at about 70%
            for k, row in enumerate(rows):
                self.until(slot, 0.3 + 0.38 * k / max(len(rows) - 1, 1))
                move = FadeIn(bar) if k == 0 else bar.animate.move_to(
                    [bar.get_center()[0], row.get_center()[1], 0])
                self.play(move, FadeIn(row[1], row[2], shift=RIGHT * 0.2),
                          run_time=slot.share(0.05))
            if drawn(step):
                self.play(GrowArrow(step[0]), FadeIn(step[1]), run_time=slot.share(0.05))
            self.until(slot, 0.82)
            self.grow(first, COLORS[name], slot.share(0.12))
        curve = self.curves[name]
        final = np.asarray(self.trace.runs[name].path[-1])
        with self.cue(name) as slot:
            for earlier in self.shown_curves:
                earlier.area.set_fill(opacity=0.1)
            self.play(*[FadeOut(m) for m in (table, bar, minus_g, step) if drawn(m)],
                      FadeIn(self.plot), *[FadeIn(c) for c in self.shown_curves],
                      run_time=slot.share(0.08))
            curve.area.become(self.area(curve, 0.0))
            # drawn while the voice explains it; then where it ended, which the voice names
            self.grow(rest, COLORS[name], slot.share(0.62), curve)
            if self.map.inside(*final):
                self.until(slot, 0.74)
                self.play(self.ripple(self.map.c2p(*final)), run_time=slot.share(0.1))
            self.until(slot, 0.86)
            self.play(curve.line.animate(rate_func=there_and_back).set_stroke(width=8),
                      *self.flashes(self.paths[name]), run_time=slot.share(0.12))
        self.shown_curves.append(curve)
        return [self.plot, *self.shown_curves, settings]

    def compare(self, outgoing: list[VMobject]) -> None:
        t = self.trace
        bars = self.gap_bars()
        with self.cue("compare") as slot:
            self.play(*[FadeOut(m) for m in outgoing if drawn(m)],
                      FadeIn(bars.frame, bars.caption), run_time=slot.share(0.1))
            self.play(LaggedStart(*[GrowFromEdge(b, DOWN) for b in bars.rects], lag_ratio=0.3),
                      run_time=slot.share(0.2))
            self.play(FadeIn(bars.values), run_time=slot.share(0.06))
            self.until(slot, 0.45)
            # "this time the closest is ...": the others step back for a moment
            rest = VGroup(*[self.paths[n] for n in t.compare if n != t.best])
            best = list(t.compare).index(t.best)
            bar = SurroundingRectangle(VGroup(bars.rects[best], bars.values[best]), buff=0.08,
                                       color=theme.INK)
            self.play(*self.dim(rest, level=0.15), Create(bar), run_time=slot.share(0.1))
            self.until(slot, 0.72)
            # "no method is best everywhere": all of them again, each once more in turn
            self.play(*self.dim(rest, level=1.0), FadeOut(bar), run_time=slot.share(0.06))
            for name in t.compare:
                self.flash(self.paths[name], slot.share(0.05))
        self.bars = bars

    def gap_bars(self) -> VGroup:
        """Each run's final gap above the lowest loss, as bars on a log axis."""
        t = self.trace
        gaps = np.array([t.runs[name].final_gap for name in t.compare])
        positive = gaps[gaps > 0]
        hi = math.ceil(math.log10(positive.max())) if positive.size else 0
        lo = math.floor(math.log10(positive.min())) if positive.size else hi - 1
        lo = max(min(lo, hi - 1), hi - MAX_DECADES)
        step = max(1, math.ceil((hi - lo) / 4))
        caption = self.label("gaps", theme.LABEL_SIZE)
        headroom = 0.2 * (hi - lo)  # room above the tallest bar for its value
        frame = Frame((0.5, len(gaps) + 0.5, lo, hi + headroom), self.panel.width,
                      self.panel.height - caption.height - 0.25, [],
                      list(range(hi, lo - 1, -step))[::-1], y_tick_text=power_of_ten)
        group = VGroup(caption, frame).arrange(DOWN, buff=0.2)
        self.panel.fit(group)
        rects, values = VGroup(), VGroup()
        for k, (name, gap) in enumerate(zip(t.compare, gaps, strict=True)):
            top = min(max(math.log10(gap), lo), hi) if gap > 0 else lo
            low, high = frame.c2p(k + 1, lo), frame.c2p(k + 1, top)
            width = 0.55 * (frame.c2p(2, lo) - frame.c2p(1, lo))[0]
            rect = Rectangle(width=width, height=max(high[1] - low[1], 0.02), stroke_width=0,
                             fill_color=COLORS[name], fill_opacity=0.9)
            rects.add(rect.move_to((low + high) / 2))
            value = self.bound("{}", f"runs.{name}.final_gap", size=theme.CELL_TEXT_SIZE,
                               style="sci")
            values.add(value.next_to(rect, UP, buff=0.06))
        group.add(rects, values)
        group.frame, group.caption, group.rects, group.values = frame, caption, rects, values
        return group

    def large_rate(self) -> None:
        t = self.trace
        big = self.trail(self.until_outside(np.asarray(t.large_lr_path)), LARGE,
                         PATH_WIDTH + 0.5)
        curve = self.loss_curve(np.asarray(t.large_lr_loss), LARGE)
        own = self.curves[t.optimizer]
        paths = VGroup(*self.paths.values())
        with self.cue("large_lr_intro") as slot:
            self.play(FadeOut(self.bars), *self.dim(paths, level=0.2),
                      run_time=slot.share(0.12))
            self.grow(big, LARGE, slot.share(0.66))
            tag = self.diverged_tag(big.line)
            if tag is not None:
                self.play(FadeIn(tag, scale=1.3), run_time=slot.share(0.1))
        with self.cue("large_lr") as slot:
            own.area.set_fill(opacity=0.35)
            self.play(FadeIn(self.plot), FadeIn(own), FadeIn(self.plot.key),
                      run_time=slot.share(0.1))
            # "every step overshoots the floor...": where the first steps landed, in turn
            landings = [p for p in np.asarray(t.large_lr_path)[:5] if self.map.inside(*p)]
            for k, p in enumerate(landings):
                self.until(slot, 0.12 + 0.22 * k / len(landings))
                self.play(self.ripple(self.map.c2p(*p)), run_time=slot.share(0.06))
            # "at the original rate the loss keeps falling"
            self.until(slot, 0.38)
            self.play(own.area.animate(rate_func=there_and_back).set_fill(opacity=0.75),
                      own.line.animate(rate_func=there_and_back).set_stroke(width=8),
                      run_time=slot.share(0.1))
            # "at the large rate it shoots up": its curve; where it stopped; the limit
            curve.area.become(self.area(curve, 0.0)).set_fill(opacity=0.5)
            self.until(slot, 0.5)
            self.grow(VGroup(), LARGE, slot.share(0.2), curve)
            end = self.end_cross()
            if end is not None:
                self.until(slot, 0.7)
                self.play(FadeIn(end, scale=1.5), *([theme.pulse(tag, 1.4)] if tag else []),
                          self.ripple(end), run_time=slot.share(0.1))
            limit = None
            if t.large_lr_diverged:
                limit = self.regions.footer.fit(self.label("lr_limit", theme.BODY_SIZE,
                                                           theme.INK))
                self.until(slot, 0.84)
                self.play(FadeIn(limit, shift=UP * 0.2), run_time=slot.share(0.08))
        with self.cue("summary") as slot:
            recap = self.recap()
            fade = [self.plot, self.plot.key, own, curve]
            fade += [m for m in (tag, end, limit) if m is not None]
            self.play(*[FadeOut(m) for m in fade], *self.dim(big, level=0.12),
                      *self.dim(paths, level=0.3), run_time=slot.share(0.08))
            # each method in turn: its line of the recap, its path in front
            for k, name in enumerate(t.compare):
                self.until(slot, 0.08 + 0.2 * k)
                others = [self.paths[n] for n in t.compare if n != name]
                self.play(FadeIn(recap[k], shift=RIGHT * 0.2), *self.dim(*others, level=0.3),
                          *self.dim(self.paths[name], level=1.0), run_time=slot.share(0.06))
                self.until(slot, 0.16 + 0.2 * k)
                self.flash(self.paths[name], slot.share(0.08))
            self.until(slot, 0.9)
            self.play(*self.dim(paths, level=1.0), run_time=slot.share(0.08))

    def until_outside(self, path: np.ndarray) -> np.ndarray:
        """A diverging run up to its first point off the map: after that it only swings further
        out, and its segments would cross the map back and forth."""
        if not self.trace.large_lr_diverged:
            return path
        off = [k for k, (x, y) in enumerate(path) if not self.map.inside(x, y)]
        return path[:off[0] + 1] if off else path

    def diverged_tag(self, line: VMobject) -> Text | None:
        """'diverged' where the too-large run leaves the map (or at its start)."""
        t = self.trace
        if not t.large_lr_diverged:
            return None
        tag = self.label("diverged", theme.LABEL_SIZE, LARGE)
        at = line.get_end() if line.has_points() else self.map.c2p(*t.start)
        tag.next_to(at, DOWN if at[1] > self.map.border.get_center()[1] else UP, buff=0.15)
        return self.map.region().clamp(tag, 0.05)

    def end_cross(self) -> Cross | None:
        """A cross where the diverged run stopped (at the plot's top if beyond it)."""
        t = self.trace
        if not t.large_lr_diverged:
            return None
        top = self.plot.box[3]
        gap = float(t.large_lr_loss[-1] - t.min_loss)  # may be inf (null in JSON): the top
        y = min(math.log10(gap), top) if math.isfinite(gap) and gap > 0 else top
        at = self.plot.c2p(t.large_lr_steps_taken, y)
        return Cross(scale_factor=0.1, stroke_color=LARGE, stroke_width=4).move_to(at)

    def recap(self) -> VGroup:
        rows = VGroup()
        for name in self.trace.compare:
            swatch = Line(np.zeros(3), RIGHT * 0.35, stroke_color=COLORS[name], stroke_width=6)
            rows.add(VGroup(swatch, self.label(f"recap_{name}", theme.CELL_TEXT_SIZE + 1,
                                               theme.INK)).arrange(RIGHT, buff=0.15))
        rows.arrange(DOWN, aligned_edge=LEFT, buff=0.3)
        return self.panel.fit(rows, y=0.6)
