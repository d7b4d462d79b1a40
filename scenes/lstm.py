"""The LSTM lesson: one cell drawn with its gates and their values at one step, the cell update
worked out with that step's numbers, then the last loss's gradient reaching back along the vanilla
RNN's hidden state and along the LSTM's cell state (same data, seed, sizes and scales), as bars
on one log scale, side by side."""

from __future__ import annotations

import math

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Animation,
    AnimationGroup,
    Arrow,
    Circle,
    Create,
    DashedLine,
    Dot,
    FadeIn,
    FadeOut,
    GrowFromEdge,
    Indicate,
    LaggedStart,
    Line,
    MathTex,
    MoveAlongPath,
    RoundedRectangle,
    ShowPassingFlash,
    SurroundingRectangle,
    Text,
    TransformFromCopy,
    VGroup,
    VMobject,
    Wait,
    Write,
)
from manim.utils.rate_functions import there_and_back

from engine import lstm
from engine.params import ParamError
from scenes import theme
from scenes.layout import Region
from scenes.narrated import CueSlot, NarratedScene
from scenes.shown import Ref, cell_ref
from scenes.widgets.axes import Bars, Plot
from scenes.widgets.panels import signed

GATES = ("forget", "input", "candidate", "output")
LETTER = {"forget": "f", "input": "i", "candidate": "g", "output": "o"}
SQUASH = {"forget": r"\sigma", "input": r"\sigma", "candidate": r"\tanh", "output": r"\sigma"}
GATE_COLOR = {"forget": theme.POSITIVE, "input": theme.SECOND, "candidate": theme.SERIES[3],
              "output": theme.SERIES[4]}
MAX_DECADES = 12  # a log axis (and a spoken factor) beyond this stops being readable
ALL_NUMBERS = 10  # up to this many steps every bar is labelled; beyond, the two compared ones
FORMULA_SIZE = 26  # digits about 11 px tall at 480p
SYMBOL_SIZE = 30

# The cell in its own units (scaled to fit its region): the cell state along the top, the gates
# below fed by the input bus (h_{t-1} from the left, x_t from below).
CELL_Y, GATE_Y, BUS_Y = 4.0, 0.0, -1.5
GATE_X = {"forget": 1.7, "input": 3.3, "candidate": 4.9, "output": 6.5}
F_NODE, ADD_NODE, I_NODE = (1.7, CELL_Y), (4.1, CELL_Y), (4.1, 2.5)
TANH_BOX, O_NODE = (7.7, 3.0), (7.7, 1.7)
LEFT_END, RIGHT_END, X_IN = -0.2, 9.4, 0.5
GATE_W, GATE_H, NODE_R = 1.45, 1.4, 0.3


def p(x: float, y: float) -> np.ndarray:
    return np.array([x, y, 0.0])


def tex(content: str, size: float = SYMBOL_SIZE, color: theme.ManimColor = theme.INK) -> MathTex:
    """A symbol or a state's name (no lesson number)."""
    return MathTex(content, tex_template=theme.TEX, font_size=size, color=color)


def flash(rect: VMobject) -> Animation:
    """A bar lights up and returns to its color, its size untouched."""
    return rect.animate(rate_func=there_and_back).set_fill(theme.INK, 1)


def carry_up(text: Text, wire: Arrow) -> MoveAlongPath:
    """A copy of a gate's value travelling along its wire to the node it feeds."""
    copy = text.copy().set_z_index(3)
    copy.add_background_rectangle(theme.BACKGROUND, opacity=0.9, buff=0.04)
    return MoveAlongPath(copy, Line(wire.get_start(), wire.get_end()), remover=True)


