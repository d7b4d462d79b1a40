"""The BPTT lesson: a vanilla RNN unrolled in time, its forward pass (the first step written out),
the gradient travelling back step by step, why the product of Jacobians W_hh^T diag(1 - h^2)
makes it vanish or explode (two runs side by side on a log scale), and truncated BPTT."""

from __future__ import annotations

import math

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    AnimationGroup,
    Arrow,
    Create,
    DashedVMobject,
    FadeIn,
    FadeOut,
    GrowArrow,
    GrowFromEdge,
    Indicate,
    LaggedStart,
    Line,
    MathTex,
    Mobject,
    ShowPassingFlash,
    SurroundingRectangle,
    TransformFromCopy,
    VGroup,
    Write,
    interpolate_color,
)

from engine import rnn
from engine.params import ParamError
from scenes import theme
from scenes.layout import Region
from scenes.narrated import CueSlot, NarratedScene
from scenes.widgets.arrows import carry
from scenes.widgets.axes import Plot
from scenes.widgets.matrix import LabelledMatrix
from scenes.widgets.panels import signed
from scenes.widgets.timeline import UnrolledTimeline

MIN_STEPS, MAX_STEPS = 3, 8  # fewer: no chain to follow back; more: the W_hh labels collide
MAX_HIDDEN, MAX_INPUT, MAX_OUTPUT = 4, 3, 2  # every entry of every vector is written
MAX_DECADES = 8  # the log axis of the contrast: wider, and the bars' steps blur together
HEADER_WIDTH = 1.9  # the column of row names left of the timeline
HEADER_GAP = 0.25  # between a row's name and its first value
WORK_HEIGHT = 1.55  # below the timeline: the worked step, the value rows, the product formula
ROW_GAP = 0.36  # between rows of values under the timeline
MAX_GROWTH = 1.15  # a small timeline grows a little into free room (larger digits)
GRADIENT = theme.POSITIVE  # gradients travel in red


def tex(*parts: str, size: float = 26, color: theme.ManimColor = theme.INK) -> MathTex:
    """A symbol or formula without lesson numbers (those go through theme.formula)."""
    return theme.formula(*parts, size=size, color=color)


