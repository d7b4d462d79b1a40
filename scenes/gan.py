"""The GAN lesson: real data and the generator's samples, the discriminator's output as a map
behind them, one training step with its numbers (which loss updates which network), why the
generator's loss is non-saturating, training animated from the engine's snapshots with the losses
and the distance to the data drawn as curves, and the other setting (mode collapse, or normal)
trained alike and shown beside it as evidence."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    Circle,
    Create,
    CurvedArrow,
    DashedLine,
    Dot,
    FadeIn,
    FadeOut,
    Group,
    GrowArrow,
    GrowFromEdge,
    ImageMobject,
    LaggedStart,
    Mobject,
    MoveAlongPath,
    Rectangle,
    RoundedRectangle,
    TransformMatchingShapes,
    UpdateFromAlphaFunc,
    ValueTracker,
    VGroup,
    VMobject,
    Write,
    always_redraw,
)
from manim.mobject.types.image_mobject import RESAMPLING_ALGORITHMS
from manim.utils.rate_functions import linear, smooth

from engine import gan
from engine.params import ParamError
from scenes import theme
from scenes.layout import Region
from scenes.narrated import CueSlot, NarratedScene
from scenes.shown import Ref
from scenes.widgets.axes import Plot
from scenes.widgets.heatmap import ColorLegend

MAX_SHOWN = 41  # snapshots animated per run (first and last kept); more are subsampled evenly
NS_BARS = 1.2  # the width beside the -log D plot for the two gradient bars
NS_CAP = 10.0  # the |slope| that fills a bar: -log D's at D = 0.1
MIN_SNAPSHOTS = 4  # three training cues, each moving on by at least one snapshot
SHOWN_SAMPLES = 3  # samples of the example batch whose D(x) is written
ARC_ROOM = 0.8  # above the networks' diagram: what each loss updates, the gradient's way back
REAL_COLOR = theme.SECOND
FAKE_COLOR = theme.ACCENT
D_COLOR = theme.SERIES[3]  # the discriminator: its box, its loss (its map is violet too)
MAIN_COLOR = theme.INK  # the distance curve of this run
CONTRAST_COLOR = theme.POSITIVE  # ... and of the other setting's run
# D's map: a sequential ramp from "fake" (0, near the background) to "real" (1, bright violet).
MAP_LOW = np.array(theme.ManimColor("#171b28").to_rgb(), dtype=float)
MAP_HIGH = np.array(theme.ManimColor("#9d86f0").to_rgb(), dtype=float)


def map_color(value: float) -> theme.ManimColor:
    return theme.ManimColor.from_rgb(tuple(MAP_LOW + (MAP_HIGH - MAP_LOW) * value))


def map_pixels(values: np.ndarray, opacity: float = 1.0) -> np.ndarray:
    """RGBA pixels (uint8) of D's outputs, a 2-D array whose rows run top to bottom."""
    rgb = (MAP_LOW + (MAP_HIGH - MAP_LOW) * np.clip(values, 0, 1)[..., None]) * 255
    alpha = np.full(values.shape + (1,), 255.0 * opacity)
    return np.concatenate([rgb, alpha], axis=-1).round().astype(np.uint8)


def shown_indices(count: int) -> list[int]:
    """The snapshots animated: all, or MAX_SHOWN evenly spaced ones with the first and last."""
    if count <= MAX_SHOWN:
        return list(range(count))
    return sorted({int(i) for i in np.round(np.linspace(0, count - 1, MAX_SHOWN))})


def nice_step(span: float, intervals: int = 4) -> float:
    """1, 2 or 5 times a power of ten, giving about `intervals` ticks over `span`."""
    raw = span / intervals
    power = 10.0 ** np.floor(np.log10(raw))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def nice_top(value: float) -> tuple[float, float]:
    """(top, step) of an axis from 0 that holds `value`."""
    step = nice_step(value)
    return float(np.ceil(value / step) * step), step


def tex(content: str, size: float = 28, color: theme.ManimColor = theme.INK):
    """A symbol or formula that holds no lesson number."""
    return theme.formula(content, size=size, color=color)


