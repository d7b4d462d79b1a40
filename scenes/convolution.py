"""The convolution lesson: a kernel slides over a handwritten digit, products and sums in full."""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    UP,
    Create,
    FadeIn,
    FadeOut,
    Indicate,
    ReplacementTransform,
    TransformFromCopy,
    VGroup,
    Write,
)

from engine import conv
from engine.params import ParamError
from scenes import theme
from scenes.narrated import NarratedScene
from scenes.numbers import fmt
from scenes.widgets import ValueGrid, titled

MAX_PADDED = 12  # the scene writes every value; past this the numbers stop being readable
MAX_KERNEL = 5


class ConvolutionScene(NarratedScene):
    MODEL = conv.LESSON
    CUES = ("intro", "kernel", "first_window", "second_window", "slide", "formula", "size",
            "summary")
    LABELS = ("title", "input", "kernel", "output", "products")
    DETAILED = 2  # windows whose products and sum are written out

    # -- checks and layout (no animation: tests read the mobjects built here) ---------------
    @classmethod
    def check_trace(cls, trace: conv.ConvTrace) -> None:
        if np.ndim(trace.input) != 2 or np.ndim(trace.kernel) != 2:
            raise ParamError("input", "the convolution scene draws one channel: give a 2-D input "
                             "and kernel (`lecture values` handles C x H x W)")
        rows, cols = trace.padded.shape
        if max(rows, cols) > MAX_PADDED:
            raise ParamError("input", f"the padded input is {rows} x {cols}; the scene writes "
                             f"every value, so it allows at most {MAX_PADDED} x {MAX_PADDED}")
        if trace.positions < 2:
            raise ParamError("kernel", "the scene explains two window positions, but this "
                             "input, kernel, stride and padding give only one output cell")
        if max(trace.kernel.shape) > MAX_KERNEL:
            raise ParamError("kernel", f"the scene shows kernels up to {MAX_KERNEL} x "
                             f"{MAX_KERNEL}, got {trace.kernel.shape[0]} x {trace.kernel.shape[1]}")

    def layout(self) -> None:
        self.check_trace(self.trace)
        trace = self.trace
        padded = trace.padded
        p = trace.padding
        rows, cols = padded.shape
        muted = np.ones_like(padded, dtype=bool)
        muted[p:p + trace.in_height, p:p + trace.in_width] = False
        low, high = float(trace.input.min()), float(trace.input.max())
        self.input_grid = ValueGrid(padded, cell=min(0.55, 5.0 / max(rows, cols)),
                                    fill=lambda v: theme.intensity(v, low, high), muted=muted)
        k = max(trace.kernel.shape)
        kscale = float(np.abs(trace.kernel).max())
        self.kernel_grid = ValueGrid(trace.kernel, cell=min(0.55, 2.0 / k),
                                     fill=lambda v: theme.heat(v, kscale))
        out = trace.output
        self.out_scale = float(np.abs(out).max())
        self.output_grid = ValueGrid(out, cell=min(0.55, 5.0 / max(out.shape)))

        self.title = theme.text(self.labels["title"], theme.TITLE_SIZE).to_edge(UP, buff=0.3)
        self.input_group = titled(self.input_grid, self.labels["input"])
        self.kernel_group = titled(self.kernel_grid, self.labels["kernel"])
        self.output_group = titled(self.output_grid, self.labels["output"])
        self.input_group.move_to([-4.3, -0.2, 0])
        self.output_group.move_to([4.4, -0.2, 0])
        self.kernel_group.move_to([0, 1.35, 0])
        self.panel_anchor = np.array([0, -1.2, 0])

    def products_panel(self, window: conv.Window) -> tuple[VGroup, VGroup]:
        """The window's products as a grid of `x×k` terms, and the line with their sum."""
        kernel = self.trace.kernel
        terms = VGroup()
        for i in range(kernel.shape[0]):
            for j in range(kernel.shape[1]):
                k = fmt(kernel[i, j])
                k = f"({k})" if k.startswith("-") else k
                terms.add(theme.text(f"{fmt(window.patch[i, j])}×{k}", theme.CELL_TEXT_SIZE))
        terms.arrange_in_grid(rows=kernel.shape[0], cols=kernel.shape[1], buff=(0.28, 0.16))
        bias = fmt(self.trace.bias)
        bias = f"({bias})" if bias.startswith("-") else bias
        total = theme.text(f"Σ + b = {fmt(window.sum)} + {bias} = {fmt(window.value)}",
                           theme.BODY_SIZE, theme.ACCENT)
        total.next_to(terms, DOWN, buff=0.25)
        group = VGroup(terms, total)
        if group.width > 3.9:
            group.scale_to_fit_width(3.9)
        group.move_to(self.panel_anchor)
        caption = theme.text(self.labels["products"], theme.LABEL_SIZE, theme.MUTED)
        caption.next_to(group, UP, buff=0.2)
        return VGroup(caption, terms), total

    def fill_output(self, window: conv.Window) -> list:
        cell = self.output_grid.cells[window.row][window.col]
        return [cell.animate.set_fill(theme.heat(window.value, self.out_scale))]

    # -- the lesson ---------------------------------------------------------------------------
    def construct(self) -> None:
        self.camera.background_color = theme.BACKGROUND
        self.layout()
        trace = self.trace
        kh, kw = trace.kernel_height, trace.kernel_width
        windows = trace.windows
        grid_in, grid_out = self.input_grid, self.output_grid

        with self.cue("intro") as slot:
            self.play(Write(self.title), run_time=slot.share(0.2))
            self.play(FadeIn(self.input_group), run_time=slot.share(0.3))
            # "the brighter the cell, the larger the value": point at the brightest pixel
            row, col = np.unravel_index(np.argmax(trace.padded), trace.padded.shape)
            self.play(Indicate(grid_in.texts[row][col], color=theme.ACCENT, scale_factor=1.8),
                      run_time=slot.share(0.2))

        with self.cue("kernel") as slot:
            self.play(FadeIn(self.kernel_group, shift=DOWN * 0.2), run_time=slot.share(0.3))
            caption = self.output_group[0]
            self.play(FadeIn(caption, grid_out.squares), run_time=slot.share(0.2))

        frame = grid_in.window(windows[0].top, windows[0].left, kh, kw)
        detailed = windows[:self.DETAILED]
        for cue_id, window in zip(("first_window", "second_window"), detailed, strict=True):
            with self.cue(cue_id) as slot:
                target = grid_in.block_center(window.top, window.left, kh, kw)
                if window is windows[0]:
                    self.play(Create(frame), run_time=slot.share(0.1))
                else:
                    self.play(frame.animate.move_to(target), run_time=slot.share(0.1))
                terms, total = self.products_panel(window)
                patch_texts = VGroup(*[grid_in.texts[window.top + i][window.left + j]
                                       for i in range(kh) for j in range(kw)])
                self.play(FadeIn(terms[0]), TransformFromCopy(patch_texts, terms[1]),
                          run_time=slot.share(0.3))
                self.play(Write(total), run_time=slot.share(0.15))
                value = grid_out.texts[window.row][window.col]
                self.play(TransformFromCopy(total, value), *self.fill_output(window),
                          run_time=slot.share(0.15))
                self.add(value)
            self.play(FadeOut(terms), FadeOut(total), run_time=1 / 15)

        with self.cue("slide") as slot:
            rest = windows[len(detailed):]
            step = slot.share(0.85 / max(len(rest), 1))
            for window in rest:
                target = grid_in.block_center(window.top, window.left, kh, kw)
                value = grid_out.texts[window.row][window.col]
                self.play(frame.animate.move_to(target), FadeIn(value),
                          *self.fill_output(window), run_time=step)

        with self.cue("formula") as slot:
            formula = theme.formula(r"y_{i,j} = b + \sum_{m}\sum_{n} x_{i s + m,\ j s + n}\,"
                                 r"k_{m,n}", size=32)
            formula.to_edge(DOWN, buff=0.35)
            self.play(FadeOut(frame), Write(formula), run_time=slot.share(0.4))

        with self.cue("size") as slot:
            size = theme.formula(*self.size_formula(), size=30).to_edge(DOWN, buff=0.35)
            self.play(ReplacementTransform(formula, size), run_time=slot.share(0.35))

        with self.cue("summary") as slot:
            best = max(windows, key=lambda w: w.value)
            marks = VGroup(grid_out.window(best.row, best.col, 1, 1),
                           grid_in.window(best.top, best.left, kh, kw))
            self.play(Create(marks), run_time=slot.share(0.25))

    def size_formula(self) -> tuple[str, ...]:
        """H_out = floor((H + 2p - k) / s) + 1 with this run's numbers (and W if it differs)."""
        t = self.trace

        def line(name: str, n: int, k: int, out: int) -> str:
            return (rf"{name}_{{out}} = \left\lfloor \frac{{{name} + 2p - k}}{{s}} \right\rfloor"
                    rf" + 1 = \left\lfloor \frac{{{n} + 2\cdot{t.padding} - {k}}}{{{t.stride}}}"
                    rf" \right\rfloor + 1 = {out}")

        parts = [line("H", t.in_height, t.kernel_height, t.out_height)]
        if (t.in_width, t.kernel_width) != (t.in_height, t.kernel_height):
            parts.append(r",\quad " + line("W", t.in_width, t.kernel_width, t.out_width))
        return tuple(parts)



