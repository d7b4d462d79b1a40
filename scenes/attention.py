"""The attention lesson: tokens become X, then Q, K and V; one score's dot product written out;
why scores are divided by sqrt(d_k); softmax row by row; the weight map; one token's output as
the weighted sum of the rows of V; the causal mask; several heads joined by W_o; the formula.

Every matrix is a LabelledMatrix with the tokens beside its rows or above its columns. Tokens
are the user's text, drawn as tick labels (positions on the matrices' axes, not numbers).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    PI,
    RIGHT,
    UP,
    AnimationGroup,
    Arc,
    ArcBetweenPoints,
    Create,
    FadeIn,
    FadeOut,
    GrowFromEdge,
    Indicate,
    LaggedStart,
    MathTex,
    Mobject,
    Rectangle,
    ReplacementTransform,
    RoundedRectangle,
    SurroundingRectangle,
    Transform,
    TransformFromCopy,
    VGroup,
    Write,
)

from engine import attention
from engine.params import ParamError
from scenes import theme
from scenes.layout import Region, layout
from scenes.narrated import NarratedScene
from scenes.numbers import fmt
from scenes.shown import cell_ref
from scenes.widgets.axes import Plot
from scenes.widgets.grid import ValueGrid
from scenes.widgets.heatmap import ColorLegend, diverging
from scenes.widgets.matrix import LabelledMatrix
from scenes.widgets.panels import signed

MIN_TOKENS, MAX_TOKENS = 2, 8  # rows of every matrix; 8 x 8 numbers still read at 480p
MAX_D_MODEL = 8  # X and the joined output are drawn with every value
MAX_D_K = 4  # Q, K and V side by side; the dot product written term by term
MAX_HEADS = 4
MAX_CONCAT = 8  # columns of the heads side by side
MAX_TOKENS_TWO_ROWS = 5  # with 3 or 4 heads the weight maps stand in two rows
CELL_W, ROW_H = 0.74, 0.36  # the pitch of a matrix entry: "-0.19" is 0.58 wide at cell size
TIGHT_W = 0.68  # the pitch where a view is crowded (the joined heads beside the output)
MIN_SCALE = 0.85  # the least a view may shrink: digits stay 0.17 tall (about 10 px at 480p)
MAX_SCALE = 1.5  # the most a small view grows
LABEL_GAP = 0.12  # between a token and its row or column
BRACKETS = 0.5  # both brackets of a matrix and their gaps
DIGIT_W = 0.118  # width of a digit, sign or point at cell size (a column's pitch estimate)
Q_COLOR, K_COLOR, V_COLOR = theme.ACCENT, theme.SECOND, theme.SERIES[3]
HEAD_COLORS = (theme.ACCENT, theme.SECOND, theme.SERIES[3], theme.SERIES[4])


# -- sizes, estimated without drawing (check_trace runs before any work) --------------------------
def token_width(token: str) -> float:
    """A token's width at cell size: wide (CJK) characters 0.255, Latin capitals, m and w 0.19,
    others 0.13 (measured with the theme's font; an estimate, so labels also shrink to fit)."""
    return sum(0.255 if unicodedata.east_asian_width(c) in "WF"
               else 0.19 if c.isupper() or c in "mw" else 0.13 for c in token)


def pitch(*arrays: np.ndarray, tokens: Sequence[str] = (), least: float = CELL_W) -> float:
    """A column pitch, at least `least`, that fits every number of `arrays` as written (two
    decimals) and, above the columns, every token."""
    numbers = [len(fmt(float(v))) * DIGIT_W + 0.08 for a in arrays for v in np.ravel(a)]
    return max([least, *numbers, *(token_width(t) + 0.1 for t in tokens)])


# -- a matrix with tokens on its axes -------------------------------------------------------------
class TokenMatrix(VGroup):
    """A LabelledMatrix with tokens left of its rows (`rows`) and/or above its columns (`cols`).

    `masked[i, j]` entries are drawn dim (grey number, dark box): the causal mask's cells.
    `transposed`: `values` is the transpose of the array at `path`, and each entry is bound to
    `path[j][i]` (K^T drawn from K).
    """

    def __init__(self, values: np.ndarray, path: str, rows: Sequence[str] = (),
                 cols: Sequence[str] = (), column_pitch: float = CELL_W,
                 fill: Callable[[float], theme.ManimColor] | None = None,
                 masked: np.ndarray | None = None, color: theme.ManimColor = theme.INK,
                 transposed: bool = False) -> None:
        super().__init__()
        array = np.asarray(values, dtype=np.float64)
        self.shape = array.shape
        self.matrix = LabelledMatrix(array, path, cell=(column_pitch, ROW_H), fill=fill,
                                     color=color)
        if transposed:
            for i, line in enumerate(self.matrix.entries):
                for j, entry in enumerate(line):
                    entry.bound = (cell_ref(path, (j, i), float(array[i, j])),)
        if masked is not None:
            for i, j in zip(*np.nonzero(masked), strict=True):
                self.matrix.entries[i][j].set_color(theme.MUTED)
                if fill is not None:
                    self.box(i, j).set_fill(theme.PAD_FILL)
        self.matrix.numbers.set_z_index(1)  # numbers above their boxes, even while a box moves
        # Brackets around the cells (LabelledMatrix puts them around the numbers, which are
        # narrower than a wide column's boxes).
        half = array.shape[1] * column_pitch / 2
        center = self.matrix.numbers.get_center()
        middle = (self.matrix.entries[0][0].get_x() + self.matrix.entries[0][-1].get_x()) / 2
        self.matrix.left_bracket.next_to([middle - half, center[1], 0], LEFT, buff=0.03)
        self.matrix.right_bracket.next_to([middle + half, center[1], 0], RIGHT, buff=0.03)
        self.row_labels = VGroup()
        for i, token in enumerate(rows):
            tick = theme.tick(token)
            tick.next_to(self.matrix.left_bracket, LEFT, buff=LABEL_GAP)
            tick.set_y(self.matrix.entries[i][0].get_y())
            self.row_labels.add(tick)
        self.col_labels = VGroup()
        top = self.matrix.left_bracket.get_top()[1]
        for j, token in enumerate(cols):
            tick = theme.tick(token)
            if tick.width > column_pitch - 0.06:  # the width estimate was short: fit the column
                tick.scale_to_fit_width(column_pitch - 0.06)
            tick.move_to([self.matrix.entries[0][j].get_x(), top + 0.08 + tick.height / 2, 0])
            self.col_labels.add(tick)
        self.add(self.matrix, self.row_labels, self.col_labels)
        self.pitch = (column_pitch, ROW_H)
        self.bracket_height = self.matrix.left_bracket.height

    @property
    def entries(self) -> list[list[Mobject]]:
        return self.matrix.entries

    def box(self, i: int, j: int) -> Mobject:
        return self.matrix.boxes[i * self.shape[1] + j]

    def unit(self) -> tuple[float, float]:
        """The entry pitch as drawn now (the group may have been scaled since)."""
        scale = self.matrix.left_bracket.height / self.bracket_height
        return self.pitch[0] * scale, self.pitch[1] * scale

    def frame(self, top: int, left: int, height: int, width: int,
              color: theme.ManimColor = theme.ACCENT, stroke: float = 4) -> Rectangle:
        """A frame around a block of entries (a row, a column or one cell)."""
        w, h = self.unit()
        a, b = self.entries[top][left], self.entries[top + height - 1][left + width - 1]
        center = (np.array([a.get_x(), a.get_y(), 0]) + np.array([b.get_x(), b.get_y(), 0])) / 2
        return Rectangle(width=width * w, height=height * h, stroke_color=color,
                         stroke_width=stroke).move_to(center).set_z_index(2)

    def row(self, i: int) -> VGroup:
        return VGroup(*self.entries[i])

    def column(self, j: int) -> VGroup:
        return VGroup(*[line[j] for line in self.entries])


def stack(*parts: Mobject, buff: float = 0.15) -> VGroup:
    """Parts one above the other, centered: a caption over a matrix."""
    return VGroup(*parts).arrange(DOWN, buff=buff)


def tex(source: str, color: theme.ManimColor = theme.INK, size: float = 30) -> MathTex:
    """A matrix's name or a formula without lesson numbers."""
    return theme.formula(source, size=size, color=color)


DOT_GAP = 0.4  # between Q and S, and between S and the worked terms
PANEL_WIDTH = 3.0  # the worked dot product: "q × k = term" lines
MAP_GAP = 0.5  # between weight maps side by side


def arc_between(start: np.ndarray, end: np.ndarray, weight: float,
                color: theme.ManimColor) -> Mobject:
    """A line bowing upward from one token to another (a loop when it is the same token),
    as thick and as opaque as the weight is large."""
    width, opacity = 1.0 + 9.0 * weight, 0.3 + 0.7 * weight
    if np.allclose(start, end):
        loop = Arc(radius=0.2, start_angle=-PI / 3, angle=5 * PI / 3, arc_center=start + UP * 0.2)
        return loop.set_stroke(color, width, opacity)
    angle = -PI / 2 if end[0] > start[0] else PI / 2
    return ArcBetweenPoints(start, end, angle=angle).set_stroke(color, width, opacity)


class AttentionScene(NarratedScene):
    MODEL = attention.LESSON
    CUES = ("intro", "embed", "qkv", "dot", "scale", "softmax", "weights", "output", "mask",
            "heads", "join", "summary")
    LABELS = ("title", "tokens", "x", "w_q", "q_role", "k_role", "v_role", "dot", "spread",
              "gradient", "unscaled", "scaled", "dims", "saturation", "softmax", "weights",
              "query_axis", "key_axis", "more", "less", "weighted", "output", "output_all",
              "mask", "masked", "causal_weights", "head_1", "head_2", "head_3", "head_4",
              "concat", "w_o", "joined")
    EXAMPLES = (
        {"mask": "causal"},
        {"tokens": ["the", "cat", "sat", "on", "the", "mat"], "heads": 2, "seed": 3},
        {"tokens": ["我", "爱", "学习"], "heads": 4, "d_k": None},
    )

    # -- checks (before any work) ---------------------------------------------------------------
    @classmethod
    def check_trace(cls, trace: attention.AttentionTrace) -> None:
        t, tokens = trace.num_tokens, trace.tokens
        if not MIN_TOKENS <= t <= MAX_TOKENS:
            raise ParamError("tokens", f"the attention scene writes every score of a T x T "
                             f"matrix: it draws {MIN_TOKENS} to {MAX_TOKENS} tokens, got {t}")
        bad = [tok for tok in tokens if not tok.isprintable() or tok != tok.strip()]
        if bad:
            raise ParamError("tokens", f"the scene writes each token on one line: {bad[0]!r} "
                             "has a line break, a tab or a leading or trailing space")
        if trace.d_model > MAX_D_MODEL:
            raise ParamError("d_model", f"the scene writes every value of X: it draws d_model "
                             f"up to {MAX_D_MODEL}, got {trace.d_model}")
        if trace.d_k > MAX_D_K:
            raise ParamError("d_k", f"the scene writes Q, K and V side by side and a dot "
                             f"product term by term: it draws d_k up to {MAX_D_K}, got "
                             f"{trace.d_k}")
        if trace.num_heads > MAX_HEADS:
            raise ParamError("heads", f"the scene draws every head's weight map: at most "
                             f"{MAX_HEADS} heads, got {trace.num_heads}")
        shown = trace.multihead.num_heads
        if trace.multihead.concat_width > MAX_CONCAT:
            raise ParamError("d_k", f"the scene joins {shown} heads of d_k = {trace.d_k} "
                             f"columns, {trace.multihead.concat_width} in all, and draws at most "
                             f"{MAX_CONCAT}: use a smaller d_k or fewer heads")
        if shown > 2 and t > MAX_TOKENS_TWO_ROWS:
            raise ParamError("heads", f"with {shown} heads the weight maps stand in two rows, "
                             f"which leaves room for at most {MAX_TOKENS_TWO_ROWS} tokens, "
                             f"got {t}: use 1 or 2 heads, or fewer tokens")
        room = cls.room_for_tokens(trace)
        widest = max(tokens, key=token_width)
        if token_width(widest) > room:
            raise ParamError("tokens", f"{widest!r} is too long to write above its column: "
                             f"with {t} tokens each token may be about "
                             f"{max(int(room / 0.255), 1)} Chinese characters or "
                             f"{max(int(room / 0.13), 1)} Latin letters wide; use shorter or "
                             "fewer tokens")

    @classmethod
    def room_for_tokens(cls, trace: attention.AttentionTrace) -> float:
        """The widest token (scene units at cell size) the two tightest views leave room for: the
        dot product (Q beside S, K^T over it, the worked terms at the right) and the weight
        maps side by side (two per row). A token stands beside each row and above each column.
        """
        width = layout().body.width / MIN_SCALE
        t, maps = trace.num_tokens, min(trace.multihead.num_heads, 2)
        numbers = pitch(trace.heads[0].scores, trace.causal_scores)

        def fits(w: float) -> bool:
            side = w + LABEL_GAP
            dot = (side + trace.d_k * CELL_W + BRACKETS + DOT_GAP
                   + t * max(numbers, w + 0.1) + BRACKETS + DOT_GAP + PANEL_WIDTH)
            row = maps * (side + t * max(CELL_W, w + 0.1) + BRACKETS) + (maps - 1) * MAP_GAP
            return max(dot, row) <= width

        widths = [float(w) for w in np.arange(0.1, 4.0, 0.01) if fits(w)]
        return widths[-1] if widths else 0.0

    # -- building blocks ------------------------------------------------------------------------
    def layout(self) -> None:
        self.check_trace(self.trace)
        t = self.trace
        self.tokens = list(t.tokens)
        self.n = t.num_tokens
        self.title = self.label("title", theme.TITLE_SIZE, theme.INK)
        self.regions.title.fit(self.title)
        # One pitch for S, its weights and the causal views: they replace each other in place.
        self.score_pitch = pitch(t.heads[0].scores, t.heads[0].weights, t.causal_scores,
                                 t.causal_weights, tokens=self.tokens)
        finite = np.where(np.isfinite(t.heads[0].scores), t.heads[0].scores, 0.0)
        self.score_scale = float(np.abs(finite).max()) or 1.0
        self.masked = ~np.asarray(t.allowed, dtype=bool)
        self.causal = ~np.tril(np.ones((self.n, self.n), dtype=bool))

    def array(self, path: str) -> np.ndarray:
        """A trace array with masked entries (null in JSON) as -inf."""
        def walk(node):
            return [walk(v) for v in node] if isinstance(node, list) else (
                -np.inf if node is None else node)
        return np.array(walk(self.values(path)), dtype=np.float64)

    def score_matrix(self, path: str, masked: np.ndarray | None = None,
                     scale: float | None = None) -> TokenMatrix:
        """Scores or weights (T x T) with the tokens on both axes, colored by value."""
        values = self.array(path)
        color = diverging(self.score_scale if scale is None else scale)
        return TokenMatrix(values, path, rows=self.tokens, cols=self.tokens,
                           column_pitch=self.score_pitch,
                           fill=lambda v: color(v) if np.isfinite(v) else theme.PAD_FILL,
                           masked=masked)

    def vector(self, path: str, color: theme.ManimColor = theme.INK,
               masked: np.ndarray | None = None, column: bool = True,
               width: float | None = None) -> LabelledMatrix:
        """A 1-D trace array as a column (or row) vector; `masked` entries grey."""
        values = self.array(path)
        widest = max(len(fmt(float(v))) for v in values) * DIGIT_W + 0.16
        vector = LabelledMatrix(values, path, cell=(width or widest, ROW_H), color=color,
                                column=column)
        for k in np.nonzero(masked)[0] if masked is not None else ():
            vector.entries[k][0].set_color(theme.MUTED)
        vector.numbers.set_z_index(1)
        return vector

    def softmax_table(self, scores: str, exps: str, exp_sum: str, weights: str,
                      masked: np.ndarray | None = None) -> VGroup:
        """s, e^s and a = e^s / Σ of one row as three columns, the tokens beside them and Σ
        under the exponentials. Parts: `tokens`, `cols` (s, e, a), `heads`, `total`."""
        cols = VGroup(self.vector(scores, masked=masked), self.vector(exps, masked=masked),
                      self.vector(weights, theme.ACCENT, masked=masked))
        cols.arrange(RIGHT, buff=0.5, aligned_edge=UP)
        heads = VGroup(*[tex(source, size=28).next_to(col, UP, buff=0.15)
                         for source, col in zip((r"s", r"e^{s}", r"a = e^{s} / \Sigma"),
                                                cols, strict=True)])
        heads.align_to(heads[1], DOWN)
        tokens = VGroup()
        for k, token in enumerate(self.tokens):
            tick = theme.tick(token).next_to(cols[0], LEFT, buff=LABEL_GAP)
            tokens.add(tick.set_y(cols[0].entries[k][0].get_y()))
        total = self.bound("Σ = {}", exp_sum, size=theme.CELL_TEXT_SIZE)
        total.next_to(cols[1], DOWN, buff=0.2)
        table = VGroup(tokens, cols, heads, total)
        table.tokens, table.cols, table.heads, table.total = tokens, cols, heads, total
        return table

    def inner(self, top: float = 0.55, bottom: float = 0.45) -> Region:
        """The body less room above (a caption) and below (a note)."""
        body = self.regions.body
        return Region("inner", body.left, body.right, body.bottom + bottom, body.top - top)

    @staticmethod
    def place(region: Region, mob: Mobject, x: float = 0.5, y: float = 0.5,
              cap: float = MAX_SCALE) -> Mobject:
        """Scale `mob` to fill `region` (growing at most `cap` times), centered at (x, y)."""
        mob.scale(min(region.width / mob.width, region.height / mob.height, cap))
        mob.move_to(region.point(x, y))
        return region.clamp(mob)

    def named(self, matrix: TokenMatrix, source: str, color: theme.ManimColor,
              *captions: Mobject) -> VGroup:
        """A matrix under its name (and captions), the name centered over the numbers."""
        name = tex(source, color)
        head = VGroup(name, *captions).arrange(DOWN, buff=0.1)
        head.next_to(matrix.matrix, UP, buff=0.18 + (matrix.col_labels.height + 0.08
                                                     if len(matrix.col_labels) else 0))
        group = VGroup(head, matrix)
        group.name, group.matrix, group.head = name, matrix, head
        return group

    # -- the lesson -----------------------------------------------------------------------------
    def construct(self) -> None:
        self.layout()
        self.intro()
        self.embed()
        self.qkv()
        self.dot()
        self.scale()
        self.softmax()
        self.weight_map()
        self.output()
        self.mask()
        self.heads()
        self.join()
        self.summary()

    def intro(self) -> None:
        t, body = self.trace, self.regions.body
        boxes = VGroup()
        for token in self.tokens:
            word = theme.tick(token, theme.TITLE_SIZE, theme.INK)
            box = RoundedRectangle(corner_radius=0.15, width=max(word.width + 0.5, 1.1),
                                   height=0.95, stroke_color=theme.MUTED, stroke_width=2,
                                   fill_color=theme.CELL_FILL, fill_opacity=1)
            boxes.add(VGroup(box, word.move_to(box)))
        boxes.arrange(RIGHT, buff=0.8)
        self.place(body, boxes, y=0.3, cap=1.0)
        caption = self.label("tokens").next_to(boxes, DOWN, buff=0.4)
        tops = [b.get_top() + UP * 0.05 for b in boxes]
        weights = t.heads[0].weights

        def arcs(query: int, color: theme.ManimColor) -> VGroup:
            return VGroup(*[arc_between(tops[query], tops[key], float(weights[query][key]),
                                        color) for key in range(self.n)])

        self.add(self.title)
        with self.cue("intro") as slot:
            self.play(LaggedStart(*[FadeIn(b, shift=UP * 0.2) for b in boxes], lag_ratio=0.2),
                      FadeIn(caption), run_time=slot.share(0.2))
            self.until(slot, 0.35)
            # "every token looks at every token": each one's lines, one token after another
            step = slot.share(0.3) / (self.n - 1)
            for query in range(self.n - 1):
                lines = arcs(query, theme.MUTED)
                self.play(Create(lines), theme.pulse(boxes[query]), run_time=step * 0.6)
                self.play(FadeOut(lines), run_time=step * 0.4)
            self.until(slot, 0.72)
            focus = arcs(self.n - 1, theme.ACCENT)
            self.play(LaggedStart(*[Create(a) for a in focus], lag_ratio=0.25),
                      boxes[-1][0].animate.set_stroke(theme.ACCENT, 3),
                      run_time=slot.share(0.2))
        self.boxes, self.intro_rest = boxes, VGroup(caption, focus)

    def embed(self) -> None:
        t = self.trace
        x = TokenMatrix(t.X, "X", rows=self.tokens, column_pitch=pitch(t.X))
        self.place(self.inner(1.0, 0.1), x)  # the name and caption above, at their own size
        group = self.named(x, "X", theme.INK, self.label("x"))
        with self.cue("embed") as slot:
            self.play(FadeOut(self.intro_rest),
                      *[ReplacementTransform(b[1], label)
                        for b, label in zip(self.boxes, x.row_labels, strict=True)],
                      *[FadeOut(b[0]) for b in self.boxes], run_time=slot.share(0.15))
            self.play(FadeIn(x.matrix.left_bracket, x.matrix.right_bracket, group.head),
                      LaggedStart(*[FadeIn(x.row(r), shift=RIGHT * 0.3) for r in range(self.n)],
                                  lag_ratio=0.3), run_time=slot.share(0.25))
            self.until(slot, 0.45)
            # one row per token, one position per row
            frame = x.frame(0, 0, 1, t.d_model)
            self.play(Create(frame), run_time=slot.share(0.05))
            step = slot.share(0.4) / self.n
            for r in range(1, self.n):
                self.play(frame.animate.move_to(x.frame(r, 0, 1, t.d_model)), run_time=step)
            self.play(FadeOut(frame), Indicate(group.head[1], color=theme.ACCENT),
                      run_time=slot.share(0.1, 1.0))
        self.x_group = group

    def qkv(self) -> None:
        body, h = self.regions.body, self.trace.heads[0]
        xg = self.x_group
        w_q = TokenMatrix(h.W_q, "heads[0].W_q", column_pitch=pitch(h.W_q))
        wg = self.named(w_q, "W^Q", Q_COLOR, self.label("w_q", theme.CELL_TEXT_SIZE))
        mats = {}
        for key, color, name, role in (("Q", Q_COLOR, "Q = XW^Q", "q_role"),
                                      ("K", K_COLOR, "K = XW^K", "k_role"),
                                      ("V", V_COLOR, "V = XW^V", "v_role")):
            array = getattr(h, key)
            m = TokenMatrix(array, f"heads[0].{key}", rows=self.tokens, column_pitch=pitch(array))
            mats[key] = self.named(m, name, color, self.label(role, theme.CELL_TEXT_SIZE, color))
        # First X W^Q = Q in a row; then Q, K and V side by side.
        target = xg.copy()
        times, equals = tex(r"\times"), tex("=")
        first = VGroup(target, times, wg, equals, mats["Q"].copy()).arrange(RIGHT, buff=0.3)
        self.place(body, first)
        q_first = first[4]
        final = VGroup(*mats.values()).arrange(RIGHT, buff=0.7, aligned_edge=UP)
        self.place(body, final, y=0.6)
        with self.cue("qkv") as slot:
            self.play(Transform(xg, target), FadeIn(times, wg), run_time=slot.share(0.12))
            self.play(FadeIn(equals, q_first.head, q_first.matrix.matrix.left_bracket,
                             q_first.matrix.matrix.right_bracket, q_first.matrix.row_labels),
                      LaggedStart(*[TransformFromCopy(VGroup(xg.matrix.row(r), w_q.matrix.numbers),
                                                      q_first.matrix.row(r))
                                    for r in range(self.n)], lag_ratio=0.2),
                      run_time=slot.share(0.2))
            self.until(slot, 0.36)
            self.play(theme.pulse(wg), run_time=slot.share(0.06, 0.6))  # "learned in training"
            self.until(slot, 0.45)
            self.play(FadeOut(xg, times, wg, equals), ReplacementTransform(q_first, mats["Q"]),
                      run_time=slot.share(0.1))
            for key, at in (("K", 0.62), ("V", 0.8)):
                self.until(slot, at)
                self.play(FadeIn(mats[key], shift=LEFT * 0.3), run_time=slot.share(0.1))
        self.qkv_groups = mats

    def dot(self) -> None:
        t, body, h = self.trace, self.regions.body, self.trace.heads[0]
        i, j = t.focus_query, t.focus_key
        q = TokenMatrix(h.Q, "heads[0].Q", rows=self.tokens, column_pitch=pitch(h.Q))
        kt = TokenMatrix(np.asarray(h.K).T, "heads[0].K", cols=self.tokens,
                         column_pitch=self.score_pitch, transposed=True)
        s = self.score_matrix("heads[0].scores", self.masked)
        s.remove(s.row_labels, s.col_labels)  # Q's tokens and K^T's stand beside them
        qg = self.named(q, "Q", Q_COLOR)
        # K^T over S, Q beside S, rows and columns aligned
        kt.next_to(s, UP, buff=0.25)
        kt.shift(RIGHT * (s.entries[0][0].get_x() - kt.entries[0][0].get_x()))
        qg.next_to(s, LEFT, buff=DOT_GAP)
        qg.shift(UP * (s.entries[0][0].get_y() - q.entries[0][0].get_y()))
        kt_name = tex(r"K^{\top}", K_COLOR).next_to(kt, LEFT, buff=0.2)
        terms = VGroup(*[self.bound_terms(m) for m in range(t.d_k)])
        terms.arrange(DOWN, buff=0.14, aligned_edge=LEFT)
        total = self.bound("Σ = {}", "focus_raw_score", size=theme.CELL_TEXT_SIZE,
                           color=theme.INK)
        divided = self.bound("{} ÷ {} = {}", "focus_raw_score", "sqrt_d_k", "focus_score",
                             size=theme.CELL_TEXT_SIZE, color=theme.ACCENT)
        caption = self.label("dot", theme.CELL_TEXT_SIZE)
        panel = VGroup(caption, terms, total, divided).arrange(DOWN, buff=0.22,
                                                               aligned_edge=LEFT)
        panel.next_to(s, RIGHT, buff=DOT_GAP).align_to(s, DOWN)
        view = VGroup(qg, kt, kt_name, s, panel)
        self.place(body, view)
        formula = self.regions.footer.fit(tex(r"S = \frac{QK^{\top}}{\sqrt{d_k}}", size=32))

        old = self.qkv_groups
        k_old = old["K"].matrix
        k_moves = [ReplacementTransform(k_old.entries[r][m], kt.entries[m][r])
                   for r in range(self.n) for m in range(t.d_k)]
        with self.cue("dot") as slot:
            self.play(FadeOut(old["V"], old["K"].head, k_old.row_labels,
                              k_old.matrix.left_bracket, k_old.matrix.right_bracket),
                      ReplacementTransform(old["Q"], qg), *k_moves,
                      FadeIn(kt.matrix.left_bracket, kt.matrix.right_bracket, kt.col_labels,
                             kt_name, s.matrix.boxes, s.matrix.left_bracket,
                             s.matrix.right_bracket, formula), run_time=slot.share(0.15))
            self.until(slot, 0.25)
            q_row, k_col = q.frame(i, 0, 1, t.d_k, Q_COLOR), kt.frame(0, j, t.d_k, 1, K_COLOR)
            self.play(Create(q_row), Create(k_col), FadeIn(caption), run_time=slot.share(0.06))
            self.until(slot, 0.32)
            self.play(LaggedStart(*[TransformFromCopy(VGroup(q.entries[i][m], kt.entries[m][j]),
                                                      terms[m]) for m in range(t.d_k)],
                                  lag_ratio=0.4), run_time=slot.share(0.18))
            self.until(slot, 0.5)
            self.play(TransformFromCopy(terms, total), run_time=slot.share(0.06))
            self.until(slot, 0.6)
            self.play(Write(divided), run_time=slot.share(0.08))
            self.until(slot, 0.7)
            cell = s.frame(i, j, 1, 1)
            self.play(TransformFromCopy(divided, s.entries[i][j]), Create(cell),
                      run_time=slot.share(0.08))
            self.until(slot, 0.78)
            rest = [s.entries[r][c] for r in range(self.n) for c in range(self.n)
                    if (r, c) != (i, j)]
            self.play(FadeOut(q_row, k_col, cell),
                      LaggedStart(*[FadeIn(e) for e in rest], lag_ratio=0.04),
                      run_time=slot.share(0.17))
        self.dot_view = VGroup(qg, kt, kt_name, s, panel, formula)

    def bound_terms(self, m: int) -> Mobject:
        """q_i[m] × k_j[m] = term, bound to the trace."""
        t = self.trace
        text = theme.bound("{} × {} = {}", [
            self.ref(f"heads[0].Q[{t.focus_query}][{m}]"),
            signed(self.ref(f"heads[0].K[{t.focus_key}][{m}]")),
            self.ref(f"focus_terms[{m}]")], theme.CELL_TEXT_SIZE)
        return text

    def scale(self) -> None:
        t, body = self.trace, self.regions.body
        demo = t.scale_demo
        legend_row, plots_row = body.rows(0.45, 4.5, gap=0.1)
        left, right = plots_row.columns(1.0, 1.0, gap=0.8)
        swatches = VGroup()
        for key, color in (("unscaled", theme.ACCENT), ("scaled", theme.SECOND)):
            swatch = Rectangle(width=0.3, height=0.2, stroke_width=0, fill_color=color,
                               fill_opacity=0.9)
            swatches.add(VGroup(swatch, self.label(key, theme.CELL_TEXT_SIZE)).arrange(
                RIGHT, buff=0.12))
        swatches.arrange(RIGHT, buff=0.6)
        legend_row.fit(swatches)
        plots = []
        for region, (key, raw, scaled, step) in zip((left, right), (
                ("spread", "raw_std", "scaled_std", None),
                ("gradient", "raw_grad", "scaled_grad", None)), strict=True):
            raw_v, scaled_v = np.asarray(getattr(demo, raw)), np.asarray(getattr(demo, scaled))
            top, step = self.axis_top(max(raw_v.max(), scaled_v.max()))
            plot = Plot((0.4, len(demo.dims) + 0.6, 1), (0, top, step), width=region.width,
                        height=region.height, x_caption=self.label("dims", theme.CELL_TEXT_SIZE),
                        y_caption=self.label(key, theme.CELL_TEXT_SIZE),
                        x_ticks=[k + 1 for k in range(len(demo.dims))])
            # The tick texts would say 1, 2, 3...: the bars' d_k (trace numbers) replace them.
            dims = VGroup(*[self.bound("{}", f"scale_demo.dims[{k}]",
                                       size=theme.CELL_TEXT_SIZE, color=theme.MUTED)
                            .move_to(tick) for k, tick in enumerate(plot.x_ticks)])
            plot.remove(plot.x_ticks)
            plot.add(dims)
            region.fit(plot)
            xs = np.arange(1, len(demo.dims) + 1, dtype=float)
            plot.raw = plot.bars(raw_v, f"scale_demo.{raw}", xs=xs - 0.2, width=0.36,
                                 color=theme.ACCENT)
            plot.scaled = plot.bars(scaled_v, f"scale_demo.{scaled}", xs=xs + 0.2, width=0.36,
                                    color=theme.SECOND)
            plots.append(plot)
        saturation = self.regions.footer.fit(self.label("saturation", theme.BODY_SIZE,
                                                        theme.INK))

        def grow(bars) -> LaggedStart:
            return LaggedStart(*[AnimationGroup(GrowFromEdge(r, DOWN), FadeIn(label))
                                 for r, label in zip(bars.rects, bars.labels, strict=True)],
                               lag_ratio=0.3)

        with self.cue("scale") as slot:
            self.play(FadeOut(self.dot_view), run_time=slot.share(0.06))
            self.play(FadeIn(plots[0].axes, plots[0].y_ticks, plots[0].x_caption,
                             plots[0].y_caption, plots[0][-1], swatches[0]),
                      run_time=slot.share(0.08))
            self.until(slot, 0.24)
            self.play(grow(plots[0].raw), run_time=slot.share(0.22))
            self.until(slot, 0.5)
            self.play(FadeIn(saturation, shift=UP * 0.2), run_time=slot.share(0.06))
            self.play(FadeIn(plots[1].axes, plots[1].y_ticks, plots[1].x_caption,
                             plots[1].y_caption, plots[1][-1]), run_time=slot.share(0.06))
            self.play(grow(plots[1].raw), run_time=slot.share(0.14))
            self.until(slot, 0.78)
            self.play(FadeIn(swatches[1]), grow(plots[0].scaled), grow(plots[1].scaled),
                      run_time=slot.share(0.17))
        self.scale_view = VGroup(swatches, *plots, *[VGroup(p.raw, p.scaled) for p in plots],
                                 saturation)

    @staticmethod
    def axis_top(value: float) -> tuple[float, float]:
        """A round top for an axis holding `value`, and a tick step (4 or 5 steps)."""
        magnitude = 10 ** math.floor(math.log10(value))
        for step in (0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0):
            if value * 1.12 <= step * magnitude * 5:
                return step * magnitude * 5, step * magnitude
        return 50.0 * magnitude, 10.0 * magnitude

    def softmax(self) -> None:
        t, body = self.trace, self.regions.body
        i = t.focus_query
        s = self.score_matrix("heads[0].scores", self.masked)
        table = self.softmax_table(f"heads[0].scores[{i}]", "focus_exps", "focus_exp_sum",
                                   f"heads[0].weights[{i}]")
        sg = self.named(s, "S", theme.INK)
        view = VGroup(sg, table).arrange(RIGHT, buff=1.0)
        self.place(body, view)
        caption = self.label("softmax", theme.LABEL_SIZE, theme.INK)
        formula = tex(r"a_{ij} = \frac{e^{s_{ij}}}{\sum_k e^{s_{ik}}}", size=30)
        self.regions.footer.fit(VGroup(caption, formula).arrange(RIGHT, buff=0.6))
        s_col, e_col, a_col = table.cols
        with self.cue("softmax") as slot:
            self.play(FadeOut(self.scale_view), run_time=slot.share(0.06))
            self.play(FadeIn(sg, formula), run_time=slot.share(0.08))
            self.until(slot, 0.2)
            row = s.frame(i, 0, 1, self.n)
            self.play(Create(row), FadeIn(caption, table.tokens, table.heads[0],
                                          s_col.left_bracket, s_col.right_bracket),
                      TransformFromCopy(s.row(i), s_col.numbers), run_time=slot.share(0.1))
            self.until(slot, 0.3)
            self.play(FadeIn(table.heads[1], e_col.left_bracket, e_col.right_bracket),
                      LaggedStart(*[TransformFromCopy(s_col.entries[k][0], e_col.entries[k][0])
                                    for k in range(self.n)], lag_ratio=0.25),
                      run_time=slot.share(0.14))
            self.until(slot, 0.46)
            self.play(TransformFromCopy(e_col.numbers, table.total), run_time=slot.share(0.07))
            self.until(slot, 0.56)
            self.play(FadeIn(table.heads[2], a_col.left_bracket, a_col.right_bracket),
                      TransformFromCopy(VGroup(e_col.numbers, table.total), a_col.numbers),
                      run_time=slot.share(0.1))
            key = VGroup(*[SurroundingRectangle(col.entries[t.focus_key][0], color=theme.ACCENT,
                                                buff=0.05) for col in (e_col, a_col)])
            self.until(slot, 0.66)
            self.play(Create(key), run_time=slot.share(0.06))
            self.until(slot, 0.8)
            self.play(FadeOut(key), theme.pulse(a_col, 1.1), run_time=slot.share(0.1, 0.6))
        self.softmax_view = VGroup(sg, caption, table, row, formula)
        self.s_group = sg

    def weight_map(self) -> None:
        t = self.trace
        sg = self.s_group
        a = self.score_matrix("heads[0].weights", self.masked, scale=t.weights_max)
        a.scale(sg.matrix.unit()[1] / ROW_H).move_to(sg.matrix)
        name = self.regions.footer.fit(tex(r"A = \mathrm{softmax}(S)", theme.ACCENT, 32))
        caption = self.label("weights", theme.LABEL_SIZE, theme.INK)
        legend = ColorLegend(diverging(t.weights_max), self.ref("weights_min"),
                             self.ref("weights_max"), t.weights_min, t.weights_max, length=2.2,
                             high_caption=self.label("more", theme.CELL_TEXT_SIZE),
                             low_caption=self.label("less", theme.CELL_TEXT_SIZE))
        legend.next_to(a, RIGHT, buff=0.6)
        query_axis = self.label("query_axis", theme.CELL_TEXT_SIZE, theme.ACCENT)
        query_axis.next_to(a.col_labels, LEFT, buff=0.25)
        key_axis = self.label("key_axis", theme.CELL_TEXT_SIZE, theme.SECOND)
        key_axis.next_to(a.col_labels, UP, buff=0.12)
        caption.next_to(legend, UP, buff=0.5).align_to(legend, LEFT)
        for mob in (legend, query_axis, key_axis, caption):
            self.regions.body.clamp(mob)
        with self.cue("weights") as slot:
            table = self.softmax_view
            self.play(FadeOut(table[1], table[2], table[3], table[4], sg.name),
                      ReplacementTransform(sg.matrix.matrix, a.matrix),
                      ReplacementTransform(sg.matrix.row_labels, a.row_labels),
                      ReplacementTransform(sg.matrix.col_labels, a.col_labels),
                      FadeIn(name, caption), run_time=slot.share(0.15))
            self.until(slot, 0.22)
            self.play(FadeIn(query_axis), theme.pulse(a.row_labels, 1.15),
                      run_time=slot.share(0.07, 0.6))
            self.until(slot, 0.3)
            self.play(FadeIn(key_axis), theme.pulse(a.col_labels, 1.15),
                      run_time=slot.share(0.07, 0.6))
            frame = a.frame(0, 0, 1, self.n)
            self.play(Create(frame), run_time=slot.share(0.04))
            step = slot.share(0.18) / self.n
            for r in range(1, self.n):
                self.play(frame.animate.move_to(a.frame(r, 0, 1, self.n)), run_time=step)
            self.play(FadeOut(frame), run_time=slot.share(0.03))
            self.until(slot, 0.62)
            self.play(FadeIn(legend), run_time=slot.share(0.08))
            self.until(slot, 0.75)
            best = VGroup(*[a.frame(r, int(np.argmax(t.heads[0].weights[r])), 1, 1)
                            for r in range(self.n)])
            self.play(LaggedStart(*[Create(b) for b in best], lag_ratio=0.3),
                      run_time=slot.share(0.15))
            self.play(FadeOut(best), run_time=slot.share(0.05))
        self.a_view = VGroup(a, name, legend, query_axis, key_axis, caption)
        self.a = a

    def output(self) -> None:
        t, body, h = self.trace, self.regions.body, self.trace.heads[0]
        i, j = t.focus_query, t.focus_key
        weights = self.vector(f"heads[0].weights[{i}]", theme.ACCENT)
        v = TokenMatrix(h.V, "heads[0].V", rows=self.tokens, column_pitch=pitch(h.V))
        wv = TokenMatrix(t.focus_weighted_values, "focus_weighted_values",
                         column_pitch=pitch(t.focus_weighted_values, h.output))
        out = self.vector(f"heads[0].output[{i}]", theme.ACCENT, column=False,
                          width=wv.pitch[0])
        vg = self.named(v, "V", V_COLOR)
        wvg = self.named(wv, r"a_{j}\, v_{j}", theme.INK,
                         self.label("weighted", theme.CELL_TEXT_SIZE))
        a_name = tex(r"a_{j}", theme.ACCENT).next_to(weights, UP, buff=0.18)
        times, arrow = tex(r"\times"), tex(r"\rightarrow")
        ag = VGroup(a_name, weights)
        row = VGroup(ag, times, vg, arrow, wvg).arrange(RIGHT, buff=0.3)
        level = v.matrix.get_y()  # every part's rows level with V's
        ag.shift(UP * (level - weights.get_y()))
        wvg.shift(UP * (level - wv.matrix.get_y()))
        times.set_y(level)
        arrow.set_y(level)
        out.next_to(wv.matrix, DOWN, buff=0.45)
        out.shift(RIGHT * (wv.entries[0][0].get_x() - out.entries[0][0].get_x()))
        sigma = tex(r"\Sigma\downarrow", theme.ACCENT, 26).next_to(out, LEFT, buff=0.15)
        out_caption = self.label("output", theme.CELL_TEXT_SIZE, theme.ACCENT)
        out_caption.next_to(out, DOWN, buff=0.15)
        view = VGroup(row, out, sigma, out_caption)
        self.place(body, view)
        # Every token's output: O = A V, row i the one just computed.
        o = TokenMatrix(h.output, "heads[0].output", column_pitch=wv.pitch[0])
        o.scale(wv.unit()[1] / ROW_H).move_to(wv.matrix)
        o_caption = self.label("output_all", theme.CELL_TEXT_SIZE)
        o_caption.scale(wv.unit()[1] / ROW_H).move_to(wvg.head)
        with self.cue("output") as slot:
            self.play(FadeOut(VGroup(*[m for m in self.a_view if m is not self.a]),
                              self.a.row_labels, self.a.col_labels),
                      TransformFromCopy(self.a.row(i), weights.numbers),
                      FadeIn(a_name, weights.left_bracket, weights.right_bracket),
                      run_time=slot.share(0.12))
            self.play(FadeOut(self.a.matrix), FadeIn(times, vg, arrow),
                      run_time=slot.share(0.1))
            self.until(slot, 0.3)
            self.play(FadeIn(wvg.head, wv.matrix.left_bracket, wv.matrix.right_bracket),
                      LaggedStart(*[TransformFromCopy(VGroup(weights.entries[k][0], v.row(k)),
                                                      wv.row(k)) for k in range(self.n)],
                                  lag_ratio=0.3), run_time=slot.share(0.16))
            self.until(slot, 0.48)
            self.play(FadeIn(sigma), TransformFromCopy(wv.matrix.numbers, out.numbers),
                      FadeIn(out.left_bracket, out.right_bracket, out_caption),
                      run_time=slot.share(0.1))
            self.until(slot, 0.6)
            mark = VGroup(SurroundingRectangle(weights.entries[j][0], color=theme.ACCENT,
                                               buff=0.05), wv.frame(j, 0, 1, t.d_k))
            self.play(Create(mark), run_time=slot.share(0.06))
            self.until(slot, 0.8)
            self.play(FadeOut(mark, wvg.head), FadeIn(o_caption),
                      ReplacementTransform(wv.matrix, o.matrix), run_time=slot.share(0.1))
            self.play(Indicate(o.row(i), color=theme.ACCENT, scale_factor=1.1),
                      run_time=slot.share(0.08, 0.6))
        self.output_view = VGroup(a_name, weights, times, vg, arrow, o.matrix, o_caption, out,
                                  sigma, out_caption)

    def mask(self) -> None:
        t, body = self.trace, self.regions.body
        row = t.causal_focus
        full = self.score_matrix("heads[0].scores", self.masked)
        masked = self.score_matrix("causal_scores", self.causal)
        weights = self.score_matrix("causal_weights", self.causal,
                                    scale=float(np.max(t.causal_weights)))
        table = self.softmax_table(f"causal_scores[{row}]", "causal_focus_exps",
                                   "causal_focus_exp_sum", f"causal_weights[{row}]",
                                   masked=self.causal[row])
        view = VGroup(full, table).arrange(RIGHT, buff=1.0)
        self.place(self.inner(), view)
        for m in (masked, weights):
            m.scale(full.unit()[1] / ROW_H).move_to(full)
        caption = self.label("mask", theme.LABEL_SIZE, theme.INK)
        caption.next_to(full, UP, buff=0.25)
        note = self.label("masked", theme.CELL_TEXT_SIZE, theme.MUTED)
        note.next_to(full, DOWN, buff=0.2)
        weights_caption = self.label("causal_weights", theme.LABEL_SIZE, theme.INK)
        weights_caption.move_to(caption)
        for mob in (caption, note, weights_caption):
            body.clamp(mob)
        hidden = VGroup(*[masked.box(r, c) for r, c in zip(*np.nonzero(self.causal),
                                                              strict=True)])
        s_col, e_col, a_col = table.cols
        with self.cue("mask") as slot:
            self.play(FadeOut(self.output_view), run_time=slot.share(0.06))
            self.play(FadeIn(full, caption), run_time=slot.share(0.08))
            self.until(slot, 0.3)
            self.play(ReplacementTransform(full.matrix, masked.matrix), FadeIn(note),
                      run_time=slot.share(0.12))
            self.until(slot, 0.5)
            self.play(LaggedStart(*[Indicate(b, color=theme.NEGATIVE, scale_factor=1.0)
                                    for b in hidden], lag_ratio=0.1),
                      run_time=slot.share(0.1, 0.6))
            self.until(slot, 0.6)
            frame = masked.frame(row, 0, 1, self.n)
            self.play(Create(frame), FadeIn(table.tokens, table.heads, s_col.left_bracket,
                                            s_col.right_bracket),
                      TransformFromCopy(masked.row(row), s_col.numbers), run_time=slot.share(0.08))
            self.play(FadeIn(e_col.left_bracket, e_col.right_bracket),
                      TransformFromCopy(s_col.numbers, e_col.numbers), run_time=slot.share(0.07))
            self.play(TransformFromCopy(e_col.numbers, table.total), FadeIn(a_col.left_bracket,
                                                                            a_col.right_bracket),
                      TransformFromCopy(e_col.numbers, a_col.numbers), run_time=slot.share(0.08))
            self.until(slot, 0.86)
            self.play(FadeOut(frame, note), ReplacementTransform(masked.matrix, weights.matrix),
                      ReplacementTransform(caption, weights_caption), run_time=slot.share(0.08))
            first = weights.frame(0, 0, 1, 1)
            self.play(Create(first), run_time=slot.share(0.04))
        self.mask_view = VGroup(full.row_labels, full.col_labels, weights.matrix, weights_caption,
                                table, first)

    def heads(self) -> None:
        t, body = self.trace, self.regions.body
        view = t.multihead
        count = view.num_heads
        scale = float(np.max(view.weights))
        column = pitch(view.weights, tokens=self.tokens)
        maps = []
        for h in range(count):
            values = np.asarray(view.weights[h])
            m = TokenMatrix(values, f"multihead.weights[{h}]", rows=self.tokens,
                            cols=self.tokens, column_pitch=column, fill=diverging(scale))
            caption = self.label(f"head_{h + 1}", theme.LABEL_SIZE, HEAD_COLORS[h])
            caption.next_to(m.col_labels, UP, buff=0.15)
            maps.append(VGroup(caption, m))
        grid = VGroup(*maps)

        def fitting(rows: int) -> float:
            """Arrange the maps in `rows` rows; return the scale that fits them in the body."""
            grid.arrange_in_grid(rows=rows, buff=(MAP_GAP, 0.35))
            return min(body.width / grid.width, body.height / grid.height)

        fitting(2 if count > 2 and fitting(2) > fitting(1) else 1)  # one row, or two of two
        self.place(body, grid)
        with self.cue("heads") as slot:
            self.play(FadeOut(self.mask_view), run_time=slot.share(0.06))
            self.play(FadeIn(maps[0]), run_time=slot.share(0.1))
            self.until(slot, 0.45)
            self.play(LaggedStart(*[FadeIn(m, shift=LEFT * 0.3) for m in maps[1:]],
                                  lag_ratio=0.4), run_time=slot.share(0.12))
            self.until(slot, 0.7)
            last = self.n - 1
            marks = VGroup()
            for h, (_, m) in enumerate(maps):
                key = view.focus_key_numbers[h] - 1
                marks.add(m.frame(last, 0, 1, self.n, theme.MUTED, 3),
                          m.frame(last, key, 1, 1, HEAD_COLORS[h]))
            self.play(LaggedStart(*[Create(mark) for mark in marks], lag_ratio=0.3),
                      run_time=slot.share(0.2))
        self.heads_view = VGroup(grid, marks)

    def join(self) -> None:
        t = self.trace
        view = t.multihead
        count, d_k = view.num_heads, t.d_k
        # Y under the joined heads while two rows of T fit; else all in one line, tighter.
        in_line = self.n * ROW_H * 2 + 1.75 > self.inner(0.2, 0.2).height / 0.95
        column = pitch(view.concat, view.output, least=TIGHT_W if in_line else CELL_W)
        concat = TokenMatrix(view.concat, "multihead.concat", rows=self.tokens,
                             column_pitch=column)
        w_o = ValueGrid(view.W_o, "multihead.W_o", cell=0.16,
                        fill=diverging(float(np.abs(view.W_o).max())), numbers=False)
        y = TokenMatrix(view.output, "multihead.output", column_pitch=column)
        times, equals = tex(r"\times"), tex("=")
        c_cap = self.label("concat", theme.CELL_TEXT_SIZE)
        w_name = tex("W^O", theme.INK, 28)
        w_cap = self.label("w_o", theme.CELL_TEXT_SIZE)
        y_cap = self.label("joined", theme.CELL_TEXT_SIZE, theme.ACCENT)
        parts = VGroup(concat, times, w_o, equals, y, c_cap, w_name, w_cap, y_cap)
        region = self.inner(0.2, 0.2)

        if in_line:
            VGroup(concat, times, w_o, equals, y).arrange(RIGHT, buff=0.3)
        else:
            VGroup(concat, times, w_o).arrange(RIGHT, buff=0.3)
            y.next_to(concat, DOWN, buff=0.75).align_to(concat.matrix, LEFT)
            equals.next_to(y, LEFT, buff=0.3)
        c_cap.next_to(concat.matrix, UP, buff=0.2)
        w_name.next_to(w_o, UP, buff=0.15)
        w_cap.next_to(w_o, DOWN, buff=0.15)
        if in_line:  # under the matrices' rows: it may be wider than the gaps beside W^O
            w_cap.set_y(concat.matrix.get_bottom()[1] - 0.1 - w_cap.height / 2)
        y_cap.next_to(y.matrix, UP, buff=0.2)
        self.place(region, parts)
        # Each head's output, apart at first, then side by side as one matrix.
        outs = []
        for h in range(count):
            o = TokenMatrix(view.outputs[h], f"multihead.outputs[{h}]", column_pitch=column,
                            color=HEAD_COLORS[h])
            o.scale(concat.unit()[1] / ROW_H)
            block = VGroup(*[concat.entries[r][h * d_k + m] for r in range(self.n)
                             for m in range(d_k)])
            o.move_to(block).shift(RIGHT * (h - (count - 1) / 2) * 0.6)
            cap = self.label(f"head_{h + 1}", theme.CELL_TEXT_SIZE, HEAD_COLORS[h])
            cap.scale(concat.unit()[1] / ROW_H)
            outs.append(VGroup(cap.next_to(o, UP, buff=0.12), o))
        with self.cue("join") as slot:
            self.play(FadeOut(self.heads_view), FadeIn(concat.row_labels, *outs),
                      run_time=slot.share(0.12))
            self.until(slot, 0.2)
            moves = [ReplacementTransform(outs[h][1].entries[r][m],
                                          concat.entries[r][h * d_k + m])
                     for h in range(count) for r in range(self.n) for m in range(d_k)]
            self.play(*moves, FadeOut(*[VGroup(o[0], o[1].matrix.left_bracket,
                                               o[1].matrix.right_bracket) for o in outs]),
                      FadeIn(c_cap, concat.matrix.left_bracket, concat.matrix.right_bracket),
                      run_time=slot.share(0.15))
            self.until(slot, 0.4)
            self.play(FadeIn(times, w_o, w_name, w_cap), run_time=slot.share(0.08))
            self.until(slot, 0.52)
            self.play(FadeIn(equals, y_cap, y.matrix.left_bracket, y.matrix.right_bracket),
                      TransformFromCopy(concat.matrix.numbers, y.matrix.numbers),
                      run_time=slot.share(0.12))
            self.until(slot, 0.75)
            self.play(theme.pulse(VGroup(y, y_cap), 1.05), run_time=slot.share(0.1, 0.6))
        self.join_view = VGroup(concat, times, w_o, w_name, w_cap, equals, y, c_cap, y_cap)

    def summary(self) -> None:
        t, body = self.trace, self.regions.body
        parts = (r"\mathrm{Attention}(Q,K,V)", "=", r"\mathrm{softmax}\Big(",
                 r"\frac{QK^{\top}}{\sqrt{d_k}}", r"\Big)", "V")
        formula = theme.formula(*parts, size=40)
        a = self.score_matrix("heads[0].weights", self.masked, scale=t.weights_max)
        view = VGroup(formula, a).arrange(DOWN, buff=0.5)
        self.place(body, view)
        with self.cue("summary") as slot:
            self.play(FadeOut(self.join_view), run_time=slot.share(0.06))
            self.play(Write(formula), run_time=slot.share(0.14))
            for part, at in ((0, 0.22), (3, 0.38), (2, 0.55), (5, 0.7)):
                self.until(slot, at)
                self.play(Indicate(formula[part], color=theme.ACCENT),
                          run_time=slot.share(0.08, 0.6))
            self.until(slot, 0.8)
            self.play(FadeIn(a, shift=UP * 0.2), run_time=slot.share(0.12))