class Field(Group):
    """The sample space: a frame over D's grid, D's output as an image behind (one image per
    frame, not a square per grid point), the real and the generated samples as dots.

    2-D: (x, y) inside the square. 1-D: x along the frame, D(x) also drawn as a curve in the
    upper part (a dashed line marks one half), and the samples as two rows of translucent dots
    below, real above fake, so that where they pile up reads as density. Samples beyond D's grid
    are drawn on the frame's edge. Everything is built at once (dots invisible, the map
    transparent) so that revealing a part never changes what is drawn over what."""

    def __init__(self, grid: np.ndarray, dim: int, size: float, real: np.ndarray,
                 fake: np.ndarray) -> None:
        super().__init__()
        self.sample_dim = dim
        axis = grid[:, 0] if dim == 1 else grid[0, :, 0]
        half = (axis[1] - axis[0]) / 2  # grid points are the centres of the image's pixels
        self.lo, self.hi = float(axis[0] - half), float(axis[-1] + half)
        self.frame = Rectangle(width=size, height=size, stroke_color=theme.MUTED,
                               stroke_width=1.5)
        self.heat = ImageMobject(map_pixels(np.zeros((1, len(axis)) if dim == 1 else
                                                    (len(axis), len(axis))), 0.0))
        self.heat.set_resampling_algorithm(RESAMPLING_ALGORITHMS["bilinear"])
        self.heat.stretch_to_fit_width(size).stretch_to_fit_height(size)
        self.add(self.heat, self.frame)
        self.curve: VMobject | None = None
        self.curve_parts = VGroup()
        if dim == 1:
            self.curve = VMobject(stroke_color=theme.INK, stroke_width=3, stroke_opacity=0)
            half_line = DashedLine(self.at(self.lo, 0.5), self.at(self.hi, 0.5),
                                   stroke_width=1.5, color=theme.MUTED, dash_length=0.08)
            ticks = VGroup(theme.tick("0").next_to(self.at(self.lo, 0), LEFT, 0.08),
                           theme.tick("1").next_to(self.at(self.lo, 1), LEFT, 0.08))
            self.curve_parts = VGroup(half_line, ticks).set_opacity(0)
            self.add(self.curve_parts, self.curve)
        self.real = self.dots(real, "real", REAL_COLOR).set_opacity(0)
        self.fake = self.dots(fake, "fake", FAKE_COLOR).set_opacity(0)
        self.add(self.real, self.fake)

    @property
    def size(self) -> float:
        return self.frame.width

    @property
    def dot_opacity(self) -> float:
        return 0.4 if self.sample_dim == 1 else 0.9

    # -- coordinates ------------------------------------------------------------------------
    def _x(self, x: np.ndarray) -> np.ndarray:
        inside = np.clip(x, self.lo, self.hi)
        return self.frame.get_left()[0] + (inside - self.lo) / (self.hi - self.lo) * self.size

    def at(self, x: float, d: float) -> np.ndarray:
        """1-D: the point of D(x) = d on the curve's scale (the upper part of the frame)."""
        bottom = self.frame.get_bottom()[1] + 0.42 * self.size
        return np.array([float(self._x(np.array(x))), bottom + d * 0.5 * self.size, 0.0])

    def place(self, samples: np.ndarray, row: str) -> np.ndarray:
        """Scene points of samples (n x dim); `row` ("real" or "fake") places 1-D samples."""
        samples = np.asarray(samples, dtype=float)
        xs = self._x(samples[:, 0])
        bottom = self.frame.get_bottom()[1]
        if self.sample_dim == 1:
            ys = np.full(len(xs), bottom + {"real": 0.28, "fake": 0.13}[row] * self.size)
        else:
            inside = np.clip(samples[:, 1], self.lo, self.hi)
            ys = bottom + (inside - self.lo) / (self.hi - self.lo) * self.size
        return np.stack([xs, ys, np.zeros(len(xs))], axis=1)

    # -- drawing ----------------------------------------------------------------------------
    def dots(self, samples: np.ndarray, row: str, color: theme.ManimColor,
             radius: float = 0.04) -> VGroup:
        return VGroup(*[Dot(p, radius=radius * self.size / 4.5, color=color,
                            fill_opacity=self.dot_opacity)
                        for p in self.place(samples, row)])

    def move(self, dots: VGroup, samples: np.ndarray, row: str) -> None:
        for dot, point in zip(dots, self.place(samples, row), strict=True):
            dot.move_to(point)

    def show_map(self, d_grid: np.ndarray, opacity: float = 1.0) -> None:
        """D's output over the grid: the image and, in 1-D, the curve."""
        values = np.asarray(d_grid, dtype=float)
        flat = self.sample_dim == 1
        self.heat.pixel_array = map_pixels(values[None, :] if flat else values[::-1],
                                           opacity)
        if self.curve is not None:
            edges = np.linspace(self.lo, self.hi, len(values) + 1)
            centres = (edges[:-1] + edges[1:]) / 2
            self.curve.set_points_as_corners([self.at(x, d) for x, d in
                                              zip(centres, values, strict=True)])

    def morph(self, start: np.ndarray, end: np.ndarray,
              fade: bool = False) -> UpdateFromAlphaFunc:
        """An animation of D's map from `start` to `end` (fading in from nothing with `fade`)."""
        start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)

        def update(_: Mobject, a: float) -> None:
            self.show_map(start + (end - start) * a, a if fade else 1.0)

        return UpdateFromAlphaFunc(self, update)


class Run:
    """One training as the scene animates it: its snapshots, by trace path."""

    def __init__(self, trace: gan.GanTrace, key: str) -> None:
        self.key = key  # "snapshots" or "contrast_snapshots"
        self.snapshots = getattr(trace, key)
        self.steps = [s.step for s in self.snapshots]
        self.shown = shown_indices(len(self.snapshots))

    def fake(self, index: int) -> np.ndarray:
        return np.asarray(self.snapshots[index].fake)

    def grid(self, index: int) -> np.ndarray:
        return np.asarray(self.snapshots[index].d_grid)

    def series(self, name: str) -> list[float]:
        return [float(getattr(s, name)) for s in self.snapshots]

    def thirds(self) -> list[list[tuple[int, int]]]:
        """The animated moves (pairs of snapshot indices), split for three cues."""
        pairs = list(zip(self.shown[:-1], self.shown[1:], strict=True))
        cut1 = max(1, round(len(pairs) * 0.3))
        cut2 = max(cut1 + 1, round(len(pairs) * 0.65))
        return [pairs[:cut1], pairs[cut1:cut2], pairs[cut2:]]


class Curve:
    """A series of a run drawn on a plot up to a (fractional) snapshot index."""

    def __init__(self, plot: Plot, run: Run, series: str, color: theme.ManimColor) -> None:
        self.plot, self.run, self.series = plot, run, series
        self.line = VMobject(stroke_color=color, stroke_width=3)

    def to(self, u: float) -> VMobject:
        xs, ys = self.run.steps, self.run.series(self.series)
        whole = int(np.floor(u + 1e-9))
        points = [self.plot.c2p(xs[i], ys[i]) for i in range(whole + 1)]
        if u - whole > 1e-9 and whole + 1 < len(xs):
            a = u - whole
            points.append(self.plot.c2p(xs[whole] + (xs[whole + 1] - xs[whole]) * a,
                                        ys[whole] + (ys[whole + 1] - ys[whole]) * a))
        if len(points) == 1:
            points.append(points[0] + np.array([1e-3, 0, 0]))
        return self.line.set_points_as_corners(points)