class CellDiagram(VGroup):
    """One LSTM cell: `cell_path` (c_{t-1} -> x f -> + i*g -> c_t) along the top, `h_path`
    from it through tanh and x o to h_t, and the four gate boxes (`gates[name]`) fed by
    h_{t-1} and x_t along `bus`.

    The geometry is laid out in its own units and scaled to fit `region`; the texts (gate names,
    symbols, state names) are added afterwards at their readable size, which scaling would shrink.
    """

    def __init__(self, region: Region, names: dict[str, Text]) -> None:
        super().__init__()
        wire = {"stroke_color": theme.MUTED, "stroke_width": 3, "buff": 0,
                "max_tip_length_to_length_ratio": 0.15}
        self.gates = {g: RoundedRectangle(corner_radius=0.12, width=GATE_W, height=GATE_H,
                                          stroke_color=GATE_COLOR[g], stroke_width=3,
                                          fill_color=theme.CELL_FILL, fill_opacity=1
                                          ).move_to(p(GATE_X[g], GATE_Y)) for g in GATES}
        self.f_node, self.add_node, self.i_node, self.o_node = (
            Circle(NODE_R, stroke_color=theme.INK, stroke_width=3, fill_color=theme.BACKGROUND,
                   fill_opacity=1).move_to(p(*at)).set_z_index(1)
            for at in (F_NODE, ADD_NODE, I_NODE, O_NODE))
        self.tanh_box = RoundedRectangle(corner_radius=0.1, width=1.0, height=0.5,
                                         stroke_color=theme.INK, stroke_width=3,
                                         fill_color=theme.BACKGROUND, fill_opacity=1
                                         ).move_to(p(*TANH_BOX)).set_z_index(1)
        self.cell_path = Line(p(LEFT_END, CELL_Y), p(RIGHT_END, CELL_Y), stroke_width=7,
                              color=theme.ACCENT)
        self.cell_tip = Arrow(p(RIGHT_END - 0.6, CELL_Y), p(RIGHT_END + 0.2, CELL_Y), buff=0,
                              color=theme.ACCENT, stroke_width=7)
        self.h_path = VMobject(stroke_color=theme.INK, stroke_width=3)
        self.h_path.set_points_as_corners([p(TANH_BOX[0], CELL_Y), p(*O_NODE),
                                           p(RIGHT_END, O_NODE[1])])
        self.h_tip = Arrow(p(RIGHT_END - 0.6, O_NODE[1]), p(RIGHT_END + 0.2, O_NODE[1]),
                           buff=0, color=theme.INK, stroke_width=3)
        top = GATE_Y + GATE_H / 2

        def into(start: np.ndarray, node: Circle) -> Arrow:
            """An arrow from `start` that stops on the node's rim."""
            center = node.get_center()
            return Arrow(start, center - NODE_R * (center - start) / np.linalg.norm(
                center - start), **wire)

        self.wires = {g: into(p(GATE_X[g], top), node) for g, node in (
            ("forget", self.f_node), ("input", self.i_node), ("candidate", self.i_node),
            ("output", self.o_node))}
        self.write_wire = into(self.i_node.get_top(), self.add_node)
        bottom = GATE_Y - GATE_H / 2
        line = {"stroke_color": theme.MUTED, "stroke_width": 3}
        self.bus = VGroup(Line(p(LEFT_END, BUS_Y), p(GATE_X["output"], BUS_Y), **line),
                          Line(p(X_IN, BUS_Y - 0.8), p(X_IN, BUS_Y), **line),
                          *[Line(p(GATE_X[g], BUS_Y), p(GATE_X[g], bottom), **line)
                            for g in GATES])
        self.parts = VGroup(self.bus, *self.wires.values(), self.write_wire, self.h_path,
                            self.h_tip, *self.gates.values(), self.tanh_box, self.f_node,
                            self.add_node, self.i_node, self.o_node)
        # Room for the end labels (c_{t-1} left, c_t and h_t right, x_t below) and values.
        margin = VGroup(Dot(p(LEFT_END - 1.1, CELL_Y + 0.5), radius=0.01),
                        Dot(p(RIGHT_END + 1.2, BUS_Y - 1.2), radius=0.01)).set_opacity(0)
        self.add(margin, self.parts, self.cell_path, self.cell_tip)
        region.fit(self, grow=True)
        self.remove(margin)
        self.add_texts(names)

    def add_texts(self, names: dict[str, Text]) -> None:
        """Gate names and squashing functions in the boxes, operators in the nodes, the names
        of the states at the ends, all at a readable size."""
        self.squash: dict[str, MathTex] = {}
        for g in GATES:
            box, name = self.gates[g], names[g]
            if name.width > box.width - 0.08:
                name.scale(max((box.width - 0.08) / name.width,
                               theme.MIN_TEXT_HEIGHT / name.height))
            fn = tex(SQUASH[g], SYMBOL_SIZE - 4)
            top = VGroup(name, fn).arrange(DOWN, buff=0.06).set_z_index(2)
            top.move_to(box).align_to(box, UP).shift(DOWN * 0.07)
            self.squash[g] = fn
            self.parts.add(name, fn)
        for node, symbol in ((self.f_node, r"\times"), (self.add_node, "+"),
                             (self.i_node, r"\times"), (self.o_node, r"\times")):
            self.parts.add(tex(symbol).move_to(node).set_z_index(2))
        self.parts.add(tex(r"\tanh", SYMBOL_SIZE - 4).move_to(self.tanh_box).set_z_index(2))
        self.c_prev_name = tex("c_{t-1}").next_to(self.cell_path.get_start(), LEFT, buff=0.12)
        self.c_name = tex("c_t").next_to(self.cell_tip.get_end(), RIGHT, buff=0.12)
        self.h_name = tex("h_t").next_to(self.h_tip.get_end(), RIGHT, buff=0.12)
        self.h_prev_name = tex("h_{t-1}").next_to(self.bus[0].get_start(), LEFT, buff=0.12)
        self.x_name = tex("x_t").next_to(self.bus[1].get_start(), DOWN, buff=0.08)
        self.parts.add(self.h_name, self.h_prev_name, self.x_name)
        self.add(self.c_prev_name, self.c_name)

    def tag(self, gate: str, text: Text) -> Text:
        """Place a gate's value in the free row at the bottom of its box."""
        box = self.gates[gate]
        return text.move_to(box).align_to(box, DOWN).shift(UP * 0.07).set_z_index(2)


