"""The backprop lesson: one example through a two-layer network and back again.

Forward, layer by layer with the numbers: one hidden neuron's weighted sum written out, the
activation on its curve, the outputs, the loss. Backward from the loss: every gradient appears
where it belongs (an orange tag on its neuron, a label on its edge, and the matrix it fills),
with the chain rule written out along one highlighted path input -> hidden -> output for one
weight of each layer; the activation's slope decides how much gradient passes. Then one SGD
step (the edges change), the loss before and after, and what the learning rate does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    DashedLine,
    Dot,
    FadeIn,
    FadeOut,
    Indicate,
    LaggedStart,
    Line,
    Mobject,
    MoveAlongPath,
    Rectangle,
    ReplacementTransform,
    RoundedRectangle,
    SurroundingRectangle,
    Text,
    TransformFromCopy,
    UpdateFromAlphaFunc,
    VGroup,
    Write,
)
from manim.utils.rate_functions import there_and_back

from engine import mlp
from engine.params import ParamError
from scenes import theme
from scenes.layout import Region
from scenes.narrated import CueSlot, NarratedScene
from scenes.shown import Ref, cell_ref
from scenes.widgets.arrows import carry
from scenes.widgets.axes import Plot
from scenes.widgets.matrix import LabelledMatrix
from scenes.widgets.network import NeuronLayers
from scenes.widgets.panels import signed

MAX_NEURONS = 6  # per layer: every neuron carries its value and a tag; more stop being readable
MAX_WRITTEN = 100  # values written in a neuron, a tag or on an edge: longer ones overflow
CAPTION_ROOM = 0.5  # above the neurons, for the layer captions
BELOW_ROOM = 0.4  # under them, for what the orange tags mean
TAG_SIZE = 19
TAG_WIDTH = 0.8  # room for a gradient tag right of its neuron
TARGET_WIDTH = 0.85
EDGE_AT = 0.5  # where along an edge its label sits: adjacent labels stay apart
GRAD = theme.ACCENT  # every gradient is orange
PATH = theme.SECOND  # the highlighted path input -> hidden -> output
GRAD_STYLE = "sci"  # a small gradient is 3.2e-4, never a misleading 0
RADIUS = {1: 0.4, 2: 0.4, 3: 0.4, 4: 0.4, 5: 0.34, 6: 0.3}  # by the largest layer
ACT_TEX = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\mathrm{ReLU}"}


def nice_ticks(lo: float, hi: float, count: int = 4) -> tuple[float, float, float]:
    """(lo, hi, step) widened to whole steps of 1, 2 or 5 times a power of ten."""
    raw = max(hi - lo, 1e-9) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    return math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step, step


class BackpropScene(NarratedScene):
    MODEL = mlp.LESSON
    CUES = ("intro", "forward_neuron", "activation", "forward_output", "loss", "grad_output",
            "grad_w2", "grad_hidden", "act_grad", "grad_w1", "chain", "sgd", "loss_after",
            "learning_rate", "summary")
    LABELS = ("title", "input", "hidden", "output", "target", "step_forward", "step_backward",
              "step_update", "weighted_sum", "act_x", "act_y", "loss", "grad_output",
              "backward", "update", "loss_before", "loss_after", "lr_x", "lr_y", "lr_start",
              "lr_this", "lr_best", "lr_overshoot", "slope_max")
    HANDOUT = ("loss", "loss_new", "grad_W2", "grad_W1", "lr_best", "lr_overshoot")
    EXAMPLES = (
        {"activation": "tanh", "lr": 0.8},
        {"activation": "relu", "input_size": 2, "hidden_size": 6, "output_size": 3, "seed": 3},
        {"x": [1, -2, 0.5], "target": [0.5, -1], "lr": 0.05},
    )

    # -- checks and layout (no animation) -----------------------------------------------------
    @classmethod
    def check_trace(cls, trace: mlp.BackpropTrace) -> None:
        for name in ("input_size", "hidden_size", "output_size"):
            size = getattr(trace, name)
            if size > MAX_NEURONS:
                raise ParamError(name, f"the scene draws every neuron with its value and its "
                                 f"gradient, so it allows 1 to {MAX_NEURONS} per layer, got {size}")
        if trace.lr_overshoot is None:
            raise ParamError("target", "the network already outputs this target exactly: every "
                             "gradient is zero and there is nothing to learn; give another target")
        written = [trace.x, trace.target, trace.a1, trace.y_hat, trace.grad_y_hat,
                   trace.grad_a1, trace.grad_z1, trace.grad_W1, trace.grad_W2, trace.a1_new,
                   trace.y_hat_new, trace.W1, trace.W2, trace.W2_new]
        biggest = max(float(np.abs(v).max()) for v in written)
        if biggest >= MAX_WRITTEN:
            raise ParamError("x", f"the scene writes every value inside a neuron or on an edge, "
                             f"which keeps them below {MAX_WRITTEN} in magnitude; this run reaches "
                             f"{biggest:.4g}: use a smaller x, target or lr")

    def layout(self) -> None:
        self.check_trace(self.trace)
        t, body = self.trace, self.regions.body
        # The footer too: the formulas live in the panel beside the network.
        area = Region("area", body.left, body.right, self.regions.footer.bottom, body.top)
        self.net_area, self.panel = area.columns(1.5, 1.0, gap=0.45)
        self.sizes = [t.input_size, t.hidden_size, t.output_size]
        most = max(self.sizes)
        self.radius = RADIUS[min(most, 6)]
        room = self.net_area.height - CAPTION_ROOM - BELOW_ROOM - 2 * self.radius
        self.neuron_gap = min(1.3, room / (most - 1)) if most > 1 else 1.3
        self.layer_gap = (self.net_area.width - 2 * self.radius - TAG_WIDTH - 0.3
                          - TARGET_WIDTH) / 2
        middle = (self.net_area.top - CAPTION_ROOM + self.net_area.bottom + BELOW_ROOM) / 2
        self.offset = np.array([self.net_area.left + self.radius + self.layer_gap, middle, 0])
        self.weight_scale = float(max(np.abs(t.W1).max(), np.abs(t.W2).max()))

        self.title = self.label("title", theme.TITLE_SIZE, theme.INK)
        self.regions.title.fit(self.title)
        captions = [self.label(key, theme.LABEL_SIZE, theme.INK)
                    for key in ("input", "hidden", "output")]
        self.net = self.network([t.x, t.a1, t.y_hat], ["x", "a1", "y_hat"],
                                [t.W1, t.W2], ["W1", "W2"], captions=captions)
        self.grad_net = self.network([None, None, None], [None, None, None],
                                     [t.grad_W1, t.grad_W2], ["grad_W1", "grad_W2"])
        self.new_net = self.network([t.x, t.a1_new, t.y_hat_new], ["x", "a1_new", "y_hat_new"],
                                    [t.W1_new, t.W2_new], ["W1_new", "W2_new"],
                                    weight_scale=self.weight_scale)
        self.targets = self.target_column()
        c = t.chain
        self.i, self.j, self.k = c.input, c.hidden, c.output

    def network(self, values: Sequence[np.ndarray | None], paths: Sequence[str | None],
                weights: Sequence[np.ndarray], weight_paths: Sequence[str],
                captions: Sequence[Text | None] = (),
                weight_scale: float | None = None) -> NeuronLayers:
        """Neuron layers with this scene's geometry: every network drawn here lines up."""
        net = NeuronLayers(self.sizes, values=values, value_paths=paths, weights=weights,
                           weight_paths=weight_paths, captions=captions,
                           layer_gap=self.layer_gap, neuron_gap=self.neuron_gap,
                           radius=self.radius, weight_scale=weight_scale,
                           text_size=21 if self.radius >= 0.4 else theme.CELL_TEXT_SIZE)
        return net.shift(self.offset)

    def target_column(self) -> VGroup:
        """The targets as boxes level with the outputs, captioned like a layer."""
        t, out = self.trace, self.net.neurons[2]
        x = out[0].get_x() + self.radius + TAG_WIDTH + 0.3 + TARGET_WIDTH / 2
        boxes = VGroup()
        for k, circle in enumerate(out):
            text = theme.bound("{}", [cell_ref("target", (k,), float(t.target[k]))],
                               theme.CELL_TEXT_SIZE, theme.SECOND)
            box = Rectangle(width=TARGET_WIDTH, height=2 * self.radius * 0.8,
                            stroke_color=theme.SECOND, stroke_width=2)
            boxes.add(VGroup(box, text.move_to(box)).move_to([x, circle.get_y(), 0]))
        caption = self.label("target", theme.LABEL_SIZE, theme.SECOND)
        caption.move_to([x, self.net.captions[2].get_y(), 0])
        return VGroup(caption, boxes)

    # -- small builders ---------------------------------------------------------------------
    def tag(self, path: str, layer: int, index: int) -> VGroup:
        """The gradient `path[index]` as an orange tag right of neuron `index` of `layer`."""
        value = float(self.values(f"{path}[{index}]"))
        text = theme.bound("{}", [cell_ref(path, (index,), value, GRAD_STYLE)], TAG_SIZE, GRAD)
        box = RoundedRectangle(corner_radius=0.06, width=text.width + 0.14,
                               height=text.height + 0.14, stroke_color=GRAD, stroke_width=1.5,
                               fill_color=theme.BACKGROUND, fill_opacity=0.95)
        tag = VGroup(box, text.move_to(box))
        tag.next_to(self.net.neurons[layer][index], RIGHT, buff=0.03)
        return tag.set_z_index(3)

    def tags(self, path: str, layer: int) -> list[VGroup]:
        return [self.tag(path, layer, i) for i in range(self.sizes[layer])]

    def edge_text(self, layer: int, row: int, col: int, path: str, style: str = "fmt",
                  color: theme.ManimColor = theme.INK) -> Text:
        """`path[row][col]` written on the edge `layer`/`row`/`col`, masking the lines under it."""
        value = float(self.values(f"{path}[{row}][{col}]"))
        text = theme.bound("{}", [cell_ref(path, (row, col), value, style)], TAG_SIZE, color)
        text.add_background_rectangle(theme.BACKGROUND, opacity=0.9, buff=0.04)
        edge = self.net.edges[layer][row][col]
        return text.move_to(edge.point_from_proportion(EDGE_AT)).set_z_index(2)

    def line(self, template: str, *refs: Ref, color: theme.ManimColor = theme.INK,
             size: float = 26) -> Text:
        return theme.bound(template, list(refs), size, color)

    def tex(self, tex: str, *refs: Ref, size: float = 32,
            color: theme.ManimColor = theme.INK) -> Mobject:
        return theme.formula(tex, size=size, color=color, refs=refs)

    def grad(self, path: str) -> Ref:
        return self.ref(path, GRAD_STYLE)

    def stack(self, *parts: Mobject, buff: float = 0.22, y: float = 1.0,
              region: Region | None = None) -> VGroup:
        """Parts one under another, left-aligned, fitted into the panel from its top."""
        group = VGroup(*parts).arrange(DOWN, buff=buff, aligned_edge=LEFT)
        (region or self.panel).fit(group, y=y)
        return group.align_to([0, (region or self.panel).top, 0], UP) if y == 1.0 else group

    def under_layer(self, tex: str, layer: int) -> Mobject:
        """What the tags of `layer` mean, under its lowest neuron."""
        mob = self.tex(tex, size=24, color=GRAD)
        return mob.next_to(self.net.neurons[layer][-1], DOWN, buff=0.12)

    def reverse(self, layer: int, row: int, col: int) -> Line:
        """Edge `layer`/`row`/`col` walked backward: from its right end to its left end."""
        edge = self.net.edges[layer][row][col]
        return Line(edge.get_end(), edge.get_start())

    def dim_edges(self, keep: Sequence[Line], opacity: float = 0.15) -> list:
        return [edge.animate.set_stroke(opacity=opacity if edge not in keep else 1.0)
                for edge in self.net.edge_group]

    def undim_edges(self) -> list:
        return [edge.animate.set_stroke(opacity=1.0) for edge in self.net.edge_group]

    def act_plot(self, height: float) -> Plot:
        t = self.trace
        z_lo, z_hi, z_step = nice_ticks(float(t.act_curve_z[0]), float(t.act_curve_z[-1]))
        a_lo, a_hi, a_step = nice_ticks(float(t.act_curve_a.min()), float(t.act_curve_a.max()),
                                        count=2)
        plot = Plot((z_lo, z_hi, z_step), (a_lo, a_hi, a_step), width=self.panel.width,
                    height=height, x_caption=self.label("act_x", theme.CELL_TEXT_SIZE),
                    y_caption=self.label("act_y", theme.CELL_TEXT_SIZE))
        plot.curve_line = plot.curve(t.act_curve_z, t.act_curve_a, color=theme.INK)
        plot.dots = VGroup(*[Dot(plot.c2p(z, a), radius=0.06, color=theme.MUTED)
                             for z, a in zip(t.z1, t.a1, strict=True)])
        plot.dots[self.j].set_color(PATH).scale(1.4)
        plot.add(plot.curve_line, plot.dots)
        return plot

    @staticmethod
    def tangent(plot: Plot, z: float, a: float, slope: float) -> Line:
        """The tangent to the activation at (z, a), kept inside the plot's box."""
        (x_lo, x_hi), (y_lo, y_hi) = plot.x_range[:2], plot.y_range[:2]
        reach = 0.2 * (x_hi - x_lo)
        left, right = max(z - reach, x_lo), min(z + reach, x_hi)
        if slope != 0:
            ends = sorted((z + (y_lo - a) / slope, z + (y_hi - a) / slope))
            left, right = max(left, ends[0]), min(right, ends[1])
        return Line(plot.c2p(left, a + slope * (left - z)),
                    plot.c2p(right, a + slope * (right - z)), color=GRAD, stroke_width=4)

    # -- the lesson ---------------------------------------------------------------------------
    def construct(self) -> None:
        self.layout()
        net = self.net
        self.add(self.title, *[c for c in net.captions if c is not None])
        self.intro()
        self.forward()
        self.backward_outputs()
        self.backward_hidden()
        self.backward_inputs()
        self.update()
        self.learning_rate()
        self.summary()

    def flash(self, k: int, color: theme.ManimColor) -> LaggedStart:
        """Layer k's circles light up in `color` and return (their values stay readable)."""
        return LaggedStart(*[c.animate(rate_func=there_and_back).set_stroke(color, 7)
                             for c in self.net.neurons[k]], lag_ratio=0.1)

    def edges_where(self, keep) -> VGroup:
        """The edges whose weight passes `keep` (a test on the weight's value)."""
        net = self.net
        return VGroup(*[net.edges[k][j][i] for k in range(2)
                        for j in range(self.sizes[k + 1]) for i in range(self.sizes[k])
                        if keep(net.weights[k][j, i])])

    def intro(self) -> None:
        net = self.net
        steps = VGroup(*[self.label(key, theme.BODY_SIZE + 2, color) for key, color in
                         (("step_forward", theme.INK), ("step_backward", GRAD),
                          ("step_update", PATH))]).arrange(DOWN, buff=0.5, aligned_edge=LEFT)
        self.panel.fit(steps)
        scale = self.weight_scale
        with self.cue("intro") as slot:
            # the network assembles itself: neurons first, layer by layer
            self.play(LaggedStart(*[FadeIn(VGroup(*net.neurons[k]), shift=DOWN * 0.3)
                                    for k in range(3)], lag_ratio=0.3),
                      run_time=slot.share(0.12))
            self.until(slot, 0.17)
            self.play(LaggedStart(*[FadeIn(v, scale=1.3) for v in net.values[0]],
                                  lag_ratio=0.2), self.flash(0, theme.INK),
                      run_time=slot.share(0.06))
            for k, at in ((1, 0.24), (2, 0.3)):
                self.until(slot, at)
                self.play(self.flash(k, theme.INK), run_time=slot.share(0.05, 0.6))
            self.until(slot, 0.35)
            # "each line is a weight": the connections, layer by layer
            self.play(LaggedStart(*[Create(e) for e in net.edge_group], lag_ratio=0.05),
                      run_time=slot.share(0.1))
            # red positive, blue negative, thick large
            for at, group in ((0.43, self.edges_where(lambda w: w > 0)),
                              (0.47, self.edges_where(lambda w: w < 0)),
                              (0.51, self.edges_where(lambda w: abs(w) > 0.6 * scale))):
                self.until(slot, at)
                self.play(group.animate(rate_func=there_and_back).set_stroke(width=9),
                          run_time=slot.share(0.04, 0.6))
            for line, at in zip(steps, (0.6, 0.72, 0.83), strict=True):
                self.until(slot, at)
                self.play(FadeIn(line, shift=RIGHT * 0.3), run_time=slot.share(0.06))
        self.steps = steps

    def forward(self) -> None:
        t, net = self.trace, self.net
        j = self.j
        hidden = net.neurons[1][j]
        weights = [self.edge_text(0, j, col, "W1") for col in range(t.input_size)]
        rows = [self.line("{} × {} = {}", self.ref(f"W1[{j}][{col}]"),
                          signed(self.ref(f"x[{col}]")), self.ref(f"chain.z1_products[{col}]"))
                for col in range(t.input_size)]
        bias = self.line("+ b = {}", self.ref(f"b1[{j}]"))
        total = self.line("z = {}", self.ref("chain.z1"), color=PATH)
        head = VGroup(self.label("weighted_sum", theme.LABEL_SIZE, PATH),
                      self.tex(rf"z_{{{j + 1}}} = \sum_i w_{{{j + 1}i}}\, x_i + b_{{{j + 1}}}"))
        head.arrange(DOWN, buff=0.15, aligned_edge=LEFT)
        table = VGroup(*rows, bias).arrange(DOWN, buff=0.14, aligned_edge=RIGHT)
        rule = Line(table.get_left(), table.get_right(), color=theme.MUTED, stroke_width=2)
        self.stack(head, table, rule, total, buff=0.15)
        rule.put_start_and_end_on([table.get_left()[0], rule.get_y(), 0],
                                  [table.get_right()[0], rule.get_y(), 0])
        total.align_to(table, RIGHT)
        with self.cue("forward_neuron") as slot:
            self.play(FadeOut(self.steps), hidden.animate.set_stroke(PATH, 5),
                      *self.dim_edges(net.edges[0][j]), run_time=slot.share(0.1))
            self.play(FadeIn(head), LaggedStart(*[FadeIn(w) for w in weights], lag_ratio=0.2),
                      run_time=slot.share(0.1))
            self.until(slot, 0.25)
            # each input travels along its edge and meets the weight written on it
            for col in range(t.input_size):
                self.play(carry(net.values[0][col], net.edges[0][j][col], remover=True,
                                run_time=slot.share(0.35 / t.input_size, 0.4)),
                          TransformFromCopy(VGroup(weights[col], net.values[0][col]), rows[col]),
                          run_time=slot.share(0.35 / t.input_size, 0.4))
            self.until(slot, 0.65)
            self.play(FadeIn(bias), Create(rule), run_time=slot.share(0.08))
            self.play(Write(total), run_time=slot.share(0.08))
            self.until(slot, 0.85)
            self.play(theme.pulse(hidden, 1.15), Indicate(total, color=PATH),
                      run_time=slot.share(0.1, 1.0))

        plot = self.act_plot(height=2.9)
        act = ACT_TEX[t.activation]
        z1, a1 = self.ref("chain.z1"), self.ref("chain.a1")
        readout = self.tex(rf"a = {act}(z) = {act}({z1.text}) = {a1.text}", z1, a1, color=PATH)
        group = self.stack(plot, readout, buff=0.3)
        readout.align_to(group, LEFT)
        others = [n for n in range(t.hidden_size) if n != j]
        z, a = float(t.z1[j]), float(t.a1[j])
        guides = VGroup(DashedLine(plot.c2p(z, plot.y_range[0]), plot.c2p(z, a)),
                        DashedLine(plot.c2p(z, a), plot.c2p(plot.x_range[0], a)))
        guides.set_stroke(PATH, 2)
        runner = Dot(plot.curve_line.get_start(), radius=0.09, color=PATH)
        straight = DashedLine(plot.curve_line.get_start(), plot.curve_line.get_end(),
                              color=theme.MUTED, stroke_width=3)
        with self.cue("activation") as slot:
            self.play(FadeOut(head, table, rule, total, *weights), run_time=slot.share(0.06))
            self.play(FadeIn(VGroup(plot.axes, plot.x_ticks, plot.y_ticks, plot.x_caption,
                                    plot.y_caption)), run_time=slot.share(0.06))
            self.until(slot, 0.1)
            # "it squeezes any number": a point runs along the curve as it is drawn
            self.play(Create(plot.curve_line), MoveAlongPath(runner, plot.curve_line.copy()),
                      run_time=slot.share(0.18))
            self.play(FadeOut(runner), run_time=slot.share(0.02))
            self.until(slot, 0.32)
            self.play(FadeIn(plot.dots[j], scale=2), Create(guides), Write(readout),
                      run_time=slot.share(0.1))
            self.play(TransformFromCopy(readout, net.values[1][j]),
                      hidden.animate(rate_func=there_and_back).set_fill(PATH, 1),
                      run_time=slot.share(0.08))
            self.until(slot, 0.52)
            # the other hidden neurons do the same with their own weights
            self.play(*self.undim_edges(), hidden.animate.set_stroke(theme.INK, 2),
                      FadeOut(guides),
                      LaggedStart(*[FadeIn(plot.dots[n], scale=2) for n in others],
                                  lag_ratio=0.3),
                      LaggedStart(*[FadeIn(net.values[1][n], scale=1.3) for n in others],
                                  lag_ratio=0.3), run_time=slot.share(0.14))
            self.until(slot, 0.7)
            # "the bend is what matters": a straight line against the curve
            self.play(Create(straight), run_time=slot.share(0.08))
            self.until(slot, 0.82)
            self.play(plot.curve_line.animate(rate_func=there_and_back).set_stroke(PATH, 8),
                      self.flash(1, PATH), run_time=slot.share(0.1, 1.0))
            self.play(FadeOut(straight), run_time=slot.share(0.04))
        self.plot, self.readout = plot, readout

        formula = self.tex(r"\hat y = W_2\, a + b_2", size=34)
        self.stack(formula)
        gaps = [Line(net.neurons[2][o].get_right(), self.targets[1][o].get_left(),
                     color=GRAD, stroke_width=5) for o in range(t.output_size)]
        with self.cue("forward_output") as slot:
            self.play(FadeOut(self.plot, self.readout), FadeIn(formula),
                      run_time=slot.share(0.08))
            # every hidden value travels along every edge into the outputs
            self.play(LaggedStart(*[carry(net.values[1][h], net.edges[1][o][h], remover=True)
                                    for o in range(t.output_size)
                                    for h in range(t.hidden_size)], lag_ratio=0.08),
                      run_time=slot.share(0.25))
            self.play(LaggedStart(*[FadeIn(v, scale=1.3) for v in net.values[2]],
                                  lag_ratio=0.2), self.flash(2, theme.INK),
                      run_time=slot.share(0.08))
            self.until(slot, 0.45)
            self.play(FadeIn(self.targets, shift=LEFT * 0.3), run_time=slot.share(0.1))
            self.until(slot, 0.6)
            pair = VGroup(net.neurons[2][self.k], self.targets[1][self.k])
            frame = SurroundingRectangle(pair, color=PATH, buff=0.08)
            self.play(Create(frame), run_time=slot.share(0.08))
            self.until(slot, 0.78)
            # "the gap between them": the error, output to target
            self.play(Create(gaps[self.k]), run_time=slot.share(0.08))

        errors = " + ".join("{}²" for _ in range(t.output_size))
        loss_lines = [
            self.tex(r"L = \tfrac{1}{2} \sum_k (\hat y_k - t_k)^2", size=34),
            self.line(f"= ½ × [{errors}]",
                      *[signed(self.ref(f"grad_y_hat[{o}]")) for o in range(t.output_size)],
                      size=26),
            self.line("= {}", self.ref("loss"), size=32, color=GRAD),
        ]
        # why the half: it cancels the two that the square brings down
        half = self.tex(r"\frac{\partial}{\partial \hat y}\,\tfrac{1}{2}(\hat y - t)^2"
                        r" = \hat y - t", size=30, color=theme.MUTED)
        # what stays of it while the gradients are worked out: the loss the gradient starts from
        self.loss_node = self.line("L = {}", self.ref("loss"), size=30, color=GRAD)
        self.panel.fit(self.loss_node, x=0.15, y=0.05)
        caption = self.label("loss", theme.LABEL_SIZE, GRAD)
        block = self.stack(caption, *loss_lines, half, buff=0.25)
        with self.cue("loss") as slot:
            self.play(FadeOut(formula, frame), FadeIn(caption),
                      Write(loss_lines[0]), run_time=slot.share(0.15))
            self.until(slot, 0.2)
            # the differences between output and target, squared and added up
            self.play(*[Create(gap) for o, gap in enumerate(gaps) if o != self.k],
                      FadeIn(loss_lines[1], shift=DOWN * 0.2), run_time=slot.share(0.15))
            self.until(slot, 0.42)
            self.play(Write(loss_lines[2]), *[gap.animate(rate_func=there_and_back)
                                              .set_stroke(width=10) for gap in gaps],
                      run_time=slot.share(0.1))
            self.play(theme.pulse(loss_lines[2], 1.2), run_time=slot.share(0.08, 1.0))
            self.until(slot, 0.72)
            self.play(FadeIn(half, shift=DOWN * 0.2), run_time=slot.share(0.1))
        self.loss_block, self.gaps = block, VGroup(*gaps)

    def backward_outputs(self) -> None:
        t, net = self.trace, self.net
        k, j = self.k, self.j
        out_tags = self.tags("grad_y_hat", 2)
        meaning = self.under_layer(r"\partial L / \partial \hat y", 2)
        rule = self.tex(r"\frac{\partial L}{\partial \hat y_k} = \hat y_k - t_k", size=32)
        worked = self.line("{} − {} = {}", self.ref("chain.y_hat"),
                           signed(self.ref("chain.target")), self.grad("chain.grad_y_hat"),
                           color=GRAD)
        caption = self.label("grad_output", theme.LABEL_SIZE, GRAD)
        self.stack(caption, rule, worked)
        with self.cue("grad_output") as slot:
            self.play(FadeOut(*self.loss_block[:3], self.loss_block[4]),
                      ReplacementTransform(self.loss_block[3], self.loss_node),
                      FadeIn(caption), run_time=slot.share(0.1))
            self.play(Write(rule), run_time=slot.share(0.12))
            self.until(slot, 0.3)
            # the gradient starts at the loss and lands on each output
            self.play(LaggedStart(*[TransformFromCopy(self.loss_node, tag)
                                    for tag in out_tags], lag_ratio=0.25),
                      FadeOut(self.gaps), FadeIn(meaning), run_time=slot.share(0.15))
            self.until(slot, 0.5)
            self.play(FadeIn(worked, shift=DOWN * 0.2), Indicate(out_tags[k], color=GRAD),
                      run_time=slot.share(0.12))
            self.until(slot, 0.68)
            # positive: the output is too large (red), negative: too small (blue)
            self.play(*[net.neurons[2][o].animate.set_fill(theme.heat(g, abs(g)))
                        for o, g in enumerate(t.grad_y_hat)], run_time=slot.share(0.1))
            self.until(slot, 0.85)
            self.play(LaggedStart(*[theme.pulse(tag, 1.25) for tag in out_tags],
                                  lag_ratio=0.2), run_time=slot.share(0.1, 1.0))
        self.out_tags, self.out_meaning = out_tags, meaning
        panel = VGroup(caption, rule, worked, self.loss_node)
        untint = [c.animate.set_fill(theme.CELL_FILL) for c in net.neurons[2]]

        # dL/dW2[k][j] = dL/dy_hat_k * a1_j, then every W2 edge's gradient, row by row
        rule = self.tex(rf"\frac{{\partial L}}{{\partial w^{{(2)}}_{{{k + 1}{j + 1}}}}} = "
                        rf"\frac{{\partial L}}{{\partial \hat y_{{{k + 1}}}}}\cdot a_{{{j + 1}}}",
                        size=32)
        worked = self.line("= {} × {} = {}", self.grad("chain.grad_y_hat"),
                           signed(self.ref("chain.a1")), self.grad("chain.grad_w2"),
                           color=GRAD)
        named, matrix, shell = self.grad_matrix("grad_W2", r"\frac{\partial L}{\partial W_2}")
        block = self.stack(rule, worked, named, buff=0.3)
        edge = net.edges[1][k][j]
        with self.cue("grad_w2") as slot:
            self.play(FadeOut(panel), *self.dim_edges([edge]), *untint,
                      run_time=slot.share(0.1))
            self.play(Write(rule), run_time=slot.share(0.12))
            self.until(slot, 0.2)
            # the output's gradient walks back along the edge and meets the value at its start
            self.play(carry(out_tags[k][1], self.reverse(1, k, j), remover=True,
                            run_time=slot.share(0.12)),
                      Indicate(net.values[1][j], color=PATH, scale_factor=1.3),
                      run_time=slot.share(0.12))
            self.play(FadeIn(worked, shift=DOWN * 0.2), run_time=slot.share(0.08))
            self.until(slot, 0.5)
            self.play(FadeIn(shell), run_time=slot.share(0.05))
            self.fill_rows(1, "grad_W2", matrix, slot, 0.42)
        self.w2_block = block

    def grad_matrix(self, path: str, name_tex: str) -> tuple[VGroup, LabelledMatrix, VGroup]:
        """`name = [matrix]` for a weight gradient; the name goes above a matrix too wide to
        have it beside. Returns the whole, the matrix, and what shows before its entries."""
        matrix = LabelledMatrix(self.values.array(path), path, style=GRAD_STYLE, size=TAG_SIZE,
                                color=GRAD)
        name = VGroup(self.tex(name_tex, size=28),
                      theme.text("=", 26, theme.MUTED)).arrange(RIGHT, buff=0.12)
        if name.width + 0.15 + matrix.width <= self.panel.width:
            name.next_to(matrix, LEFT, buff=0.15)
        else:
            name.next_to(matrix, UP, buff=0.15).align_to(matrix, LEFT)
        return VGroup(name, matrix), matrix, VGroup(name, matrix.left_bracket,
                                                    matrix.right_bracket)

    def fill_rows(self, layer: int, path: str, matrix: LabelledMatrix, slot: CueSlot,
                  share: float) -> None:
        """Each row of a weight gradient: its edges turn to the gradient's colors and widths,
        their labels appear on them, then move into the matrix row; the edges return."""
        rows = len(self.net.edges[layer])
        step = slot.seconds * share / rows
        for row in range(rows):
            edges = self.net.edges[layer][row]
            overlay = VGroup(*[g.copy().set_z_index(1) for g in self.grad_net.edges[layer][row]])
            labels = [self.edge_text(layer, row, col, path, GRAD_STYLE, GRAD)
                      for col in range(len(edges))]
            self.play(*[e.animate.set_stroke(opacity=0.15) for e in edges], FadeIn(overlay),
                      *[FadeIn(label) for label in labels], run_time=max(step * 0.4, 1 / 15))
            self.play(*[TransformFromCopy(label, matrix.entries[row][col])
                        for col, label in enumerate(labels)], run_time=max(step * 0.35, 1 / 15))
            self.play(FadeOut(overlay, *labels), *[e.animate.set_stroke(opacity=1)
                                                  for e in edges],
                      run_time=max(step * 0.25, 1 / 15))

    def backward_hidden(self) -> None:
        t, net = self.trace, self.net
        j = self.j
        weights = [self.edge_text(1, o, j, "W2") for o in range(t.output_size)]
        rule = self.tex(rf"\frac{{\partial L}}{{\partial a_{{{j + 1}}}}} = \sum_k w^{{(2)}}_{{k"
                        rf"{j + 1}}}\, \frac{{\partial L}}{{\partial \hat y_k}}", size=32)
        rows = [self.line("{} × {} = {}", self.ref(f"W2[{o}][{j}]"),
                          signed(self.grad(f"grad_y_hat[{o}]")),
                          self.grad(f"chain.grad_a1_products[{o}]"))
                for o in range(t.output_size)]
        table = VGroup(*rows).arrange(DOWN, buff=0.14, aligned_edge=RIGHT)
        total = self.line("∂L/∂a = {}", self.grad("chain.grad_a1"), color=GRAD)
        rule_line = Line(LEFT, RIGHT, color=theme.MUTED, stroke_width=2)
        self.stack(rule, table, rule_line, total, buff=0.18)
        rule_line.put_start_and_end_on([table.get_left()[0], rule_line.get_y(), 0],
                                       [table.get_right()[0], rule_line.get_y(), 0])
        total.align_to(table, RIGHT)
        hidden_tags = self.tags("grad_a1", 1)
        meaning = self.under_layer(r"\partial L / \partial a", 1)
        into_j = [net.edges[1][o][j] for o in range(t.output_size)]
        others = [n for n in range(t.hidden_size) if n != j]
        with self.cue("grad_hidden") as slot:
            self.play(FadeOut(self.w2_block), *self.dim_edges(into_j),
                      net.neurons[1][j].animate.set_stroke(PATH, 5), run_time=slot.share(0.1))
            self.play(Write(rule), LaggedStart(*[FadeIn(w) for w in weights], lag_ratio=0.2),
                      run_time=slot.share(0.12))
            self.until(slot, 0.28)
            # every output sends its gradient back along its edge, times the edge's weight
            for o in range(t.output_size):
                share = 0.3 / t.output_size
                self.play(carry(self.out_tags[o][1], self.reverse(1, o, j), remover=True,
                                run_time=slot.share(share, 0.4)),
                          TransformFromCopy(VGroup(weights[o], self.out_tags[o][1]), rows[o]),
                          run_time=slot.share(share, 0.4))
            self.play(Create(rule_line), Write(total), run_time=slot.share(0.08))
            self.play(TransformFromCopy(total, hidden_tags[j]), FadeIn(meaning),
                      run_time=slot.share(0.08))
            self.until(slot, 0.75)
            # the same for every hidden neuron, reusing the output gradients
            self.play(FadeOut(*weights), *self.undim_edges(),
                      net.neurons[1][j].animate.set_stroke(theme.INK, 2),
                      LaggedStart(*[carry(self.out_tags[o][1], self.reverse(1, o, h),
                                          remover=True)
                                    for h in others for o in range(t.output_size)],
                                  lag_ratio=0.1), run_time=slot.share(0.15))
            self.play(LaggedStart(*[FadeIn(hidden_tags[h], scale=1.3) for h in others],
                                  lag_ratio=0.2), run_time=slot.share(0.08))
        self.hidden_tags, self.hidden_meaning = hidden_tags, meaning
        self.hidden_block = VGroup(rule, table, rule_line, total)

    def slope_lines(self) -> list[Mobject]:
        """act'(z) at the path's neuron, with its numbers, for this activation."""
        t = self.trace
        a, s, z = self.ref("chain.a1"), self.grad("chain.act_grad"), self.ref("chain.z1")
        if t.activation == "sigmoid":
            return [self.tex(r"\sigma'(z) = a\,(1 - a)", size=30),
                    self.tex(rf"= {a.text} \times (1 - {a.text}) = {s.text}", a, s, size=30)]
        if t.activation == "tanh":
            return [self.tex(r"\tanh'(z) = 1 - a^2", size=30),
                    self.tex(rf"= 1 - {signed(a).text}^2 = {s.text}", a, s, size=30)]
        sign = ">" if t.chain.z1 > 0 else r"\le"
        return [self.tex(r"\mathrm{ReLU}'(z) = \begin{cases} 1 & z > 0 \\ 0 & z \le 0"
                         r"\end{cases}", size=30),
                self.tex(rf"z = {z.text} {sign} 0 \;\Rightarrow\; {s.text}", z, s, size=30)]

    def backward_inputs(self) -> None:
        t, net = self.trace, self.net
        i, j = self.i, self.j
        plot = self.act_plot(height=2.6)
        slope = self.slope_lines()
        chain_line = self.line("∂L/∂z = {} × {} = {}", self.grad("chain.grad_a1"),
                               signed(self.grad("chain.act_grad")), self.grad("chain.grad_z1"),
                               color=GRAD)
        self.stack(plot, *slope, chain_line, buff=0.16)
        z, a, s = t.chain.z1, t.chain.a1, t.chain.act_grad
        tangent = self.tangent(plot, z, a, s)
        points = len(t.act_curve_z)

        def ride(line: Line, alpha: float) -> None:
            """The tangent slides along the whole curve: its slope is the derivative there."""
            n = min(int(alpha * points), points - 1)
            line.become(self.tangent(plot, t.act_curve_z[n], t.act_curve_a[n],
                                     t.act_curve_grad[n]))

        slope_curve = plot.curve(t.act_curve_z, t.act_curve_grad, color=GRAD, stroke_width=3)
        peak = DashedLine(plot.c2p(plot.x_range[0], t.act_grad_max),
                          plot.c2p(plot.x_range[1], t.act_grad_max), color=GRAD, stroke_width=2)
        peak_label = self.label("slope_max", theme.CELL_TEXT_SIZE, GRAD)
        peak_label.next_to(peak.get_end(), UP + LEFT, buff=0.06)
        z_tags = self.tags("grad_z1", 1)
        z_meaning = self.under_layer(r"\partial L / \partial z", 1)
        with self.cue("act_grad") as slot:
            self.play(FadeOut(self.hidden_block), FadeIn(plot), run_time=slot.share(0.1))
            self.until(slot, 0.14)
            # the slope of the curve, everywhere, then at this neuron's z
            rider = self.tangent(plot, t.act_curve_z[0], t.act_curve_a[0], t.act_curve_grad[0])
            self.play(UpdateFromAlphaFunc(rider, ride), run_time=slot.share(0.15))
            self.play(ReplacementTransform(rider, tangent),
                      Indicate(plot.dots[j], color=GRAD, scale_factor=1.8),
                      run_time=slot.share(0.05))
            self.until(slot, 0.34)
            self.play(Write(slope[0]), run_time=slot.share(0.06))
            self.play(FadeIn(slope[1], shift=DOWN * 0.2), run_time=slot.share(0.06))
            self.until(slot, 0.48)
            self.play(FadeIn(chain_line, shift=DOWN * 0.2), run_time=slot.share(0.06))
            # crossing the activation multiplies every hidden gradient by its slope
            self.play(*[ReplacementTransform(old, new) for old, new in
                        zip(self.hidden_tags, z_tags, strict=True)],
                      ReplacementTransform(self.hidden_meaning, z_meaning),
                      run_time=slot.share(0.08))
            self.until(slot, 0.62)
            # the derivative as a curve of its own, and the most it can ever be
            self.play(Create(slope_curve), run_time=slot.share(0.12))
            self.play(Create(peak), FadeIn(peak_label), run_time=slot.share(0.06))
            self.until(slot, 0.85)
            self.play(LaggedStart(*[theme.pulse(tag, 1.25) for tag in z_tags], lag_ratio=0.2),
                      slope_curve.animate(rate_func=there_and_back).set_stroke(width=8),
                      run_time=slot.share(0.1, 1.0))
        self.hidden_tags, self.hidden_meaning = z_tags, z_meaning
        self.slope_block = VGroup(plot, tangent, *slope, chain_line, slope_curve, peak,
                                  peak_label)

        rule = self.tex(rf"\frac{{\partial L}}{{\partial w^{{(1)}}_{{{j + 1}{i + 1}}}}} = "
                        rf"\frac{{\partial L}}{{\partial a_{{{j + 1}}}}}\cdot "
                        rf"{ACT_TEX[t.activation]}'(z_{{{j + 1}}})\cdot x_{{{i + 1}}}", size=30)
        worked = self.line("= {} × {} × {} = {}", self.grad("chain.grad_a1"),
                           signed(self.grad("chain.act_grad")), signed(self.ref("chain.x")),
                           self.grad("chain.grad_w1"), color=GRAD)
        named, matrix, shell = self.grad_matrix("grad_W1", r"\frac{\partial L}{\partial W_1}")
        block = self.stack(rule, worked, named, buff=0.3)
        edge = net.edges[0][j][i]
        with self.cue("grad_w1") as slot:
            self.play(FadeOut(self.slope_block), *self.dim_edges([edge]),
                      run_time=slot.share(0.1))
            self.play(Write(rule), run_time=slot.share(0.12))
            self.until(slot, 0.25)
            # from the tag on the hidden neuron back along the edge to the input
            self.play(carry(self.hidden_tags[j][1], self.reverse(0, j, i), remover=True,
                            run_time=slot.share(0.12)),
                      Indicate(net.values[0][i], color=PATH, scale_factor=1.3),
                      run_time=slot.share(0.12))
            self.play(FadeIn(worked, shift=DOWN * 0.2), run_time=slot.share(0.08))
            self.until(slot, 0.55)
            self.play(*self.undim_edges(), FadeIn(shell), run_time=slot.share(0.05))
            self.fill_rows(0, "grad_W1", matrix, slot, 0.36)
        self.w1_block = block

        lines = [self.tex(r"\frac{\partial L}{\partial \hat y} = \hat y - t", size=28),
                 self.tex(r"\frac{\partial L}{\partial W_2} = \frac{\partial L}{\partial \hat y}"
                          r"\, a^{\top}", size=28),
                 self.tex(r"\frac{\partial L}{\partial a} = W_2^{\top}\, "
                          r"\frac{\partial L}{\partial \hat y}", size=28),
                 self.tex(rf"\frac{{\partial L}}{{\partial z}} = \frac{{\partial L}}{{\partial a}}"
                          rf"\odot {ACT_TEX[t.activation]}'(z)", size=28),
                 self.tex(r"\frac{\partial L}{\partial W_1} = \frac{\partial L}{\partial z}\, "
                          r"x^{\top}, \quad \frac{\partial L}{\partial b_1} = "
                          r"\frac{\partial L}{\partial z}", size=28)]
        caption = self.label("backward", theme.LABEL_SIZE, GRAD)
        recipe = self.stack(caption, *lines, buff=0.16)
        sweep_back = LaggedStart(*[carry(self.out_tags[o][1], self.reverse(1, o, h),
                                         remover=True)
                                   for h in range(t.hidden_size) for o in range(t.output_size)],
                                 lag_ratio=0.05)
        edges2 = VGroup(*[e for row in net.edges[1] for e in row])
        edges1 = VGroup(*[e for row in net.edges[0] for e in row])
        # each line of the recipe with what it does on the network, right to left
        beats = [LaggedStart(*[theme.pulse(tag, 1.25) for tag in self.out_tags], lag_ratio=0.15),
                 Indicate(edges2, color=GRAD, scale_factor=1.0), sweep_back,
                 LaggedStart(*[theme.pulse(tag, 1.25) for tag in self.hidden_tags],
                             lag_ratio=0.15),
                 Indicate(edges1, color=GRAD, scale_factor=1.0)]
        with self.cue("chain") as slot:
            self.play(FadeOut(self.w1_block), FadeIn(caption), run_time=slot.share(0.08))
            for index, (line, beat) in enumerate(zip(lines, beats, strict=True)):
                self.until(slot, 0.1 + 0.13 * index)
                self.play(FadeIn(line, shift=DOWN * 0.15), beat, run_time=slot.share(0.1))
            self.until(slot, 0.8)
            # each layer's gradient is computed once and handed on: the reuse
            self.play(Indicate(lines[2], color=GRAD), Indicate(lines[4], color=GRAD),
                      run_time=slot.share(0.12, 1.0))
        self.recipe = recipe

    def update(self) -> None:
        t, net, new = self.trace, self.net, self.new_net
        k, j = self.k, self.j
        rule = self.tex(r"w \leftarrow w - \eta\, \frac{\partial L}{\partial w}", size=34)
        worked = self.line("{} − {} × {} = {}", self.ref("chain.w2"), self.ref("lr"),
                           signed(self.grad("chain.grad_w2")), self.ref("chain.w2_new"),
                           color=PATH)
        caption = self.label("update", theme.LABEL_SIZE, PATH)
        block = self.stack(caption, rule, worked, buff=0.3)
        old_label = self.edge_text(1, k, j, "W2", color=PATH)
        new_label = self.edge_text(1, k, j, "W2_new", color=PATH)
        edge = net.edges[1][k][j]
        tags = VGroup(*self.out_tags, *self.hidden_tags, self.out_meaning, self.hidden_meaning)
        with self.cue("sgd") as slot:
            self.play(FadeOut(self.recipe), FadeOut(tags), FadeIn(caption),
                      run_time=slot.share(0.1))
            self.play(Write(rule), run_time=slot.share(0.12))
            self.until(slot, 0.28)
            # "the gradient points uphill": every edge shows its gradient for a moment
            overlay = VGroup(*[e.copy() for e in self.grad_net.edge_group]).set_z_index(1)
            self.play(*self.dim_edges([]), FadeIn(overlay), run_time=slot.share(0.08))
            self.until(slot, 0.45)
            self.play(FadeOut(overlay), edge.animate.set_stroke(opacity=1), FadeIn(old_label),
                      run_time=slot.share(0.06))
            self.play(TransformFromCopy(old_label, worked), run_time=slot.share(0.08))
            self.until(slot, 0.62)
            self.play(ReplacementTransform(old_label, new_label), run_time=slot.share(0.08))
            self.until(slot, 0.74)
            # every weight takes its step at once: the edges change width and color
            self.play(*self.undim_edges(), FadeOut(new_label), run_time=slot.share(0.05))
            self.play(*[ReplacementTransform(old, fresh) for old, fresh in
                        zip(net.edge_group, new.edge_group, strict=True)],
                      run_time=slot.share(0.15))
        self.update_block = block

        before = self.loss_bar("loss", "loss_before", theme.MUTED)
        after = self.loss_bar("loss_new", "loss_after", GRAD)
        bars = VGroup(before, after).arrange(RIGHT, buff=0.8, aligned_edge=DOWN)
        self.panel.fit(bars, y=0.45)
        with self.cue("loss_after") as slot:
            self.play(FadeOut(block), run_time=slot.share(0.08))
            # the same input through the stepped network
            self.play(LaggedStart(*[carry(net.values[0][i], new.edges[0][h][i], remover=True)
                                    for h in range(t.hidden_size)
                                    for i in range(t.input_size)], lag_ratio=0.05),
                      run_time=slot.share(0.15))
            self.play(*[ReplacementTransform(net.values[1][h], new.values[1][h])
                        for h in range(t.hidden_size)], run_time=slot.share(0.08))
            self.play(LaggedStart(*[carry(new.values[1][h], new.edges[1][o][h], remover=True)
                                    for o in range(t.output_size)
                                    for h in range(t.hidden_size)], lag_ratio=0.05),
                      run_time=slot.share(0.15))
            self.play(*[ReplacementTransform(net.values[2][o], new.values[2][o])
                        for o in range(t.output_size)], run_time=slot.share(0.08))
            self.until(slot, 0.55)
            self.play(FadeIn(before, shift=UP * 0.2), run_time=slot.share(0.1))
            self.play(FadeIn(after, shift=UP * 0.2), run_time=slot.share(0.1))
            self.until(slot, 0.85)
            self.play(theme.pulse(after, 1.1), run_time=slot.share(0.1, 1.0))
        self.bars = bars

    def loss_bar(self, path: str, key: str, color: theme.ManimColor) -> VGroup:
        """A bar as tall as the loss at `path` (the larger of the two losses is 2 units)."""
        t = self.trace
        top = max(t.loss, t.loss_new)
        height = max(2.0 * float(self.values(path)) / top, 0.03)
        bar = Rectangle(width=1.0, height=height, stroke_width=0, fill_color=color,
                        fill_opacity=0.85)
        value = self.line("{}", self.ref(path), color=color).next_to(bar, UP, buff=0.1)
        caption = self.label(key, theme.CELL_TEXT_SIZE, color).next_to(bar, DOWN, buff=0.12)
        return VGroup(bar, value, caption)

    def learning_rate(self) -> None:
        t = self.trace
        lrs, losses = t.lr_curve_lr, t.lr_curve_loss
        x_lo, x_hi, x_step = nice_ticks(0.0, float(lrs[-1]))
        # Up to half again the starting loss, or this run's step if it overshot (not beyond 4x).
        top = min(max(1.5 * t.loss, 1.15 * t.loss_new), 4 * t.loss)
        y_lo, y_hi, y_step = nice_ticks(0.0, top, count=3)
        # Under the plot, a legend: what each mark means, with this run's numbers.
        this_dot = Dot(radius=0.1, color=PATH).set_stroke(theme.INK, 2)
        best_dot = Dot(radius=0.1, color=GRAD).set_stroke(theme.INK, 2)
        over_mark = DashedLine(UP * 0.18, DOWN * 0.18, color=theme.POSITIVE, stroke_width=3)
        legend = VGroup(*[VGroup(mark, self.label(key, theme.CELL_TEXT_SIZE + 2, color))
                          .arrange(RIGHT, buff=0.2)
                          for mark, key, color in ((this_dot, "lr_this", PATH),
                                                   (best_dot, "lr_best", GRAD),
                                                   (over_mark, "lr_overshoot", theme.POSITIVE))])
        legend.arrange(DOWN, buff=0.18, aligned_edge=LEFT)
        plot = Plot((x_lo, x_hi, x_step), (y_lo, y_hi, y_step), width=self.panel.width,
                    height=self.panel.height - legend.height - 0.35,
                    x_caption=self.label("lr_x", theme.CELL_TEXT_SIZE),
                    y_caption=self.label("lr_y", theme.CELL_TEXT_SIZE))
        self.stack(plot, legend, buff=0.3)
        # The curve until it leaves the top of the plot (a large step can make the loss huge).
        above = np.nonzero(losses > y_hi)[0]
        end = int(above[0]) + 1 if len(above) else len(lrs)
        curve = plot.curve(lrs[:end], np.minimum(losses[:end], y_hi), color=theme.INK)
        start = DashedLine(plot.c2p(x_lo, t.loss), plot.c2p(x_hi, t.loss), color=theme.MUTED,
                           stroke_width=2)
        start_label = self.label("lr_start", theme.CELL_TEXT_SIZE)
        start_label.next_to(plot.c2p(t.lr_best, t.loss), UP, buff=0.08)
        self.panel.clamp(start_label)
        this = plot.marker(t.lr, min(t.loss_new, y_hi), PATH)
        best = plot.marker(t.lr_best, t.loss_best, GRAD)
        over = DashedLine(plot.c2p(t.lr_overshoot, y_lo), plot.c2p(t.lr_overshoot, y_hi),
                          color=theme.POSITIVE, stroke_width=3)
        too_far = Rectangle(width=max(plot.c2p(x_hi, 0)[0] - over.get_x(), 0.01),
                            height=over.height, stroke_width=0, fill_color=theme.POSITIVE,
                            fill_opacity=0.15)
        too_far.align_to(over, LEFT + DOWN)
        runner = Dot(curve.get_start(), radius=0.08, color=theme.INK)
        with self.cue("learning_rate") as slot:
            self.play(FadeOut(self.bars), FadeIn(plot), run_time=slot.share(0.08))
            self.until(slot, 0.12)
            # the loss after one step, as the step grows from nothing
            self.play(Create(curve), MoveAlongPath(runner, curve.copy()),
                      run_time=slot.share(0.16))
            self.play(FadeOut(runner), Create(start), FadeIn(start_label),
                      run_time=slot.share(0.05))
            self.until(slot, 0.4)
            self.play(FadeIn(this, scale=2), FadeIn(legend[0], shift=UP * 0.2),
                      run_time=slot.share(0.06))
            self.until(slot, 0.52)
            self.play(FadeIn(best, scale=2), FadeIn(legend[1], shift=UP * 0.2),
                      run_time=slot.share(0.06))
            self.until(slot, 0.64)
            self.play(Create(over), FadeIn(too_far), FadeIn(legend[2], shift=UP * 0.2),
                      run_time=slot.share(0.08))
            self.until(slot, 0.8)
            self.play(Indicate(this, color=PATH, scale_factor=1.8), run_time=slot.share(0.06))
            self.play(too_far.animate(rate_func=there_and_back).set_fill(opacity=0.5),
                      run_time=slot.share(0.08, 1.0))
        self.lr_plot = VGroup(plot, curve, start, start_label, this, best, over, too_far,
                              legend)

    def summary(self) -> None:
        steps = self.steps
        self.panel.fit(steps)
        with self.cue("summary") as slot:
            self.play(FadeOut(self.lr_plot), run_time=slot.share(0.08))
            self.play(FadeIn(steps[0], shift=RIGHT * 0.3), run_time=slot.share(0.06))
            self.play(LaggedStart(*[self.flash(k, theme.INK) for k in range(3)], lag_ratio=0.5),
                      run_time=slot.share(0.18, 1.0))
            self.until(slot, 0.35)
            self.play(FadeIn(steps[1], shift=RIGHT * 0.3), run_time=slot.share(0.06))
            self.play(LaggedStart(*[self.flash(k, GRAD) for k in (2, 1, 0)], lag_ratio=0.5),
                      run_time=slot.share(0.18, 1.0))
            self.until(slot, 0.7)
            self.play(FadeIn(steps[2], shift=RIGHT * 0.3), run_time=slot.share(0.06))
            self.play(Indicate(self.new_net.edge_group, color=PATH, scale_factor=1.0),
                      run_time=slot.share(0.12, 1.0))