class GanScene(NarratedScene):
    MODEL = gan.LESSON
    CUES = ("intro", "players", "d_map", "batch", "d_update", "g_update", "non_saturating",
            "train", "distance", "train_more", "contrast", "contrast_why", "summary")
    LABELS = ("title", "real_points", "fake_points", "noise", "generator", "discriminator",
              "probability", "map_real", "map_fake", "batch_real", "batch_fake", "batch_mean",
              "updates_d", "updates_g", "held", "ns_x", "ns_y", "saturating", "non_saturating",
              "this_step", "ns_gradient", "steps_axis", "losses", "distance", "floor", "step",
              "modes", "run_normal", "run_collapse")
    HANDOUT = ("example_step.d_loss", "example_step.g_loss", "distance_floor",
               "max_modes_covered", "contrast_max_modes_covered")
    EXAMPLES = (
        {"data": "two-gaussians"},
        {"setting": "mode-collapse"},
        {"steps": 500, "snapshot_every": 50, "seed": 3},
    )

    @classmethod
    def check_trace(cls, trace: gan.GanTrace) -> None:
        count = len(trace.snapshots)
        if count < MIN_SNAPSHOTS:
            raise ParamError(
                "snapshot_every", f"the scene animates training over three cues, so it needs at "
                f"least {MIN_SNAPSHOTS} snapshots (step 0 included), got {count}: use steps >= "
                f"{MIN_SNAPSHOTS - 1} and snapshot_every <= steps / {MIN_SNAPSHOTS - 1}")

    # -- layout -------------------------------------------------------------------------------
    def layout(self) -> None:
        self.check_trace(self.trace)
        t, body = self.trace, self.regions.body
        self.title = self.label("title", theme.TITLE_SIZE, theme.INK)
        self.regions.title.fit(self.title)
        self.main = Run(t, "snapshots")
        self.other = Run(t, "contrast_snapshots")
        size = body.height - 0.45  # room above for the key of the dots
        self.field = Field(t.grid, t.dim, size, t.snapshots[0].real, self.main.fake(0))
        margin = 0.3 if t.dim == 1 else 0.0  # the ticks of D(x)'s scale, left of the frame
        self.field.move_to([body.left + margin + size / 2, body.bottom + size / 2, 0])
        self.key = self.dot_key()
        self.key.next_to(self.field.frame, UP, buff=0.12).align_to(self.field.frame, LEFT)
        self.legend = self.map_legend(min(3.0, size * 0.7))
        self.legend.next_to(self.field.frame, RIGHT, buff=0.25).align_to(self.field.frame, DOWN)
        self.right = Region("right", self.legend.get_right()[0] + 0.4, body.right, body.bottom,
                            body.top)

    def dot_key(self) -> VGroup:
        """● real data  ● generated samples: what the two colours of dots are."""
        parts = [VGroup(Dot(radius=0.07, color=color), self.label(key, theme.BODY_SIZE)
                        ).arrange(RIGHT, buff=0.1)
                 for color, key in ((REAL_COLOR, "real_points"), (FAKE_COLOR, "fake_points"))]
        return VGroup(*parts).arrange(RIGHT, buff=0.35)

    def map_legend(self, length: float) -> ColorLegend:
        """The colour bar of D's output from 0 (fake) to 1 (real). Its ends are the ends of the
        scale, written as ticks (positions on the scale, not lesson numbers)."""
        legend = ColorLegend(map_color, Ref("", "0"), Ref("", "1"), 0.0, 1.0, length=length,
                             high_caption=self.label("map_real", theme.BODY_SIZE),
                             low_caption=self.label("map_fake", theme.BODY_SIZE))
        for end, written in ((legend.low, "0"), (legend.high, "1")):
            legend.remove(end)
            legend.add(theme.tick(written).move_to(end))
        return legend

    def box(self, key: str, color: theme.ManimColor) -> VGroup:
        text = self.label(key, theme.BODY_SIZE, theme.INK)
        frame = RoundedRectangle(corner_radius=0.12, width=text.width + 0.4,
                                 height=text.height + 0.35, stroke_color=color, stroke_width=2.5)
        return VGroup(frame, text.move_to(frame))

    @staticmethod
    def dim(box: VGroup, opacity: float) -> list:
        """A network's box fades (held fixed) or comes back: its outline and name, not a fill."""
        return [box[0].animate.set_stroke(opacity=opacity), box[1].animate.set_opacity(opacity)]

    def diagram(self) -> VGroup:
        """noise -> G -> D -> probability, the real data entering D from below."""
        noise = self.label("noise", theme.BODY_SIZE)
        g_box, d_box = self.box("generator", FAKE_COLOR), self.box("discriminator", D_COLOR)
        out = self.label("probability", theme.BODY_SIZE)
        row = VGroup(noise, g_box, d_box, out).arrange(RIGHT, buff=0.65)
        real = self.label("real_points", theme.BODY_SIZE, REAL_COLOR)
        real.next_to(d_box, DOWN, buff=0.55)

        def arrow(start, end, color):
            return Arrow(start, end, buff=0.1, stroke_width=3, color=color,
                         max_tip_length_to_length_ratio=0.3)

        arrows = VGroup(arrow(noise.get_right(), g_box.get_left(), theme.MUTED),
                        arrow(g_box.get_right(), d_box.get_left(), FAKE_COLOR),
                        arrow(d_box.get_right(), out.get_left(), D_COLOR),
                        arrow(real.get_top(), d_box.get_bottom(), REAL_COLOR))
        chart = VGroup(row, real, arrows)
        if chart.width > self.right.width:
            chart.scale_to_fit_width(self.right.width)
        chart.move_to(self.right.center).align_to([0, self.right.top - ARC_ROOM, 0], UP)
        chart.noise, chart.g_box, chart.d_box, chart.out, chart.real = (noise, g_box, d_box, out,
                                                                        real)
        chart.arrows = arrows
        return chart

    def fade_out(self, *groups: Mobject, **kwargs) -> FadeOut:
        """FadeOut of whatever of `groups` is on screen, as the scene holds it: parts faded in
        on their own are top-level mobjects (or in the Group a FadeIn of several made), which
        fading their group would not remove. Every top-level mobject holding a part goes."""
        family = {id(m) for g in groups for m in g.get_family()}
        return FadeOut(*[m for m in self.mobjects
                         if any(id(part) in family for part in m.get_family())], **kwargs)

    # -- the lesson ---------------------------------------------------------------------------
    def construct(self) -> None:
        self.layout()
        self.meet_the_players()
        self.one_step()
        self.why_non_saturating()
        self.training()
        self.contrast()

    @staticmethod
    def reveal(dots: VGroup, opacity: float, source: np.ndarray) -> UpdateFromAlphaFunc:
        """The dots appear one after another, each travelling from `source` to its place.
        (One animation of the group already on screen: a LaggedStart would gather the dots
        into a new group drawn over everything.)"""
        count = len(dots)
        places = [dot.get_center() for dot in dots]

        def update(group: Mobject, a: float) -> None:
            for i, dot in enumerate(group):
                p = float(np.clip(a * (count + 4) / 5 - i / 5, 0, 1))
                dot.set_opacity(opacity * p)
                dot.move_to(source + (places[i] - source) * smooth(p))

        return UpdateFromAlphaFunc(dots, update)

    def meet_the_players(self) -> None:
        field = self.field
        self.add(self.title, field)
        with self.cue("intro") as slot:
            self.play(FadeIn(self.key[0]),
                      self.reveal(field.real, field.dot_opacity, field.get_center()),
                      run_time=slot.share(0.5))
            self.until(slot, 0.55)
            self.play(theme.pulse(field.real, 1.08), run_time=slot.share(0.25))

        self.chart = chart = self.diagram()
        with self.cue("players") as slot:
            self.play(FadeIn(chart.noise), GrowArrow(chart.arrows[0]), FadeIn(chart.g_box),
                      run_time=slot.share(0.1))
            self.play(FadeIn(self.key[1]),  # G makes them: they come out of its box
                      self.reveal(field.fake, field.dot_opacity, chart.g_box.get_center()),
                      run_time=slot.share(0.2))
            self.until(slot, 0.33)
            self.play(GrowArrow(chart.arrows[1]), FadeIn(chart.d_box),
                      GrowArrow(chart.arrows[3]), FadeIn(chart.real), run_time=slot.share(0.1))
            self.play(GrowArrow(chart.arrows[2]), FadeIn(chart.out), run_time=slot.share(0.08))
            self.until(slot, 0.6)
            self.play(theme.pulse(chart.d_box, 1.15), theme.pulse(field.real, 1.08),
                      run_time=slot.share(0.14))
            self.until(slot, 0.8)
            self.play(theme.pulse(chart.g_box, 1.15), theme.pulse(field.fake, 1.15),
                      run_time=slot.share(0.14))

        with self.cue("d_map") as slot:
            grid0 = self.main.grid(0)
            self.play(field.morph(grid0, grid0, fade=True), run_time=slot.share(0.3))
            if field.curve is not None:
                self.play(field.curve.animate.set_stroke(opacity=1),
                          field.curve_parts.animate.set_opacity(1), run_time=slot.share(0.12))
            self.until(slot, 0.35)
            self.play(FadeIn(self.legend, shift=LEFT * 0.2), run_time=slot.share(0.12))
            self.until(slot, 0.6)
            self.play(theme.pulse(self.legend, 1.1), run_time=slot.share(0.12, 1.0))

    # -- one step, with its numbers ------------------------------------------------------------
    def sample_table(self) -> VGroup:
        """D's outputs on the first samples of the example batch, and the batch means."""
        shown = min(SHOWN_SAMPLES, self.trace.batch_size)
        rows = VGroup()
        for key, path, color in (("batch_real", "d_real", REAL_COLOR),
                                 ("batch_fake", "d_fake", FAKE_COLOR)):
            values = VGroup(*[self.bound("{}", f"example_step.{path}[{i}]")
                              for i in range(shown)])
            mean = self.bound("{}", f"example_step.{path}_mean", color=theme.ACCENT)
            rows.add(VGroup(self.label(key, theme.BODY_SIZE, color), values, mean))
        names = max(row[0].width for row in rows)
        for i, (name, values, mean) in enumerate(rows):
            y = -0.55 * i
            name.move_to([names / 2, y, 0]).align_to([0, 0, 0], LEFT)
            for j, value in enumerate(values):
                value.move_to([names + 0.6 + 0.85 * j, y, 0])
            mean.move_to([names + 0.6 + 0.85 * shown + 0.45, y, 0])
        header = self.label("batch_mean", theme.BODY_SIZE).next_to(rows[0][2], UP, buff=0.2)
        table = VGroup(header, rows)
        table.rows = rows
        table.factor = min(1.0, self.right.width / table.width)  # new numbers match it
        table.scale(table.factor)
        table.move_to(self.right.center).align_to([0, self.chart.get_bottom()[1] - 0.3, 0], UP)
        return table

    def restate(self, table: VGroup, row: int, path: str) -> list:
        """The row's numbers become the trace's at `path`: the same samples, new outputs."""
        anims = []
        values, mean = table.rows[row][1], table.rows[row][2]
        for i, old in enumerate(list(values)):
            new = self.bound("{}", f"example_step.{path}[{i}]").scale(table.factor)
            anims.append(TransformMatchingShapes(old, new.move_to(old)))
            values.submobjects[i] = new
        new = self.bound("{}", f"example_step.{path}_mean", color=theme.ACCENT)
        new.scale(table.factor).move_to(mean)
        anims.append(TransformMatchingShapes(mean, new))
        table.rows[row].submobjects[2] = new
        return anims

    def loss_line(self, symbol: str, before: str, after: str) -> VGroup:
        """L = loss on the batch -> the same loss after the network's step."""
        return VGroup(tex(symbol + "=", 30),
                      self.bound("{}", f"example_step.{before}"),
                      tex(r"\rightarrow", 30, theme.ACCENT),
                      self.bound("{}", f"example_step.{after}", color=theme.ACCENT)
                      ).arrange(RIGHT, buff=0.15)

    def one_step(self) -> None:
        t, field, ex, chart = self.trace, self.field, self.trace.example_step, self.chart
        shown = min(SHOWN_SAMPLES, t.batch_size)
        batch_real = field.dots(ex.real, "real", REAL_COLOR, radius=0.06)
        batch_fake = field.dots(ex.fake, "fake", FAKE_COLOR, radius=0.06)
        for dots in (batch_real, batch_fake):
            dots.set_stroke(theme.INK, 1.2).set_fill(opacity=1)
        rings = VGroup(*[Circle(radius=0.14, color=theme.INK, stroke_width=2.5).move_to(d)
                         for dots in (batch_real, batch_fake) for d in dots[:shown]])
        step_text = VGroup(self.label("step", theme.BODY_SIZE),
                           self.bound("{}", "example_step.step", color=theme.ACCENT)
                           ).arrange(RIGHT, buff=0.15)
        table = self.sample_table()
        step_text.scale(table.factor).move_to(table[0]).align_to(table.rows, LEFT)
        with self.cue("batch") as slot:
            # The evaluation samples step back; this step's batch, and D's map at that step.
            self.play(field.real.animate.set_opacity(0.12), field.fake.animate.set_opacity(0.12),
                      FadeIn(step_text), field.morph(self.main.grid(0), ex.d_grid),
                      run_time=slot.share(0.15))
            self.play(LaggedStart(FadeIn(batch_real), FadeIn(batch_fake), lag_ratio=0.5),
                      run_time=slot.share(0.15))
            self.until(slot, 0.42)
            self.play(Create(rings), FadeIn(table.rows[0][0], table.rows[1][0]),
                      run_time=slot.share(0.1))
            self.play(LaggedStart(*[FadeIn(v) for v in table.rows[0][1]],
                                  *[FadeIn(v) for v in table.rows[1][1]], lag_ratio=0.25),
                      run_time=slot.share(0.15))
            self.until(slot, 0.75)
            self.play(FadeIn(table[0], table.rows[0][2], table.rows[1][2]),
                      run_time=slot.share(0.1))

        d_formula = theme.formula(
            r"L_D = -\tfrac{1}{n}\sum \log D(x) - \tfrac{1}{n}\sum \log\bigl(1 - D(G(z))\bigr) = "
            + self.ref("example_step.d_loss").text, size=30,
            refs=[self.ref("example_step.d_loss")])
        self.regions.footer.fit(d_formula)
        d_line = self.loss_line("L_D", "d_loss", "d_loss_updated")
        d_line.next_to(table, DOWN, buff=0.35).align_to(table, LEFT)
        updates_d = self.label("updates_d", theme.BODY_SIZE, D_COLOR)
        updates_d.next_to(chart.d_box, UP, buff=0.15)
        held_g = self.label("held", theme.BODY_SIZE).next_to(chart.g_box, UP, buff=0.15)
        with self.cue("d_update") as slot:
            self.play(Write(d_formula), run_time=slot.share(0.3))
            self.play(FadeIn(d_line[:2]), run_time=slot.share(0.08))
            self.until(slot, 0.4)
            self.play(FadeIn(updates_d, shift=DOWN * 0.1), *self.dim(chart.g_box, 0.3),
                      FadeIn(held_g), run_time=slot.share(0.1))
            self.play(theme.pulse(chart.d_box, 1.15), run_time=slot.share(0.08, 0.8))
            self.until(slot, 0.72)
            self.play(*self.restate(table, 0, "d_real_updated"),
                      *self.restate(table, 1, "d_fake_updated"), run_time=slot.share(0.12))
            self.play(FadeIn(d_line[2:], shift=RIGHT * 0.2), run_time=slot.share(0.08))

        g_formula = theme.formula(
            r"L_G = -\tfrac{1}{n}\sum \log D(G(z)) = " + self.ref("example_step.g_loss").text,
            size=30, refs=[self.ref("example_step.g_loss")])
        self.regions.footer.fit(g_formula)
        g_line = self.loss_line("L_G", "g_loss", "g_loss_after")
        g_line.next_to(d_line, RIGHT, buff=0.8)
        back = CurvedArrow(chart.out.get_top() + UP * 0.08, chart.g_box.get_top() + UP * 0.08,
                           angle=np.pi / 4, color=FAKE_COLOR, stroke_width=3)
        updates_g = self.label("updates_g", theme.BODY_SIZE, FAKE_COLOR)
        updates_g.next_to(back, UP, buff=0.05)
        held_d = self.label("held", theme.BODY_SIZE).next_to(chart.real, RIGHT, buff=0.3)
        with self.cue("g_update") as slot:
            self.play(FadeOut(d_formula, updates_d, held_g), *self.dim(chart.g_box, 1),
                      run_time=slot.share(0.08))
            self.play(Write(g_formula), FadeIn(g_line[:2]), run_time=slot.share(0.17))
            self.until(slot, 0.32)
            # L_G's gradient flows back through D, held fixed, into G: only G is updated.
            spark = Dot(radius=0.08, color=FAKE_COLOR)
            self.play(Create(back), *self.dim(chart.d_box, 0.3), FadeIn(held_d),
                      run_time=slot.share(0.1))
            self.play(MoveAlongPath(spark, back.copy()), FadeIn(updates_g),
                      run_time=slot.share(0.12, 0.8))
            self.remove(spark)
            self.play(theme.pulse(chart.g_box, 1.15), run_time=slot.share(0.08, 0.8))
            self.until(slot, 0.66)
            # G's samples after its step (a small move: one step of a small learning rate).
            glide = UpdateFromAlphaFunc(batch_fake, lambda m, a: field.move(
                m, ex.fake + (ex.fake_after - ex.fake) * a, "fake"))
            follow = UpdateFromAlphaFunc(rings, lambda m, a: [
                ring.move_to(dot) for ring, dot in zip(m[shown:], batch_fake[:shown],
                                                       strict=True)])
            self.play(glide, follow, *self.restate(table, 1, "d_fake_after"),
                      run_time=slot.share(0.12))
            self.play(FadeIn(g_line[2:], shift=RIGHT * 0.2), *self.dim(chart.d_box, 1),
                      FadeOut(held_d), run_time=slot.share(0.08))
        self.step_parts = VGroup(batch_real, batch_fake, rings)
        self.table_parts = VGroup(step_text, table, d_line, g_line, g_formula, back, updates_g)

    # -- why -log D ---------------------------------------------------------------------------
    def why_non_saturating(self) -> None:
        region = Region("ns", self.right.left, self.right.right, self.regions.footer.bottom,
                        self.chart.get_bottom()[1] - 0.25)
        plot = Plot((0, 1, 0.5), (-4, 4, 2), width=region.width - NS_BARS, height=region.height,
                    x_caption=self.label("ns_x", theme.BODY_SIZE),
                    y_caption=self.label("ns_y", theme.BODY_SIZE))
        region.fit(plot)
        plot.align_to([region.left, 0, 0], LEFT)
        xs = np.linspace(0.02, 0.98, 97)
        flat = plot.curve(xs, np.log1p(-xs), color=theme.NEGATIVE)
        steep = plot.curve(xs, -np.log(xs), color=FAKE_COLOR)
        flat_name = VGroup(tex(r"\log(1-D)", 28, theme.NEGATIVE),
                           self.label("saturating", theme.BODY_SIZE, theme.NEGATIVE)
                           ).arrange(RIGHT, buff=0.15)
        flat_name.next_to(plot.c2p(0.55, np.log1p(-0.55)), DOWN + LEFT, buff=0.1)
        steep_name = VGroup(tex(r"-\log D", 28, FAKE_COLOR),
                            self.label("non_saturating", theme.BODY_SIZE, FAKE_COLOR)
                            ).arrange(RIGHT, buff=0.15)
        steep_name.next_to(plot.c2p(0.1, -np.log(0.1)), RIGHT, buff=0.25)
        low, high = plot.c2p(0, -4), plot.c2p(0.15, 4)
        zone = Rectangle(width=high[0] - low[0], height=high[1] - low[1], stroke_width=0,
                         fill_color=theme.INK, fill_opacity=0.1).move_to((low + high) / 2)
        at = self.trace.example_step.d_fake_updated_mean
        mark = DashedLine(plot.c2p(at, -4), plot.c2p(at, 4), color=theme.INK, stroke_width=2,
                          dash_length=0.08)
        mark_name = self.label("this_step", theme.BODY_SIZE, theme.INK)
        mark_name.next_to(mark.get_top(), RIGHT, buff=0.1).shift(DOWN * 0.2)
        # Where D(G(z)) stands: each curve's tangent there, its slope the generator's gradient.
        d = ValueTracker(0.6)
        slopes = VGroup(self.tangent(plot, d, np.log1p, lambda x: -1 / (1 - x), theme.NEGATIVE),
                        self.tangent(plot, d, lambda x: -np.log(x), lambda x: -1 / x, FAKE_COLOR))
        bars = self.gradient_bars(plot, region, d)
        slopes.add(bars)
        with self.cue("non_saturating") as slot:
            self.play(self.fade_out(self.table_parts), run_time=slot.share(0.08))
            self.play(Create(plot.axes), FadeIn(plot.x_ticks, plot.y_ticks, plot.x_caption,
                                                  plot.y_caption), run_time=slot.share(0.1))
            self.until(slot, 0.18)
            self.play(Create(flat), FadeIn(flat_name), run_time=slot.share(0.12))
            self.play(Create(steep), FadeIn(steep_name), run_time=slot.share(0.12))
            self.until(slot, 0.45)
            self.play(FadeIn(zone, slopes), run_time=slot.share(0.06))
            self.play(d.animate.set_value(0.05), run_time=slot.share(0.28), rate_func=smooth)
            self.until(slot, 0.8)
            self.play(Create(mark), FadeIn(mark_name), d.animate.set_value(at),
                      run_time=slot.share(0.12))
        self.ns_parts = VGroup(plot, flat, steep, flat_name, steep_name, zone, mark, mark_name,
                               slopes)

    def gradient_bars(self, plot: Plot, region: Region, at: ValueTracker) -> VGroup:
        """How much gradient each loss sends back at the tracker's D: |slope| as a bar (capped
        at NS_CAP), blue for log(1 - D), orange for -log D."""
        bottom, top = plot.c2p(0, -4)[1], plot.c2p(0, 4)[1]
        caption = self.label("ns_gradient", theme.BODY_SIZE)
        caption.move_to([region.right - NS_BARS / 2, top + 0.1, 0])

        def bar(slope: Callable[[float], float], color: theme.ManimColor, x: float) -> VMobject:
            def draw() -> Rectangle:
                height = (top - bottom) * min(abs(slope(at.get_value())), NS_CAP) / NS_CAP
                return Rectangle(width=0.32, height=max(height, 0.02), stroke_width=0,
                                 fill_color=color, fill_opacity=0.9
                                 ).move_to([x, bottom + max(height, 0.02) / 2, 0])
            return always_redraw(draw)

        left = region.right - NS_BARS * 0.7
        return VGroup(caption, bar(lambda x: 1 / (1 - x), theme.NEGATIVE, left),
                      bar(lambda x: 1 / x, FAKE_COLOR, left + 0.45))

    @staticmethod
    def tangent(plot: Plot, at: ValueTracker, f: Callable[[float], float],
                slope: Callable[[float], float], color: theme.ManimColor) -> VMobject:
        """A dot on the curve of f at the tracker's value, with its tangent (in screen units, so
        a steep curve shows a steep line)."""
        def draw() -> VGroup:
            x = at.get_value()
            point = plot.c2p(x, f(x))
            ahead = plot.c2p(x + 0.01, f(x) + 0.01 * slope(x)) - point
            ahead *= 0.7 / np.linalg.norm(ahead)
            return VGroup(DashedLine(point - ahead, point + ahead, color=color, stroke_width=6,
                                     dash_length=0.06),
                          Dot(point, radius=0.1, color=color))
        return always_redraw(draw)

    # -- training -----------------------------------------------------------------------------
    def plots(self) -> None:
        """Two plots over the training steps: the losses, and the distance to the data."""
        t = self.trace
        top, bottom = self.right.rows(1, 1.1, gap=0.3)
        x_step = nice_step(t.steps)
        loss_top, loss_step = nice_top(1.05 * max(self.main.series("d_loss")
                                                  + self.main.series("g_loss")))
        self.loss_plot = Plot((0, t.steps, x_step), (0, loss_top, loss_step), width=top.width,
                              height=top.height, y_caption=self.label("losses", theme.BODY_SIZE))
        top.fit(self.loss_plot)
        self.dist_top = nice_top(1.05 * max(self.main.series("distance")
                                            + self.other.series("distance")))
        self.dist_plot = self.distance_plot(bottom)
        self.loss_curves = [Curve(self.loss_plot, self.main, "d_loss", D_COLOR),
                            Curve(self.loss_plot, self.main, "g_loss", FAKE_COLOR)]
        self.dist_curve = Curve(self.dist_plot, self.main, "distance", MAIN_COLOR)
        names = VGroup(tex("L_D", 28, D_COLOR), tex("L_G", 28, FAKE_COLOR)).arrange(RIGHT,
                                                                                   buff=0.4)
        self.loss_names = names.next_to(self.loss_plot.y_caption, RIGHT, buff=0.5)

    def distance_plot(self, region: Region) -> Plot:
        t = self.trace
        plot = Plot((0, t.steps, nice_step(t.steps)), (0, *self.dist_top), width=region.width,
                    height=region.height, x_caption=self.label("steps_axis", theme.BODY_SIZE),
                    y_caption=self.label("distance", theme.BODY_SIZE))
        region.fit(plot)
        return plot

    def floor(self, plot: Plot) -> VGroup:
        """The distance between two independent real samples: where a perfect G would be."""
        line = DashedLine(plot.c2p(0, self.trace.distance_floor),
                          plot.c2p(self.trace.steps, self.trace.distance_floor),
                          color=theme.MUTED, stroke_width=2, dash_length=0.1)
        name = VGroup(self.label("floor", theme.BODY_SIZE * 0.9),
                      self.bound("{}", "distance_floor", size=theme.BODY_SIZE * 0.9,
                                 color=theme.MUTED)).arrange(RIGHT, buff=0.12)
        name.next_to(line, UP, buff=0.06).align_to(line, RIGHT)
        name.add_background_rectangle(theme.BACKGROUND, opacity=0.85, buff=0.04)
        low, high = plot.c2p(0, 0), plot.c2p(self.trace.steps, self.trace.distance_floor)
        strip = Rectangle(width=high[0] - low[0], height=max(high[1] - low[1], 0.02),
                          stroke_width=0, fill_color=theme.MUTED, fill_opacity=0.3)
        strip.move_to((low + high) / 2)
        return VGroup(line, name, strip)

    def follow(self, curves: list[Curve], seconds: float) -> None:
        """A dot runs along each drawn curve from its first snapshot to its last, as the voice
        reads where the series started and where it ended."""
        dots = [Dot(c.line.get_start(), radius=0.08, color=c.line.get_stroke_color())
                for c in curves]
        self.play(*[MoveAlongPath(dot, c.line) for dot, c in zip(dots, curves, strict=True)],
                  run_time=seconds, rate_func=smooth)
        self.play(*[FadeOut(dot) for dot in dots], run_time=min(0.5, seconds / 4))

    def readout(self, run: Run, index: int, rows: int = 1) -> VGroup:
        """step · distance · modes covered (of K) at snapshot `index` of `run`."""
        path = f"{run.key}[{index}]"
        parts = VGroup(
            self.label("step", theme.BODY_SIZE),
            self.bound("{}", f"{path}.step", color=theme.ACCENT),
            self.label("distance", theme.BODY_SIZE),
            self.bound("{}", f"{path}.distance", color=theme.ACCENT),
            self.label("modes", theme.BODY_SIZE),
            self.bound("{} / {}", f"{path}.modes_covered", "mode_count", color=theme.ACCENT))
        for i in range(1, len(parts)):
            parts[i].next_to(parts[i - 1], RIGHT, buff=0.12 if i % 2 else 0.4)
        if rows == 2:  # the step and the distance above, the modes below
            parts[4:].next_to(parts[:4], DOWN, buff=0.12).align_to(parts[:4], LEFT)
        return parts

    def advance(self, run: Run, field: Field, frm: int, to: int, seconds: float,
                curves: list[Curve]) -> None:
        """From snapshot `frm` to `to`: the samples glide, D's map blends, the curves grow."""
        fake0, fake1 = run.fake(frm), run.fake(to)
        grid0, grid1 = run.grid(frm), run.grid(to)

        def update(_: Mobject, a: float) -> None:
            field.move(field.fake, fake0 + (fake1 - fake0) * a, "fake")
            field.show_map(grid0 + (grid1 - grid0) * a)

        def grow(curve: Curve) -> UpdateFromAlphaFunc:
            return UpdateFromAlphaFunc(curve.line, lambda _, a: curve.to(frm + (to - frm) * a))

        # Each animated mobject is one the scene already holds: a new Group of them would be
        # drawn on top (D's map over the real points).
        self.play(UpdateFromAlphaFunc(field, update), *[grow(c) for c in curves],
                  run_time=max(seconds, 1 / 15), rate_func=linear)

    def train_through(self, run: Run, field: Field, moves: list[tuple[int, int]],
                      slot: CueSlot, start: float, end: float, curves: list[Curve],
                      shown: Callable[[int], None]) -> None:
        """Play `moves` evenly within [start, end] of the cue; `shown(index)` after each."""
        self.until(slot, start)
        each = slot.seconds * (end - start) / max(len(moves), 1)
        for frm, to in moves:
            self.advance(run, field, frm, to, each, curves)
            shown(to)

    def swap(self, attribute: str, new: VGroup) -> None:
        """Replace the readout held in `attribute` by `new`, in place (numbers change at once)."""
        old = getattr(self, attribute)
        new.move_to(old, aligned_edge=LEFT)
        self.remove(old)
        self.add(new)
        setattr(self, attribute, new)

    def training(self) -> None:
        t, field = self.trace, self.field
        self.plots()
        first, second, third = self.main.thirds()
        self.main_readout = self.regions.footer.fit(self.readout(self.main, 0))
        curves = [*self.loss_curves, self.dist_curve]

        def shown(index: int) -> None:
            self.swap("main_readout", self.readout(self.main, index))

        with self.cue("train") as slot:
            self.play(self.fade_out(self.step_parts, self.ns_parts, self.chart),
                      field.real.animate.set_opacity(field.dot_opacity),
                      field.fake.animate.set_opacity(field.dot_opacity),
                      field.morph(t.example_step.d_grid, self.main.grid(0)),
                      run_time=slot.share(0.1))
            for curve in curves:
                curve.to(0)
            self.play(FadeIn(self.loss_plot, self.dist_plot, self.loss_names, self.main_readout,
                             *[c.line for c in curves]), run_time=slot.share(0.1))
            self.train_through(self.main, field, first, slot, 0.3, 0.95, curves, shown)

        self.floor_parts = self.floor(self.dist_plot)
        with self.cue("distance") as slot:
            self.play(theme.pulse(self.dist_plot, 1.04), run_time=slot.share(0.08, 0.8))
            self.train_through(self.main, field, second, slot, 0.1, 0.6, curves, shown)
            self.until(slot, 0.6)
            line, name, strip = self.floor_parts
            self.play(GrowFromEdge(strip, LEFT), Create(line), run_time=slot.share(0.14))
            self.play(FadeIn(name), run_time=slot.share(0.06))
            self.follow([self.dist_curve], slot.share(0.16))

        with self.cue("train_more") as slot:
            self.train_through(self.main, field, third, slot, 0.0, 0.55, curves, shown)
            self.until(slot, 0.58)
            self.follow(self.loss_curves, slot.share(0.2))
            self.until(slot, 0.82)
            self.play(theme.pulse(self.main_readout, 1.1), run_time=slot.share(0.1, 0.8))

    # -- the other setting, beside ---------------------------------------------------------
    def run_caption(self, setting: str, ratio: str, color: theme.ManimColor) -> VGroup:
        """The setting's name and its learning rates' ratio, eta_G / eta_D."""
        name = self.label("run_normal" if setting == "normal" else "run_collapse",
                          theme.BODY_SIZE, color)
        rate = theme.formula(r"\eta_G / \eta_D = " + self.ref(ratio).text, size=26,
                             color=theme.MUTED, refs=[self.ref(ratio)])
        return VGroup(name, rate).arrange(RIGHT, buff=0.3)

    def contrast(self) -> None:
        t, body, field = self.trace, self.regions.body, self.field
        columns = body.columns(1, 1, 1.1, gap=0.4)
        size = min(columns[0].width, body.height - 0.45)  # room above for the run's name
        spot = [columns[0].center[0], body.bottom + size / 2, 0]
        twin = Field(t.grid, t.dim, size, t.snapshots[0].real, self.other.fake(0))
        twin.move_to([columns[1].center[0], body.bottom + size / 2, 0])
        twin.show_map(self.other.grid(0))
        twin.real.set_opacity(twin.dot_opacity)
        twin.fake.set_opacity(twin.dot_opacity)
        if twin.curve is not None:
            twin.curve.set_stroke(opacity=1)
            twin.curve_parts.set_opacity(1)

        def place(center: float, caption: VGroup, readout: VGroup) -> VGroup:
            """The run's name above its field, its numbers below (in the footer)."""
            caption.move_to([center, 0, 0]).align_to([0, body.bottom + size + 0.12, 0], DOWN)
            if readout.width > columns[0].width:
                readout.scale_to_fit_width(columns[0].width)
            readout.move_to([center, 0, 0]).align_to([0, body.bottom - 0.1, 0], UP)
            return VGroup(caption, readout)

        main_head = place(spot[0], self.run_caption(t.setting, "lr_ratio", MAIN_COLOR),
                          self.readout(self.main, len(t.snapshots) - 1, rows=2))
        self.twin_readout = self.readout(self.other, 0, rows=2)
        twin_head = place(twin.get_center()[0],
                          self.run_caption(t.contrast_setting, "contrast_lr_ratio",
                                           CONTRAST_COLOR), self.twin_readout)

        right = Region("contrast_plot", columns[2].left, columns[2].right, body.bottom,
                       body.top - 0.1)
        plot = self.distance_plot(right)
        main_curve = Curve(plot, self.main, "distance", MAIN_COLOR)
        main_curve.to(len(t.snapshots) - 1)
        twin_curve = Curve(plot, self.other, "distance", CONTRAST_COLOR)
        twin_curve.to(0)
        floor = self.floor(plot)
        moves = [move for part in self.other.thirds() for move in part]

        factor = self.twin_readout[0].height / self.readout(self.other, 0, rows=2)[0].height

        def shown(index: int) -> None:
            self.swap("twin_readout", self.readout(self.other, index, rows=2).scale(factor))

        with self.cue("contrast") as slot:
            self.play(self.fade_out(self.loss_plot, self.loss_names, self.dist_plot,
                                    self.floor_parts, self.legend, self.key,
                                    *[c.line for c in [*self.loss_curves, self.dist_curve]]),
                      FadeOut(self.main_readout), run_time=slot.share(0.08))
            self.play(field.animate.scale(size / field.size).move_to(spot),
                      run_time=slot.share(0.1))
            self.play(FadeIn(main_head), FadeIn(plot), Create(main_curve.line),
                      FadeIn(floor), run_time=slot.share(0.1))
            self.until(slot, 0.33)
            self.play(FadeIn(twin), FadeIn(twin_head), FadeIn(twin_curve.line),
                      run_time=slot.share(0.1))
            half = len(moves) // 2
            self.train_through(self.other, twin, moves[:half], slot, 0.45, 0.98, [twin_curve],
                               shown)

        with self.cue("contrast_why") as slot:
            self.train_through(self.other, twin, moves[half:], slot, 0.0, 0.6, [twin_curve],
                               shown)
            self.until(slot, 0.65)
            self.play(theme.pulse(twin.fake, 1.15), run_time=slot.share(0.1, 0.8))
            self.until(slot, 0.82)
            self.play(theme.pulse(main_curve.line, 1.05), theme.pulse(twin_curve.line, 1.05),
                      run_time=slot.share(0.1, 0.8))

        # The summary replays both trainings, the numbers below each field following them.
        self.main_readout = main_head[1]

        def main_shown(index: int) -> None:
            self.swap("main_readout", self.readout(self.main, index, rows=2).scale(factor))

        main_moves = [move for part in self.main.thirds() for move in part]
        with self.cue("summary") as slot:
            self.advance(self.main, field, len(t.snapshots) - 1, 0, slot.share(0.06), [])
            main_shown(0)
            self.train_through(self.main, field, main_moves, slot, 0.08, 0.6, [], main_shown)
            self.until(slot, 0.62)
            self.advance(self.other, twin, len(self.other.snapshots) - 1, 0, slot.share(0.06), [])
            shown(0)
            self.train_through(self.other, twin, moves, slot, 0.7, 0.98, [], shown)