class BPTTScene(NarratedScene):
    MODEL = rnn.LESSON
    CUES = ("intro", "shared", "first_step", "forward", "backward", "jacobian", "vanishing",
            "exploding", "dependencies", "truncation", "tradeoff", "summary")
    LABELS = ("title", "shared", "first_step", "total_loss", "vanishing", "exploding",
              "steps_axis", "vanishing_effect", "exploding_effect", "saturated_effect",
              "full_row", "truncated_row", "ignored", "window", "truncation_error")
    EXAMPLES = (
        {"recurrent_scale": 0.5, "steps": 8, "seed": 1},
        {"truncate": 3, "seed": 2, "initial_state": "random"},
        {"steps": 4, "hidden_size": 4, "input_size": 3, "output_size": 2, "input_scale": 1.0,
         "seed": 5},
    )
    HANDOUT = ("loss", "grad_norms", "contributions", "vanishing_shrink", "exploding_growth",
               "truncation_grad_error")

    @classmethod
    def check_trace(cls, trace: rnn.BPTTTrace) -> None:
        if not MIN_STEPS <= trace.steps <= MAX_STEPS:
            raise ParamError("steps", f"the scene draws every step with its vectors: it needs "
                             f"{MIN_STEPS} to {MAX_STEPS} steps, got {trace.steps}")
        for name, size, most in (("hidden_size", trace.h.shape[1], MAX_HIDDEN),
                                 ("input_size", trace.x.shape[1], MAX_INPUT),
                                 ("output_size", trace.y.shape[1], MAX_OUTPUT)):
            if size > most:
                raise ParamError(name, f"the scene writes every entry of every vector: it "
                                 f"allows 1 to {most}, got {size}")
        bars = np.concatenate([trace.vanishing_contributions, trace.exploding_contributions,
                               trace.exploding_ceiling])
        if bars.min() <= 0:
            raise ParamError("input_scale", "tanh saturates so completely that no gradient "
                             "reaches the first steps (exactly 0), which a log scale cannot "
                             "draw: use a smaller input_scale")
        decades = math.log10(bars.max() / bars.min())
        if decades > MAX_DECADES:
            raise ParamError("input_scale", f"the contrast spans {decades:.0f} powers of ten; "
                             f"the scene draws at most {MAX_DECADES}: use a smaller input_scale "
                             f"or fewer steps")

    # -- layout (no animation) ----------------------------------------------------------------
    def layout(self) -> None:
        self.check_trace(self.trace)
        body = self.regions.body
        self.title = self.label("title", theme.TITLE_SIZE, theme.INK)
        self.regions.title.fit(self.title)
        self.work = Region("work", body.left, body.right, body.bottom, body.bottom + WORK_HEIGHT)
        top = Region("timeline", body.left, body.right, self.work.top + 0.1, body.top)
        self.net = self.build_timeline(body.width - HEADER_WIDTH)
        tl = self.net
        # Above the outputs: each step's loss, all on one line.
        self.losses = VGroup(*[self.value("losses", i).next_to(s.y, UP, buff=0.18)
                               for i, s in enumerate(tl.steps)])
        loss_y = max(m.get_y() for m in self.losses)
        for m in self.losses:
            m.set_y(loss_y)
        rows = {"L_t": self.losses[0], "y_t": tl.steps[0].y.box, "h_t": tl.steps[0].h.box,
                "x_t": tl.steps[0].x.box}
        self.headers = VGroup(*[tex(name, size=28, color=theme.MUTED)
                                .next_to([tl.get_left()[0] - HEADER_GAP, anchor.get_y(), 0],
                                         LEFT, buff=0)
                                for name, anchor in rows.items()])
        self.picture = VGroup(self.headers, self.losses, tl)
        # The header column keeps HEADER_WIDTH left of the timeline (rows added later are
        # named there too); the timeline takes the rest, growing a little if there is room.
        self.picture.scale(min(MAX_GROWTH, (top.width - HEADER_WIDTH) / tl.width,
                               top.height / self.picture.height), about_point=tl.get_left())
        self.scale_factor = tl.steps[0].h.numbers[0].height / self.value("h", 0, 0).height
        middle = (tl.get_left()[0] - HEADER_WIDTH + tl.get_right()[0]) / 2
        self.picture.shift([top.center[0] - middle, top.top - self.picture.get_top()[1], 0])
        self.row_y = [tl.get_bottom()[1] - 0.05 - ROW_GAP * (i + 0.5) for i in range(3)]
        self.header_right = tl.get_left()[0] - HEADER_GAP

    def build_timeline(self, width: float) -> UnrolledTimeline:
        t = self.trace
        probe = UnrolledTimeline(t.h, "h", t.x, "x", t.y, "y")
        widest = max(max(s.h.width, s.x.width, s.y.width) for s in probe.steps)
        gap = min(1.9, (width - widest) / (t.steps - 1))
        weight = tex("W_{hh}", size=24, color=theme.ACCENT)
        return UnrolledTimeline(t.h, "h", t.x, "x", t.y, "y", weight=weight, step_gap=gap,
                                arrow_length=0.3)

    def value(self, path: str, *index: int, style: str = "fmt",
              color: theme.ManimColor = theme.INK) -> theme.Text:
        """One trace number as a Text, at the timeline's scale once it is laid out."""
        full = path + "".join(f"[{i}]" for i in index)
        mob = self.bound("{}", full, size=theme.CELL_TEXT_SIZE, color=color, style=style)
        if hasattr(self, "scale_factor"):
            mob.scale(self.scale_factor)
        return mob.set_z_index(1)

    def value_row(self, path: str, row: int, color: theme.ManimColor = theme.INK,
                  style: str = "fmt") -> VGroup:
        """The entries of a per-step vector under the timeline, one under each step."""
        return VGroup(*[self.value(path, i, style=style, color=color)
                        .move_to([s.h.get_x(), self.row_y[row], 0])
                        for i, s in enumerate(self.net.steps)])

    def row_header(self, mob: Mobject, row: int) -> Mobject:
        """A row's name in the header column, right-aligned like the timeline's."""
        if mob.width > HEADER_WIDTH - HEADER_GAP - 0.1:
            mob.scale_to_fit_width(HEADER_WIDTH - HEADER_GAP - 0.1)
        return mob.next_to([self.header_right, self.row_y[row], 0], LEFT, buff=0)

    @staticmethod
    def band(*mobjects: Mobject, color: theme.ManimColor = theme.ACCENT) -> Mobject:
        """A soft highlight behind a row or a column of the picture: where the voice is, as a
        change a viewer notices, without covering any number."""
        return SurroundingRectangle(VGroup(*mobjects), buff=0.1, corner_radius=0.12,
                                    stroke_width=0, fill_color=color,
                                    fill_opacity=0.16).set_z_index(-1)

    def column(self, i: int) -> VGroup:
        """Everything of step i, loss to input."""
        s = self.net.steps[i]
        return VGroup(self.losses[i], s.y, s.h, s.x)

    # -- the lesson ---------------------------------------------------------------------------
    def construct(self) -> None:
        self.layout()
        self.add(self.title)
        self.unrolled()
        self.forward()
        self.backward()
        self.contrast()
        self.truncation()

    def unrolled(self) -> None:
        steps = self.net.steps
        with self.cue("intro") as slot:
            self.add(self.headers[3], self.headers[2])
            # Left to right: each input, then the state it updates, carried on to the next.
            for s in steps:
                parts = [FadeIn(s.x), GrowArrow(s.arrow_in), FadeIn(s.h.box)]
                if s.recurrent is not None:
                    parts.append(GrowArrow(s.recurrent))
                self.play(*parts, run_time=slot.share(0.5 / len(steps)))
            self.until(slot, 0.56)
            self.play(FadeIn(self.headers[1], self.headers[0]),
                      LaggedStart(*[AnimationGroup(GrowArrow(s.arrow_out), FadeIn(s.y.box))
                                    for s in steps], lag_ratio=0.15),
                      run_time=slot.share(0.2))
            # "inputs below, hidden states in the middle, outputs on top"
            rows = [VGroup(*[s.x for s in steps]), VGroup(*[s.h.box for s in steps]),
                    VGroup(*[s.y.box for s in steps])]  # boxes only: no number yet
            for row, at in zip(rows, (0.78, 0.85, 0.92), strict=True):
                self.until(slot, at)
                self.play(theme.pulse(row, 1.06), run_time=slot.share(0.06, 0.4))

        # The update rule, its three weights as separate parts: [1] W_xh, [3] W_hh, [5] W_hy.
        rule = tex(r"h_t = \tanh(", r"W_{xh}", r"\, x_t + ", r"W_{hh}",
                   r"\, h_{t-1} + b_h) \qquad y_t = ", r"W_{hy}", r"\, h_t + b_y", size=32)
        total = tex(r"\frac{\partial L}{\partial W_{hh}} = \sum_{t=1}^{T} "
                    r"\frac{\partial L}{\partial W_{hh}}\Big|_{\text{step } t}", size=30)
        caption = self.label("shared")
        group = VGroup(caption, rule, total).arrange(DOWN, buff=0.15)
        self.work.fit(group)
        with self.cue("shared") as slot:
            self.play(FadeIn(caption), Write(rule), run_time=slot.share(0.2))
            # Named once in the rule, the same at every step: input, recurrent, output weights.
            self.until(slot, 0.25)
            bands = [self.band(*[VGroup(s.x, s.arrow_in) for s in steps], color=theme.MUTED),
                     self.band(*[s.h for s in steps]),
                     self.band(*[VGroup(s.y, s.arrow_out) for s in steps], color=theme.SECOND)]
            self.play(Indicate(rule[1], color=theme.ACCENT), FadeIn(bands[0]),
                      run_time=slot.share(0.08, 0.8))
            weights = [s.weight for s in steps if s.weight is not None]
            self.play(FadeOut(bands[0]), FadeIn(bands[1]), run_time=slot.share(0.05))
            self.play(LaggedStart(*[TransformFromCopy(rule[3], w) for w in weights],
                                  lag_ratio=0.2), run_time=slot.share(0.2))
            self.play(Indicate(rule[5], color=theme.SECOND), FadeOut(bands[1]), FadeIn(bands[2]),
                      run_time=slot.share(0.08, 0.8))
            self.play(FadeOut(bands[2]), run_time=slot.share(0.05))
            # "the gradient of each weight adds up every step's contribution"
            self.until(slot, 0.7)
            self.play(Write(total), LaggedStart(*[Indicate(s.h.box, color=theme.ACCENT)
                                                  for s in steps], lag_ratio=0.2),
                      run_time=slot.share(0.2, 1.0))
        self.rule = VGroup(caption, rule, total)

    # -- forward ------------------------------------------------------------------------------
    def worked_step(self) -> tuple[list[VGroup], VGroup, MathTex, Mobject]:
        """W_xh x_1 + W_hh h_0 + b_h = z_1 -> tanh -> h_1 as matrices, in groups as the voice
        reads them; the chosen unit's row framed; its numbers on one line (for the footer)."""
        t = self.trace
        k = t.first_unit
        pieces = [("W_xh", t.W_xh, "W_{xh}"), ("x[0]", t.x[0], "x_1"), "+",
                  ("W_hh", t.W_hh, "W_{hh}"), ("h0", t.h0, "h_0"), "+", ("b_h", t.b_h, "b_h"),
                  "=", ("z[0]", t.z[0], "z_1"), r"\xrightarrow{\tanh}", ("h[0]", t.h[0], "h_1")]
        parts, matrices = [], {}
        for piece in pieces:
            if isinstance(piece, str):
                parts.append(tex(piece, size=30, color=theme.MUTED))
                continue
            path, values, name = piece
            matrix = LabelledMatrix(values, path)
            matrix.add(tex(name, size=24, color=theme.MUTED).next_to(matrix, DOWN, buff=0.08))
            matrices[path] = matrix
            parts.append(matrix)
        row = VGroup(*parts).arrange(RIGHT, buff=0.18)
        caption = self.label("first_step", theme.CELL_TEXT_SIZE)
        caption.next_to(row, UP, buff=0.12).align_to(row, LEFT)
        self.work.fit(VGroup(caption, row))
        frames = VGroup(*[SurroundingRectangle(VGroup(*matrices[p].entries[k]), buff=0.05,
                                               color=theme.ACCENT, stroke_width=2)
                          for p in ("W_xh", "W_hh", "b_h", "z[0]", "h[0]")])
        # As the voice reads them: W_xh x_1, + W_hh h_0, + b_h, = z_1, tanh -> h_1.
        groups = [VGroup(*parts[0:2]), VGroup(*parts[2:5]), VGroup(*parts[5:7]),
                  VGroup(*parts[7:9]), VGroup(*parts[9:11])]
        return groups, frames, self.worked_line(k), caption

    def worked_line(self, k: int) -> MathTex:
        """z = a + b + c = z,  h = tanh(z) = h,  1 - h^2 = s for unit k (4 decimals: tanh's
        bend shows)."""
        refs = [self.ref("first_input_term", "exact"),
                signed(self.ref("first_recurrent_term", "exact")),
                signed(self.ref(f"b_h[{k}]", "exact")), self.ref("first_z", "exact"),
                self.ref("first_h", "exact"), self.ref("first_slope", "exact")]
        a, b, c, z, h, s = (r.text for r in refs)
        return theme.formula(rf"z = {a} + {b} + {c} = {z} \qquad", rf"h = \tanh({z}) = {h}",
                             rf"\qquad 1 - h^2 = {s}", size=30, refs=refs)

    def tanh_picture(self, groups: list[VGroup]) -> tuple[Mobject, Mobject, Mobject, Mobject]:
        """tanh over [-3, 3] where the matrices were, the framed unit's (z_1, h_1) on it with its
        tangent of slope 1 - h_1^2, and the flat tails (|z| > 2) where tanh saturates."""
        t = self.trace
        plot = Plot((-3, 3, 1), (-1, 1, 1), width=4.2, height=self.work.height - 0.1,
                    x_caption=None, y_caption=None, x_ticks=[-3, 0, 3], y_ticks=[-1, 0, 1])
        name = tex(r"h = \tanh(z)", size=26, color=theme.MUTED)
        name.next_to(plot, RIGHT, buff=0.2)
        group = VGroup(plot, name)
        group.move_to([self.work.left + group.width / 2 + 0.3, self.work.center[1], 0])
        xs = np.linspace(-3, 3, 61)
        curve = VGroup(plot, name, plot.curve(xs, np.tanh(xs), theme.ACCENT, 3))
        z, h, slope = t.first_z, t.first_h, t.first_slope
        reach = 0.9 / math.sqrt(1 + slope ** 2)  # a tangent about as long whatever its slope
        tangent = plot.curve([z - reach, z + reach], [h - reach * slope, h + reach * slope],
                             theme.INK, 2.5)
        tails = VGroup(*[plot.curve(part, np.tanh(part), GRADIENT, 6)
                         for part in (np.linspace(-3, -2, 11), np.linspace(2, 3, 11))])
        return curve, plot.marker(z, h), tangent, tails

    def forward(self) -> None:
        steps = self.net.steps
        groups, frames, line, caption = self.worked_step()
        self.regions.footer.fit(line)
        with self.cue("first_step") as slot:
            self.play(FadeOut(self.rule), run_time=slot.share(0.05))
            self.play(FadeIn(caption), Indicate(steps[0].x, color=theme.ACCENT),
                      Indicate(steps[0].h.box, color=theme.ACCENT),
                      run_time=slot.share(0.07, 0.5))
            for group, at in zip(groups[:4], (0.1, 0.2, 0.28, 0.36), strict=True):
                self.until(slot, at)
                self.play(FadeIn(group, shift=RIGHT * 0.15), run_time=slot.share(0.06))
            self.until(slot, 0.42)
            self.play(Create(frames[:4]), Write(line[0]), run_time=slot.share(0.08))
            self.until(slot, 0.52)
            self.play(FadeIn(groups[4], shift=RIGHT * 0.15), Create(frames[4]), Write(line[1]),
                      run_time=slot.share(0.08))
            self.play(TransformFromCopy(groups[4][1].numbers, steps[0].h.numbers),
                      run_time=slot.share(0.08))
            # "tanh's derivative: near one a straight line, near zero saturated"
            self.until(slot, 0.68)
            curve, point, tangent, tails = self.tanh_picture(groups)
            self.play(FadeOut(*groups[:4], frames[:4], caption), Write(line[2]),
                      run_time=slot.share(0.08))
            self.play(Create(curve), run_time=slot.share(0.08))
            self.play(FadeIn(point, scale=1.5), Create(tangent), run_time=slot.share(0.06))
            self.until(slot, 0.84)
            self.play(Create(tails), run_time=slot.share(0.1))
        self.tanh_parts = VGroup(curve, point, tangent, tails)

        with self.cue("forward") as slot:
            self.play(FadeOut(groups[4], frames[4], line, self.tanh_parts),
                      run_time=slot.share(0.06))
            share = 0.55 / len(steps)
            for i, s in enumerate(steps):
                flashes = [ShowPassingFlash(Line(s.x.get_top(), s.h.get_bottom(),
                                                 color=theme.ACCENT, stroke_width=6),
                                            time_width=0.6)]
                if s.recurrent is not None:
                    flashes.append(ShowPassingFlash(s.recurrent.copy().set_stroke(
                        theme.ACCENT, 7), time_width=0.6))
                shown = [] if i == 0 else [FadeIn(s.h.numbers)]
                self.play(*flashes, *shown, FadeIn(s.y.numbers), FadeIn(self.losses[i]),
                          run_time=slot.share(share, 0.3))
            self.until(slot, 0.66)
            total = self.label("total_loss")
            self.work.fit(total)
            losses = self.band(self.losses, color=theme.INK)
            self.play(FadeIn(losses), run_time=slot.share(0.06))
            self.play(LaggedStart(*[TransformFromCopy(m, total) for m in self.losses],
                                  lag_ratio=0.05), run_time=slot.share(0.18))
            self.until(slot, 0.92)
            self.play(FadeOut(losses), run_time=slot.share(0.06))
        self.total = total

    # -- backward -----------------------------------------------------------------------------
    def back_arrow(self, i: int) -> Arrow:
        """Red, from h_{i+1} back to h_i, under the forward arrow."""
        steps = self.net.steps
        drop = 0.3 * self.scale_factor
        start = steps[i + 1].h.get_left() + DOWN * drop
        end = steps[i].h.get_right() + DOWN * drop
        return Arrow(start, end, buff=0.04, color=GRADIENT, stroke_width=4,
                     max_tip_length_to_length_ratio=0.35, max_stroke_width_to_length_ratio=10)

    def local_gradient(self, step) -> ShowPassingFlash:
        """dL_t/dh_t joining at step t: a red flash from y_t down into h_t."""
        return ShowPassingFlash(Line(step.y.get_bottom(), step.h.get_top(), color=GRADIENT,
                                     stroke_width=7), time_width=0.8)

    def indicate_weights(self) -> AnimationGroup:
        """Every W_hh label at once, each in place (one group would spread off the frame)."""
        return AnimationGroup(*[Indicate(s.weight, color=theme.ACCENT, scale_factor=1.3)
                                for s in self.net.steps if s.weight is not None])

    def flow_back(self, first: int = 0) -> LaggedStart:
        """A red flash along every backward arrow, last step back to step `first`."""
        arrows = [self.back_arrow(i).set_stroke(width=8)
                  for i in range(first, self.trace.steps - 1)]
        return LaggedStart(*[ShowPassingFlash(a, time_width=0.8) for a in reversed(arrows)],
                           lag_ratio=0.4)

    def product_formula(self) -> MathTex:
        return tex(r"\frac{\partial L_T}{\partial h_t} = \prod_{s=t+1}^{T} \Big[\,",
                   r"W_{hh}^{\top}", r"\, \mathrm{diag}(", r"1 - h_s^2", r")\Big]\, "
                   r"\frac{\partial L_T}{\partial h_T}", size=30)

    def backward(self) -> None:
        t = self.trace
        steps = self.net.steps
        norms = self.value_row("grad_norms", 0, GRADIENT)
        header = self.row_header(tex(r"\|\partial L / \partial h_t\|", size=26,
                                     color=GRADIENT), 0)
        arrows = [self.back_arrow(i) for i in range(t.steps - 1)]
        with self.cue("backward") as slot:
            last = self.band(self.column(t.steps - 1), color=GRADIENT)
            self.play(FadeOut(self.total), FadeIn(header), FadeIn(last),
                      run_time=slot.share(0.06))
            self.play(self.local_gradient(steps[-1]), FadeIn(norms[-1], shift=DOWN * 0.2),
                      run_time=slot.share(0.1, 0.5))
            self.until(slot, 0.22)
            self.play(FadeOut(last), run_time=slot.share(0.04))
            share = 0.55 / (t.steps - 1)
            for i in range(t.steps - 2, -1, -1):
                path = Line(norms[i + 1].get_center(), norms[i].get_center())
                move = slot.share(share * 0.6, 0.3)
                self.play(GrowArrow(arrows[i]), carry(norms[i + 1], path, remover=True,
                                                      run_time=move),
                          self.local_gradient(steps[i]), run_time=move)
                self.play(FadeIn(norms[i]), run_time=slot.share(share * 0.4, 0.2))
            self.until(slot, 0.86)
            self.play(Indicate(norms[0], color=GRADIENT), Indicate(norms[-1], color=GRADIENT),
                      run_time=slot.share(0.1, 0.5))
        self.arrows = VGroup(*arrows)

        reach = self.value_row("full_contributions", 0, GRADIENT)
        reach_header = self.row_header(tex(r"\|\partial L_T / \partial h_t\|", size=26,
                                           color=GRADIENT), 0)
        product = self.product_formula()
        bounds = theme.formula(
            rf"\|W_{{hh}}\| = {self.ref('recurrent_scale').text} \qquad "
            rf"{self.ref('tanh_slope_min').text} \le 1 - h^2 \le 1",
            size=28, refs=[self.ref("recurrent_scale"), self.ref("tanh_slope_min")])
        below = Region("below", self.work.left, self.work.right, self.work.bottom,
                       self.row_y[1] + ROW_GAP / 2)
        below.fit(product)
        self.regions.footer.fit(bounds)
        with self.cue("jacobian") as slot:
            # The last loss alone: its gradient at every step, arriving from the right.
            self.play(FadeOut(norms, header), FadeIn(reach_header), run_time=slot.share(0.06))
            row = self.band(reach, reach_header, color=GRADIENT)
            self.play(FadeIn(row), self.flow_back(),
                      LaggedStart(*[FadeIn(m) for m in reversed(reach)], lag_ratio=0.4),
                      run_time=slot.share(0.15))
            self.play(FadeOut(row), run_time=slot.share(0.05))
            self.until(slot, 0.25)
            self.play(Write(product), run_time=slot.share(0.15))
            self.until(slot, 0.42)
            self.play(self.indicate_weights(), Indicate(product[1], color=theme.ACCENT),
                      run_time=slot.share(0.1, 1.0))
            self.play(LaggedStart(*[Indicate(s.h.box, color=theme.ACCENT, scale_factor=1.08)
                                    for s in reversed(steps)], lag_ratio=0.15),
                      Indicate(product[3], color=theme.ACCENT), run_time=slot.share(0.12, 1.0))
            self.until(slot, 0.62)
            self.play(FadeIn(bounds, shift=UP * 0.1), run_time=slot.share(0.1))
            # "the last loss's gradient at every step": each state tinted by how much arrives
            self.until(slot, 0.8)
            top = float(t.full_contributions.max()) or 1.0
            self.play(*[s.h.box.animate.set_fill(interpolate_color(
                theme.CELL_FILL, GRADIENT, 0.1 + 0.6 * float(c) / top))
                for s, c in zip(steps, t.full_contributions, strict=True)],
                Indicate(reach[0], color=GRADIENT, scale_factor=1.4),
                run_time=slot.share(0.12, 0.8))
        self.reach = VGroup(reach, reach_header)
        self.jacobian_parts = VGroup(product, bounds)

    # -- vanishing and exploding ----------------------------------------------------------------
    def plots(self) -> tuple[list[VGroup], list, list[VGroup]]:
        """Two log plots side by side on one scale: (title, axes), the bars with their values,
        and the dashed ceiling scale^(T-t) ||dL_T/dh_T|| no bar can pass."""
        t = self.trace
        bars_all = np.concatenate([t.vanishing_contributions, t.exploding_contributions,
                                   t.exploding_ceiling])  # the ceiling drawn must fit too
        low = math.floor(math.log10(bars_all.min()))
        # Headroom when the tallest bar nearly reaches a power of ten: the number above it must
        # stay clear of the axis caption.
        high = max(math.ceil(math.log10(bars_all.max() * 3)), low + 1)
        left, right = self.regions.body.columns(1, 1, gap=0.6)
        panels, bars, ceilings = [], [], []
        for region, name, color in ((left, "vanishing", theme.SECOND),
                                    (right, "exploding", theme.ACCENT)):
            title = self.label(name, theme.LABEL_SIZE, color)
            plot = Plot((0.5, t.steps + 0.5, 1), (low, high, 1), width=region.width,
                        height=region.height - title.height - 0.2,
                        x_caption=self.label("steps_axis", theme.CELL_TEXT_SIZE),
                        y_caption=tex(r"\|\partial L_T / \partial h_t\|", size=24,
                                      color=theme.MUTED),
                        x_ticks=list(range(1, t.steps + 1)), y_log=True)
            region.fit(VGroup(title, plot).arrange(DOWN, buff=0.2))
            bar = plot.bars(self.values.array(f"{name}_contributions"),
                            f"{name}_contributions", color=color, style="sci")
            for label in bar.labels:  # the dashed ceiling passes behind the numbers
                label.add_background_rectangle(theme.BACKGROUND, opacity=0.85, buff=0.03)
                label.set_z_index(1)
            bars.append(bar)
            xs = np.arange(1, t.steps + 1, dtype=float)
            ceiling = plot.curve(xs, self.values.array(f"{name}_ceiling"), theme.INK, 3.5)
            ceilings.append(DashedVMobject(ceiling, num_dashes=8 * t.steps).set_z_index(0.5))
            panels.append(VGroup(title, plot))
        return panels, bars, ceilings

    def grow_bars(self, bars, slot: CueSlot, fraction: float) -> None:
        """From the last step back to the first, as the gradient travels."""
        order = list(range(len(bars.rects) - 1, -1, -1))
        self.play(LaggedStart(*[AnimationGroup(GrowFromEdge(bars.rects[i], DOWN),
                                               FadeIn(bars.labels[i])) for i in order],
                              lag_ratio=0.5), run_time=slot.share(fraction))

    def contrast(self) -> None:
        t = self.trace
        panels, bars, ceilings = self.plots()
        with self.cue("vanishing") as slot:
            self.play(FadeOut(self.picture, self.arrows, self.reach, self.jacobian_parts),
                      run_time=slot.share(0.08))
            self.play(FadeIn(panels[0]), run_time=slot.share(0.1))
            for s in self.net.steps:  # the tint of the jacobian cue, undone out of sight
                s.h.box.set_fill(theme.CELL_FILL)
            self.until(slot, 0.2)
            self.grow_bars(bars[0], slot, 0.42)
            self.until(slot, 0.63)
            self.play(Indicate(bars[0].labels[0], color=theme.SECOND, scale_factor=1.4),
                      run_time=slot.share(0.08, 0.6))
            # "a factor no larger than the scale at every step": the dashed ceiling.
            self.until(slot, 0.74)
            self.play(Create(ceilings[0]), run_time=slot.share(0.12))
            self.until(slot, 0.86)
            self.play(theme.pulse(VGroup(panels[0], bars[0]), 1.04),
                      run_time=slot.share(0.08, 0.8))

        # The voice names the ceiling after the growth, or (no growth) before the result.
        ceiling_at, result_at = (0.55, 0.44) if t.exploding_grows else (0.32, 0.5)
        with self.cue("exploding") as slot:
            self.play(FadeIn(panels[1]), run_time=slot.share(0.08))
            self.until(slot, 0.1)
            self.grow_bars(bars[1], slot, 0.32 if t.exploding_grows else 0.2)
            for at in sorted((ceiling_at, result_at)):
                self.until(slot, at)
                if at == ceiling_at:
                    self.play(Create(ceilings[1]), run_time=slot.share(0.12))
                else:
                    self.play(Indicate(bars[1].labels[0], color=theme.ACCENT, scale_factor=1.4),
                              run_time=slot.share(0.08, 0.6))
            # "tanh saturates": the bars that fall short of the ceiling
            self.until(slot, 0.72)
            self.play(LaggedStart(*[theme.pulse(r, 1.08) for r in reversed(bars[1].rects)],
                                  lag_ratio=0.2), run_time=slot.share(0.15, 1.0))

        effects = [self.label("vanishing_effect", theme.BODY_SIZE, theme.SECOND),
                   self.label("exploding_effect" if t.exploding_grows else "saturated_effect",
                              theme.BODY_SIZE, theme.ACCENT)]
        for effect, half in zip(effects, self.regions.footer.columns(1, 1, gap=0.6),
                                strict=True):
            half.fit(effect)
        with self.cue("dependencies") as slot:
            # Each weight's gradient sums all the bars; the first ones are the long reach.
            self.play(*[LaggedStart(*[theme.pulse(r, 1.08) for r in b.rects], lag_ratio=0.2)
                        for b in bars], run_time=slot.share(0.15, 1.0))
            frames = VGroup(*[SurroundingRectangle(VGroup(b.rects[0], b.labels[0]), buff=0.08,
                                                   color=theme.INK) for b in bars])
            later = [VGroup(*b.rects[1:], *b.labels[1:]) for b in bars]
            for index, at in ((0, 0.18), (1, 0.45)):
                # the first step (framed) against the rest (dimmed): the long reach
                self.until(slot, at)
                self.play(Create(frames[index]), FadeIn(effects[index], shift=UP * 0.1),
                          later[index].animate.set_opacity(0.25), run_time=slot.share(0.1))
            self.until(slot, 0.7)
            self.play(FadeOut(ceilings[0], ceilings[1]), later[0].animate.set_opacity(1),
                      later[1].animate.set_opacity(1), run_time=slot.share(0.1))
            # "the LSTM was designed against the vanishing gradient": the left plot
            self.until(slot, 0.86)
            self.play(theme.pulse(VGroup(panels[0], bars[0]), 1.04),
                      run_time=slot.share(0.08, 0.8))
        self.contrast_parts = VGroup(*panels, *bars, frames, *effects)

    # -- truncation ---------------------------------------------------------------------------
    def truncation(self) -> None:
        t = self.trace
        steps = self.net.steps
        cut_at = t.steps - t.truncated_window  # 0-based index of the window's first step
        full = self.value_row("full_contributions", 0, GRADIENT)
        cut = self.value_row("truncated_contributions", 1, theme.ACCENT)
        headers = VGroup(
            self.row_header(self.label("full_row", theme.CELL_TEXT_SIZE, GRADIENT), 0),
            self.row_header(self.label("truncated_row", theme.CELL_TEXT_SIZE, theme.ACCENT), 1))
        line = self.net.cut_line(cut_at)
        top, bottom = self.losses.get_top()[1] + 0.05, self.row_y[2] - ROW_GAP / 2
        line.stretch_to_fit_height(top - bottom).move_to([line.get_x(), (top + bottom) / 2, 0])
        ignored = self.label("ignored", theme.CELL_TEXT_SIZE, theme.MUTED)
        window = self.label("window", theme.CELL_TEXT_SIZE, theme.ACCENT)
        for label, first, last in ((ignored, 0, cut_at - 1), (window, cut_at, t.steps - 1)):
            label.move_to([(steps[first].h.get_x() + steps[last].h.get_x()) / 2,
                           self.row_y[2], 0])
            if label.width > steps[last].h.get_right()[0] - steps[first].h.get_left()[0] + 0.6:
                label.scale_to_fit_width(steps[last].h.get_right()[0]
                                         - steps[first].h.get_left()[0] + 0.6)
        error = self.label("truncation_error", theme.BODY_SIZE)
        self.regions.footer.fit(error)
        before = VGroup(*[VGroup(*[m for m in (s.h, s.x, s.y, s.arrow_in, s.arrow_out,
                                               s.recurrent, s.weight) if m is not None],
                                 self.losses[i])
                          for i, s in enumerate(steps[:cut_at])], steps[cut_at].recurrent,
                        steps[cut_at].weight)
        kept = VGroup(*[s.h.box for s in steps[cut_at:]])
        with self.cue("truncation") as slot:
            self.play(FadeOut(self.contrast_parts), run_time=slot.share(0.06))
            self.play(FadeIn(self.picture), FadeIn(headers[0]), FadeIn(full),
                      run_time=slot.share(0.08))
            self.until(slot, 0.2)
            self.play(Create(line), run_time=slot.share(0.08))
            self.until(slot, 0.35)
            self.play(before.animate.set_opacity(0.3), FadeIn(ignored), FadeIn(window),
                      run_time=slot.share(0.1))
            self.until(slot, 0.55)
            row = self.band(cut, headers[1])
            self.play(FadeIn(row), FadeIn(headers[1]),
                      LaggedStart(*[FadeIn(m) for m in reversed(cut)], lag_ratio=0.3),
                      run_time=slot.share(0.2))
            self.until(slot, 0.9)
            self.play(FadeOut(row), run_time=slot.share(0.06))

        window_band = self.band(*[self.column(i) for i in range(cut_at, t.steps)])
        ignored_band = self.band(*[self.column(i) for i in range(cut_at)], color=theme.MUTED)
        with self.cue("tradeoff") as slot:
            # "only the last k states are kept"
            self.play(FadeIn(window_band), LaggedStart(
                *[Indicate(b, color=theme.ACCENT, scale_factor=1.1) for b in kept],
                lag_ratio=0.2), run_time=slot.share(0.15, 1.0))
            self.until(slot, 0.28)
            self.play(self.flow_back(cut_at), run_time=slot.share(0.12))
            self.play(FadeOut(window_band), run_time=slot.share(0.05))
            self.until(slot, 0.45)
            self.play(FadeIn(error, shift=UP * 0.1), run_time=slot.share(0.1))
            self.until(slot, 0.72)
            self.play(FadeIn(ignored_band), *[Indicate(m, color=GRADIENT, scale_factor=1.3)
                                              for m in full[:cut_at]],
                      Indicate(ignored, color=theme.INK), run_time=slot.share(0.12, 0.8))

        product = self.product_formula()
        self.regions.footer.fit(product)
        with self.cue("summary") as slot:
            self.play(FadeOut(error, ignored, window, ignored_band),
                      before.animate.set_opacity(1), run_time=slot.share(0.08))
            self.play(self.flow_back(), run_time=slot.share(0.18))
            self.until(slot, 0.3)
            self.play(Write(product), run_time=slot.share(0.15))
            recurrent = self.band(*[s.h for s in steps])
            self.until(slot, 0.48)
            self.play(self.indicate_weights(), FadeIn(recurrent), run_time=slot.share(0.1, 1.0))
            self.until(slot, 0.62)
            self.play(FadeOut(recurrent), run_time=slot.share(0.06))
            self.until(slot, 0.72)
            self.play(Indicate(line, color=theme.ACCENT, scale_factor=1.05),
                      before.animate.set_opacity(0.3), run_time=slot.share(0.12, 0.6))
            # "stability and less memory": the window it keeps
            self.until(slot, 0.88)
            self.play(FadeIn(window_band), run_time=slot.share(0.08))