class LSTMScene(NarratedScene):
    MODEL = lstm.LESSON
    CUES = ("intro", "cell_path", "gates", "forget", "input", "update", "output", "last_loss",
            "rnn_fade", "cell_grad", "compare", "summary")
    LABELS = ("title", "cell_state", *GATES, "worked", "steps", "rnn_plot", "lstm_plot", "cut",
              "role_forget", "role_input", "role_candidate", "role_output")
    EXAMPLES = (
        {"forget_bias": -2.0},  # the cell forgets: its gradient vanishes too, the RNN keeps more
        {"steps": 12, "forget_bias": 3.0, "truncate": 4},  # truncated; the cell holds
        {"recurrent_scale": 1.5, "input_scale": 0.1, "forget_bias": 3.0},  # both grow: a tie
    )

    # -- checks ---------------------------------------------------------------------------------
    @classmethod
    def check_trace(cls, trace: lstm.LSTMTrace) -> None:
        oldest = trace.oldest_step - 1
        if trace.steps - oldest < 2:
            name = "truncate" if trace.truncated else "steps"
            raise ParamError(name, "the scene compares how far the last loss's gradient reaches "
                             "back, which needs at least two steps in its reach: use steps >= 2 "
                             "and truncate >= 2 (or null)")
        rnn, cell = trace.rnn_contributions[oldest:], trace.cell_contributions[oldest:]
        if min(rnn.min(), cell.min()) <= 0:
            which = "the RNN's" if rnn.min() <= 0 else "the cell's"
            name = ("forget_bias" if rnn.min() > 0 else
                    "recurrent_scale" if trace.recurrent_scale == 0 else "input_scale")
            raise ParamError(name, f"{which} gradient is exactly zero at a step "
                             "the last loss reaches (a zero recurrent_scale or forget gate, or a "
                             "saturated tanh); the scene draws gradients on a log scale, which "
                             "cannot show zero: use a recurrent_scale above 0, a smaller "
                             "input_scale or a larger forget_bias")
        reached = np.concatenate([rnn, cell])
        decades = math.log10(reached.max() / reached.min())
        if decades > MAX_DECADES:
            raise ParamError("steps", f"the gradients the scene compares span {decades:.0f} "
                             f"powers of ten; its log scale shows at most {MAX_DECADES}: use "
                             "fewer steps, a recurrent_scale nearer 1 or a smaller input_scale")

    # -- layout (no animation: tests read the mobjects built here) -------------------------------
    def layout(self) -> None:
        self.check_trace(self.trace)
        self.title = self.label("title", theme.TITLE_SIZE, theme.INK)
        self.regions.title.fit(self.title)
        body = self.regions.body
        # The worked arithmetic on the right, as wide as its longest line; the cell gets the rest.
        self.lines = self.panel_lines()
        column = VGroup(*self.lines.values()).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        self.lines["update"].shift(RIGHT * self.update_indent)
        width = min(column.width + 0.1, 0.42 * body.width)
        self.side = Region("side", body.right - width, body.right, body.bottom, body.top)
        self.worked = self.label("worked", theme.LABEL_SIZE, theme.INK)
        self.side.fit(self.worked, y=1.0)
        Region("panel", self.side.left, self.side.right, self.side.bottom,
               self.worked.get_bottom()[1] - 0.25).fit(column, y=1.0)
        names = {g: self.label(g, theme.CELL_TEXT_SIZE, theme.INK) for g in GATES}
        self.cell = CellDiagram(Region("cell", body.left, self.side.left - 0.35, body.bottom,
                                       body.top - 0.1), names)
        self.cell_caption = self.label("cell_state", theme.CELL_TEXT_SIZE, theme.ACCENT)
        self.cell_caption.next_to(self.cell.cell_path, UP, buff=0.1).set_x(
            (self.cell.add_node.get_x() + self.cell.tanh_box.get_x()) / 2)
        self.shown_values: list[Text] = []  # every worked number drawn on the diagram

    def at_step(self, key: str) -> str:
        """The path of the worked unit's value at the worked step (the last one)."""
        return f"{key}[-1][0]"

    def panel_lines(self) -> dict[str, MathTex]:
        """The worked step's arithmetic, one line per gate and per product, in cue order; the
        result of each line is its last part, so it can travel to the diagram."""
        def v(key: str) -> Ref:
            return self.ref(self.at_step(key))

        rows = {
            "forget": (r"f_t = \sigma({})", [v("a_f")], v("f")),
            "keep": (r"f_t\, c_{{t-1}} = {} \times {}", [v("f"), signed(v("c_prev"))],
                     v("f_c_prev")),
            "candidate": (r"g_t = \tanh({})", [v("a_g")], v("g")),
            "input": (r"i_t = \sigma({})", [v("a_i")], v("i")),
            "write": (r"i_t\, g_t = {} \times {}", [v("i"), signed(v("g"))], v("i_g")),
            "update": (r"= {} + {}", [v("f_c_prev"), signed(v("i_g"))], v("c")),
            "output": (r"o_t = \sigma({})", [v("a_o")], v("o")),
            "hidden": (r"h_t = o_t \tanh(c_t) = {} \times {}", [v("o"), signed(v("tanh_c"))],
                       v("h")),
        }
        lines = {"pre": theme.formula(r"a = W x_t + U h_{t-1} + b", size=FORMULA_SIZE,
                                      color=theme.MUTED)}
        for key, (template, refs, result) in rows.items():
            if key == "update":  # the rule on its own line, its numbers indented below
                lines["rule"] = theme.formula(r"c_t = f_t\, c_{t-1} + i_t\, g_t",
                                              size=FORMULA_SIZE)
                self.update_indent = theme.formula("c_t", size=FORMULA_SIZE).width + 0.08
            lines[key] = theme.formula(template.format(*(r.text for r in refs)),
                                       "= " + result.text, size=FORMULA_SIZE,
                                       refs=[*refs, result])
        return lines

    def on_diagram(self, key: str, below: MathTex, color: theme.ManimColor) -> Text:
        """The worked value of a state, under its name on the diagram."""
        text = self.bound("{}", self.at_step(key), size=theme.CELL_TEXT_SIZE, color=color)
        self.shown_values.append(text)
        return text.next_to(below, DOWN, buff=0.1)

    # -- the lesson -----------------------------------------------------------------------------
    def construct(self) -> None:
        self.layout()
        self.intro()
        self.cell_and_gates()
        self.worked_step()
        self.gradients()
        self.summary()

    def beat(self, slot: CueSlot, start: float, end: float, *animations) -> None:
        """Play `animations` from `start` to `end`, as fractions of the cue (later if the cue's
        earlier animations ran long), so each lands while the voice says it."""
        self.until(slot, start)
        self.play(*animations, run_time=slot.share(end - start))

    def intro(self) -> None:
        forward = theme.formula(r"h_t = \tanh(W_{xh} x_t + W_{hh} h_{t-1} + b)", size=40,
                                color=theme.MUTED)
        backward = theme.formula(r"\frac{\partial L}{\partial h_{t-1}} = ", r"W_{hh}^{\top}",
                                 r"\Big(", r"\tanh'(z_t)", r"\odot",
                                 r"\frac{\partial L}{\partial h_t} \Big)", size=40)
        chain = self.fading_chain()
        group = VGroup(forward, backward, chain).arrange(DOWN, buff=0.5)
        self.regions.body.fit(group)
        cell = self.cell
        self.add(self.title, forward)  # something on screen from the first frame
        states = chain[0]
        blob = Dot(states[-1].get_center(), radius=0.3, color=theme.ACCENT).set_z_index(2)
        with self.cue("intro") as slot:
            self.beat(slot, 0.0, 0.12, Write(backward))
            # "times the derivative of tanh, then times the recurrent weights"
            marks = [SurroundingRectangle(backward[k], color=theme.ACCENT, buff=0.08,
                                          fill_opacity=0.2, stroke_width=3) for k in (3, 1)]
            self.beat(slot, 0.13, 0.21, backward[3].animate.set_color(theme.ACCENT),
                      FadeIn(marks[0], scale=1.2))
            self.beat(slot, 0.22, 0.3, backward[1].animate.set_color(theme.ACCENT),
                      FadeIn(marks[1], scale=1.2))
            group.add(*marks)
            # "the further it goes, the smaller": a gradient shrinking on its way back
            self.beat(slot, 0.31, 0.37, FadeIn(chain), FadeIn(blob, scale=0.5))
            for k in range(len(states) - 2, -1, -1):  # each state keeps a fainter trace
                self.play(blob.animate.move_to(states[k]).scale(0.62),
                          states[k + 1].animate.set_fill(theme.ACCENT, 0.9 * 0.62 ** (4 - k)),
                          run_time=slot.share(0.2 / (len(states) - 1)))
            self.beat(slot, 0.6, 0.64, FadeOut(group, blob))
            # "besides the hidden state, a second path for memory", then its gates
            self.beat(slot, 0.65, 0.77, Create(cell.cell_path),
                      FadeIn(cell.cell_tip, cell.c_prev_name, cell.c_name))
            self.beat(slot, 0.8, 0.97, LaggedStart(*[FadeIn(m) for m in cell.parts],
                                                    lag_ratio=0.03))

    def fading_chain(self) -> VGroup:
        """Six hidden states in a row, joined by arrows: the road a gradient travels back."""
        states = VGroup(*[Circle(0.28, stroke_color=theme.MUTED, stroke_width=3)
                          for _ in range(6)]).arrange(RIGHT, buff=0.7)
        pairs = zip(states[:-1], states[1:], strict=True)
        arrows = VGroup(*[Arrow(a.get_right(), b.get_left(), buff=0.05, color=theme.MUTED,
                                stroke_width=3) for a, b in pairs])
        return VGroup(states, arrows)

    def cell_and_gates(self) -> None:
        cell = self.cell
        with self.cue("cell_path") as slot:
            self.beat(slot, 0.0, 0.1, FadeIn(self.cell_caption, shift=DOWN * 0.1),
                      ShowPassingFlash(cell.cell_path.copy().set_stroke(theme.INK, 14),
                                       time_width=0.5))
            dot = Dot(cell.cell_path.get_start(), radius=0.17, color=theme.INK).set_z_index(3)
            self.beat(slot, 0.12, 0.16, FadeIn(dot, scale=2))
            # times the forget gate, then plus the new content
            self.beat(slot, 0.17, 0.34, dot.animate.move_to(cell.f_node))
            self.beat(slot, 0.35, 0.42, Indicate(cell.f_node, color=theme.POSITIVE,
                                                 scale_factor=1.8))
            self.beat(slot, 0.43, 0.5, dot.animate.move_to(cell.add_node))
            self.beat(slot, 0.5, 0.56, Indicate(cell.add_node, color=theme.ACCENT,
                                                scale_factor=1.8))
            self.beat(slot, 0.57, 0.68, dot.animate.move_to(cell.cell_tip.get_end()))
            # then through tanh and the output gate to h_t
            self.beat(slot, 0.7, 0.92, MoveAlongPath(dot, cell.h_path),
                      Indicate(cell.tanh_box, scale_factor=1.4))
            self.beat(slot, 0.92, 0.98, FadeOut(dot), Indicate(cell.h_name, color=theme.ACCENT))

        with self.cue("gates") as slot:
            boxes = [VGroup(cell.gates[g], cell.squash[g]) for g in GATES]
            self.beat(slot, 0.0, 0.1, LaggedStart(*[theme.pulse(b, 1.15) for b in boxes],
                                                  lag_ratio=0.25))
            # the same inputs, x_t and h_{t-1}, reach every gate
            self.beat(slot, 0.11, 0.28, Indicate(VGroup(cell.h_prev_name, cell.x_name),
                                                 color=theme.ACCENT, scale_factor=1.5),
                      LaggedStart(*[ShowPassingFlash(m.copy().set_stroke(theme.ACCENT, 8),
                                                     time_width=0.8) for m in cell.bus],
                                  lag_ratio=0.15))
            # a weighted sum plus a bias
            self.beat(slot, 0.3, 0.42, Write(self.lines["pre"]))
            # three valves between zero and one, then the candidate between minus one and one
            self.beat(slot, 0.45, 0.66, LaggedStart(
                *[cell.gates[g].animate.set_fill(GATE_COLOR[g], 0.4) for g in
                  ("forget", "input", "output")], lag_ratio=0.4))
            self.beat(slot, 0.7, 0.85, cell.gates["candidate"].animate.set_fill(
                GATE_COLOR["candidate"], 0.4), theme.pulse(boxes[2], 1.15))
            self.beat(slot, 0.88, 0.95, *[cell.gates[g].animate.set_fill(theme.CELL_FILL, 1)
                                          for g in GATES])

    def gate_to(self, gate: str, line: str, slot: CueSlot, start: float, end: float,
                *extra: Animation) -> None:
        """A gate's box lights up and its line is written, then the value moves into the box
        (with `extra` animations)."""
        box = self.cell.gates[gate]
        tag = self.gate_value(gate)
        middle = (start + 2 * end) / 3
        self.beat(slot, start, middle, box.animate.set_fill(GATE_COLOR[gate], 0.4),
                  Write(self.lines[line]))
        self.beat(slot, middle, end, TransformFromCopy(self.lines[line][-1], tag), *extra)

    def gate_value(self, gate: str) -> Text:
        tag = self.cell.tag(gate, self.bound("{}", self.at_step(LETTER[gate]),
                                             size=theme.CELL_TEXT_SIZE, color=theme.INK))
        self.shown_values.append(tag)
        return tag

    def squash_inset(self) -> VGroup:
        """The forget gate's squashing at the worked step: the sigmoid, the point (a_f, f) read
        off both axes, and where the pre-activation would be without the forget bias."""
        t = self.trace
        a, f, bias = float(t.a_f[-1, 0]), float(t.f[-1, 0]), t.forget_bias
        reach = 5 * math.ceil(max(abs(a), abs(a - bias), 5) / 5)
        plot = Plot((-reach, reach, reach), (0, 1, 1), width=3.2, height=1.9)
        xs = np.linspace(-reach, reach, 81)
        curve = plot.curve(xs, 1 / (1 + np.exp(-xs)), color=GATE_COLOR["forget"])
        point = plot.marker(a, f, GATE_COLOR["forget"])
        guides = VGroup(DashedLine(plot.c2p(a, 0), plot.c2p(a, f)),
                        DashedLine(plot.c2p(a, f), plot.c2p(0, f))).set_stroke(theme.INK, 2)
        before = a - bias  # the same sum without the forget gate's bias
        ghost = Dot(plot.c2p(before, 1 / (1 + math.exp(-before))), radius=0.08,
                    color=theme.MUTED)
        name = tex("+ b_f", SYMBOL_SIZE - 4)
        bias_parts = VGroup(ghost, name)
        if np.linalg.norm(point.get_center() - ghost.get_center()) > 0.35:
            shift = Arrow(ghost.get_center(), point.get_center(), buff=0.1, color=theme.INK,
                          stroke_width=3, tip_length=0.15, max_tip_length_to_length_ratio=0.4)
            bias_parts.add(shift)
        name.next_to(VGroup(ghost, point), UP if bias >= 0 else DOWN, buff=0.08)
        inset = VGroup(plot, curve, guides, point, bias_parts)
        inset.plot, inset.curve, inset.guides, inset.point = plot, curve, guides, point
        inset.bias = bias_parts
        top = self.lines["keep"].get_bottom()[1] - 0.35
        Region("inset", self.side.left, self.side.right, self.side.bottom, top).fit(inset)
        return inset

    def worked_step(self) -> None:
        cell, lines = self.cell, self.lines
        c_prev = self.on_diagram("c_prev", cell.c_prev_name, theme.ACCENT)
        with self.cue("forget") as slot:
            self.beat(slot, 0.0, 0.1, FadeIn(self.worked, shift=DOWN * 0.2),
                      theme.pulse(cell.gates["forget"], 1.15))
            # the weighted sum plus bias, squashed into zero to one by the sigmoid
            inset = self.squash_inset()
            self.beat(slot, 0.12, 0.2, FadeIn(inset.plot), Create(inset.curve))
            self.gate_to("forget", "forget", slot, 0.2, 0.38, FadeIn(inset.point, scale=2),
                         Create(inset.guides))
            # "how much of the old memory stays": the gate's value goes up to x
            self.beat(slot, 0.4, 0.5, carry_up(self.shown_values[-1], cell.wires["forget"]),
                      ShowPassingFlash(cell.wires["forget"].copy().set_stroke(
                          GATE_COLOR["forget"], 10), time_width=0.8))
            self.beat(slot, 0.5, 0.57, FadeIn(c_prev, shift=DOWN * 0.1),
                      Indicate(cell.c_prev_name, scale_factor=1.5))
            self.beat(slot, 0.58, 0.7, Write(lines["keep"]),
                      ShowPassingFlash(Line(cell.cell_path.get_start(), cell.f_node.get_center())
                                       .set_stroke(theme.INK, 14), time_width=0.8),
                      Indicate(cell.f_node, color=theme.POSITIVE, scale_factor=1.8))
            # "the larger the bias, the closer the gate is to one": what the bias adds
            self.beat(slot, 0.74, 0.86, LaggedStart(*[FadeIn(m) for m in inset.bias],
                                                    lag_ratio=0.3))
            self.beat(slot, 0.88, 0.97, FadeOut(inset),
                      ShowPassingFlash(cell.cell_path.copy().set_stroke(theme.INK, 14),
                                       time_width=0.5))

        with self.cue("input") as slot:
            self.beat(slot, 0.0, 0.2, LaggedStart(*[theme.pulse(VGroup(cell.gates[g]), 1.15)
                                                    for g in ("input", "candidate")],
                                                  lag_ratio=0.5))
            self.gate_to("candidate", "candidate", slot, 0.26, 0.48)
            self.gate_to("input", "input", slot, 0.52, 0.72)
            self.beat(slot, 0.76, 0.95, Write(lines["write"]),
                      Indicate(cell.i_node, color=theme.SECOND, scale_factor=1.8),
                      ShowPassingFlash(cell.write_wire.copy().set_stroke(theme.SECOND, 10),
                                       time_width=0.8))

        c_value = self.on_diagram("c", cell.c_name, theme.ACCENT)
        with self.cue("update") as slot:
            self.beat(slot, 0.0, 0.12, Indicate(VGroup(lines["keep"][-1], lines["write"][-1]),
                                                color=theme.ACCENT))
            self.beat(slot, 0.13, 0.22, Write(lines["rule"]))
            self.beat(slot, 0.25, 0.4, Write(lines["update"]))
            self.beat(slot, 0.42, 0.54, TransformFromCopy(lines["update"][-1], c_value))
            # "the plus sign is the key": the addition, and memory flowing along the path
            self.beat(slot, 0.58, 0.7, Indicate(cell.add_node, color=theme.ACCENT,
                                                scale_factor=2.0))
            self.beat(slot, 0.72, 0.96, ShowPassingFlash(
                cell.cell_path.copy().set_stroke(theme.INK, 14), time_width=0.4))

        h_value = self.on_diagram("h", cell.h_name, theme.INK)
        with self.cue("output") as slot:
            self.gate_to("output", "output", slot, 0.0, 0.24)
            self.beat(slot, 0.3, 0.5, Indicate(cell.tanh_box, color=theme.ACCENT,
                                               scale_factor=1.4), Write(lines["hidden"]))
            self.beat(slot, 0.52, 0.62, TransformFromCopy(lines["hidden"][-1], h_value))
            # h_t leaves for the output and, through the bus, for the next step's gates
            self.beat(slot, 0.66, 0.8, ShowPassingFlash(
                cell.h_path.copy().set_stroke(theme.ACCENT, 10), time_width=0.6))
            self.beat(slot, 0.82, 0.98, LaggedStart(
                *[ShowPassingFlash(m.copy().set_stroke(theme.ACCENT, 8), time_width=0.8)
                  for m in cell.bus], lag_ratio=0.15))

    # -- the gradients --------------------------------------------------------------------------
    def plot_range(self) -> tuple[int, int]:
        """Whole decades from below the smallest reached norm to above the largest, with room
        for the numbers over the tallest bar."""
        t = self.trace
        oldest = t.oldest_step - 1
        reached = np.concatenate([t.rnn_contributions[oldest:], t.cell_contributions[oldest:]])
        low = math.floor(math.log10(reached.min()) - 0.15)
        high = math.ceil(math.log10(reached.max()) + 0.4)
        return low, max(high, low + 2)

    def make_plot(self, region: Region, caption: str) -> Plot:
        steps = self.trace.steps
        low, high = self.plot_range()
        plot = Plot((0, steps + 1, 1), (low, high, 1), width=region.width,
                    height=region.height, y_log=True, x_ticks=list(range(1, steps + 1)),
                    x_caption=self.label("steps", theme.CELL_TEXT_SIZE),
                    y_caption=self.label(caption, theme.CELL_TEXT_SIZE, theme.INK))
        return region.fit(plot)

    def make_bars(self, plot: Plot, path: str, color: theme.ManimColor) -> Bars:
        """Bars for every step; numbers on all of them, or on the two compared ones when there
        are too many steps for a number over each. `numbered[i]` is bar i's number."""
        t = self.trace
        values = self.values.array(path)
        few = t.steps <= ALL_NUMBERS
        bars = plot.bars(values, path, color=color, style="sci", numbers=few)
        bars.numbered = dict(enumerate(bars.labels)) if few else {}
        for label in bars.labels:  # readable where the compare cue's level line crosses it
            label.add_background_rectangle(theme.BACKGROUND, opacity=0.85, buff=0.03)
        if not few:
            for i in (t.oldest_step - 1, t.steps - 1):
                text = theme.bound("{}", [cell_ref(path, (i,), float(values[i]), "sci")],
                                   theme.CELL_TEXT_SIZE).set_z_index(1)
                text.add_background_rectangle(theme.BACKGROUND, opacity=0.85, buff=0.03)
                bars.numbered[i] = text.next_to(bars.rects[i], UP, buff=0.08)
                bars.add(text)
        return bars

    def grow(self, bars: Bars, indices: list[int]) -> Animation:
        """Bars appearing one after another in the order given, each with its number."""
        if not indices:  # nothing left to grow (two steps): keep the beat's time
            return Wait()
        return LaggedStart(*[AnimationGroup(
            GrowFromEdge(bars.rects[i], DOWN),
            *([FadeIn(bars.numbered[i])] if i in bars.numbered else [])) for i in indices],
            lag_ratio=0.6)

    def backward_rules(self) -> tuple[MathTex, MathTex]:
        """The step back for each network, in the footer under its plot."""
        left, right = self.regions.footer.columns(1.0, 1.0, gap=0.6)
        rnn = theme.formula(r"\frac{\partial L}{\partial h_{t-1}} = ", r"W_{hh}^{\top}",
                            r"\Big(", r"\tanh'(z_t)", r"\odot",
                            r"\frac{\partial L}{\partial h_t} \Big)", size=30)
        cell = theme.formula(r"\frac{\partial L}{\partial c_{t-1}} = ", r"f_t", r"\odot",
                             r"\frac{\partial L}{\partial c_t}", r"+ \cdots", size=30)
        return left.fit(rnn), right.fit(cell)

    def cuts(self, plots: tuple[Plot, Plot]) -> VGroup:
        """A dashed line where truncation stops the last loss, in each plot."""
        cuts = VGroup()
        if not self.trace.truncated:
            return cuts
        x = self.trace.oldest_step - 0.5
        for plot in plots:
            line = DashedLine(plot.c2p(x, 10.0 ** plot.y_range[0]),
                              plot.c2p(x, 10.0 ** plot.y_range[1]), color=theme.MUTED,
                              stroke_width=3)
            mark = self.label("cut", theme.CELL_TEXT_SIZE)
            mark.next_to(line.get_top(), LEFT, buff=0.08).shift(DOWN * mark.height)
            cuts.add(VGroup(line, mark))
        return cuts

    def gradients(self) -> None:
        t = self.trace
        left, right = self.regions.body.columns(1.0, 1.0, gap=0.6)
        plots = (self.make_plot(left, "rnn_plot"), self.make_plot(right, "lstm_plot"))
        rnn_bars = self.make_bars(plots[0], "rnn_contributions", theme.SERIES[2])
        cell_bars = self.make_bars(plots[1], "cell_contributions", theme.ACCENT)
        last, oldest = t.steps - 1, t.oldest_step - 1
        earlier = list(range(last - 1, -1, -1))  # the gradient flows back from step T
        cuts = self.cuts(plots)
        rnn_rule, cell_rule = self.backward_rules()
        part_one = VGroup(self.cell, self.cell_caption, self.worked, *self.lines.values(),
                          *self.shown_values)

        with self.cue("last_loss") as slot:
            self.beat(slot, 0.0, 0.08, FadeOut(part_one))
            self.beat(slot, 0.09, 0.24, FadeIn(plots[0], shift=RIGHT * 0.3),
                      FadeIn(plots[1], shift=LEFT * 0.3))
            # the last loss's own gradient, at step T, in both networks
            self.beat(slot, 0.28, 0.42, AnimationGroup(self.grow(rnn_bars, [last]),
                                                       self.grow(cell_bars, [last])))
            if len(cuts):
                self.beat(slot, 0.44, 0.54, Create(cuts))
            self.beat(slot, 0.55, 0.63, theme.pulse(plots[0], 1.04))
            self.beat(slot, 0.66, 0.74, theme.pulse(plots[1], 1.04))
            # "each mark up is ten times larger"
            self.beat(slot, 0.8, 0.95, LaggedStart(
                *[Indicate(tick, scale_factor=1.6) for tick in [*plots[0].y_ticks,
                                                                 *plots[1].y_ticks]],
                lag_ratio=0.1))

        for cue_id, rule, bars, factors in (("rnn_fade", rnn_rule, rnn_bars, (3, 1)),
                                            ("cell_grad", cell_rule, cell_bars, (1, 4))):
            with self.cue(cue_id) as slot:
                self.beat(slot, 0.0, 0.12, Write(rule))
                # the factors of one step back, as the voice names them
                # one step back, its factors as the voice names them; then every step back
                self.beat(slot, 0.14, 0.24, Indicate(rule[factors[0]], color=theme.ACCENT,
                                                     scale_factor=1.4),
                          self.grow(bars, earlier[:1]))
                self.beat(slot, 0.25, 0.33, Indicate(rule[factors[1]], color=theme.ACCENT,
                                                     scale_factor=1.4), theme.pulse(rule, 1.08))
                self.beat(slot, 0.35, 0.87, self.grow(bars, earlier[1:]))
                # "by step 1 ...": the bars the last loss reaches, then the oldest
                self.beat(slot, 0.88, 0.97, LaggedStart(*[flash(bars.rects[i]) for i in
                                                          range(last, oldest - 1, -1)],
                                                        lag_ratio=0.2))

        marks = [self.kept_mark(rnn_bars, "rnn_kept"), self.kept_mark(cell_bars, "cell_kept")]
        with self.cue("compare") as slot:
            self.beat(slot, 0.0, 0.08, *[Create(m.level) for m in marks])
            self.beat(slot, 0.08, 0.18, *[GrowFromEdge(m.arrow, UP) for m in marks])
            self.beat(slot, 0.18, 0.26, *[FadeIn(m.text, shift=DOWN * 0.1) for m in marks])
            self.beat(slot, 0.3, 0.42, flash(rnn_bars.rects[oldest]),
                      theme.pulse(marks[0].text, 1.3))
            self.beat(slot, 0.46, 0.58, flash(cell_bars.rects[oldest]),
                      theme.pulse(marks[1].text, 1.3))
            # "the gradient is only scaled by the forget gate"
            self.beat(slot, 0.66, 0.8, Indicate(cell_rule[1], color=theme.ACCENT,
                                                scale_factor=1.6))
            self.beat(slot, 0.82, 0.96, theme.pulse(cell_bars, 1.05))
        self.part_two = VGroup(*plots, rnn_bars, cell_bars, cuts, rnn_rule, cell_rule, *marks)

    def kept_mark(self, bars: Bars, key: str) -> VGroup:
        """A dashed line at the last bar's height back to the oldest reached step, an arrow to
        the oldest bar's top, and the ratio between them (`key`)."""
        t = self.trace
        last, oldest = bars.rects[t.steps - 1], bars.rects[t.oldest_step - 1]
        number = bars.numbered.get(t.oldest_step - 1)
        x = min(oldest.get_left()[0], number.get_left()[0] if number else np.inf) - 0.1
        top = last.get_top()[1]
        mark = VGroup()
        mark.level = DashedLine([x, top, 0], [last.get_left()[0], top, 0], color=theme.INK,
                                stroke_width=2)
        mark.arrow = Arrow([x, top, 0], [x, oldest.get_top()[1], 0], buff=0, color=theme.INK,
                           stroke_width=4, tip_length=0.2, max_tip_length_to_length_ratio=0.4)
        mark.text = self.bound("×{}", key, size=theme.BODY_SIZE, color=theme.INK, style="sci")
        mark.text.add_background_rectangle(theme.BACKGROUND, opacity=0.9, buff=0.05)
        # Above the level line and above every number in the reach, so it covers none.
        reach = range(t.oldest_step - 1, t.steps)
        clear = max([top, max(oldest.get_top()[1], last.get_top()[1])]
                    + [bars.numbered[i].get_top()[1] for i in reach if i in bars.numbered])
        mark.text.move_to([x, clear + 0.1 + mark.text.height / 2, 0], aligned_edge=LEFT)
        mark.add(mark.level, mark.arrow, mark.text)
        return mark

    def summary(self) -> None:
        cell = self.cell
        roles = VGroup(*[self.label(f"role_{g}", theme.LABEL_SIZE, GATE_COLOR[g])
                         for g in GATES]).arrange(DOWN, aligned_edge=LEFT, buff=0.4)
        body = self.regions.body
        # The cell steps aside as far as the roles need (down to 80% of its size).
        diagram = VGroup(cell, self.cell_caption)
        room = body.width - roles.width - 0.4
        if diagram.width > room:
            diagram.scale(max(room / diagram.width, 0.8))
        diagram.align_to([body.left, 0, 0], LEFT).align_to([0, body.top, 0], UP)
        Region("roles", diagram.get_right()[0] + 0.4, body.right, body.bottom,
               body.top).fit(roles)
        with self.cue("summary") as slot:
            self.beat(slot, 0.0, 0.06, FadeOut(self.part_two))
            self.beat(slot, 0.06, 0.14, FadeIn(diagram))
            for k, g in enumerate(GATES):  # what each gate decides, as the voice names it
                self.beat(slot, 0.15 + 0.13 * k, 0.25 + 0.13 * k,
                          FadeIn(roles[k], shift=RIGHT * 0.3),
                          Indicate(cell.gates[g], color=GATE_COLOR[g], scale_factor=1.3))
            self.beat(slot, 0.7, 0.8, Indicate(cell.add_node, color=theme.ACCENT,
                                               scale_factor=2.0))
            self.beat(slot, 0.8, 0.97, ShowPassingFlash(
                cell.cell_path.copy().set_stroke(theme.INK, 14), time_width=0.4),
                Indicate(cell.f_node, color=theme.POSITIVE, scale_factor=1.8))
