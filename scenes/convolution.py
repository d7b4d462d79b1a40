"""The convolution lesson: a kernel slides over a handwritten digit, products and sums in full;
then what the feature map means, a second kernel, stride, padding, channels and shared weights.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    Create,
    FadeIn,
    FadeOut,
    Indicate,
    LaggedStart,
    Line,
    MathTex,
    ReplacementTransform,
    TransformFromCopy,
    VGroup,
    Write,
    always_redraw,
    config,
)

from engine import conv
from engine.params import ParamError
from scenes import theme
from scenes.layout import Region
from scenes.narrated import NarratedScene
from scenes.widgets import formulas
from scenes.widgets.grid import ValueGrid, blank_grid, titled
from scenes.widgets.heatmap import ColorLegend, diverging
from scenes.widgets.panels import ProductsPanel, signed

MAX_PADDED = 12  # the scene writes every value; past this the numbers stop being readable
MAX_KERNEL = 5
MIN_STEP = 0.3  # seconds per window while sliding: faster stops being readable
# Beside the digit: a gap, the map, a gap, the second map, a gap, the second kernel.
GAPS = (0.45, 0.6, 0.3)
KERNEL2_WIDTH = 1.2


class ConvolutionScene(NarratedScene):
    MODEL = conv.LESSON
    CUES = ("intro", "kernel", "first_window", "second_window", "slide", "feature_map",
            "second_kernel", "stride", "padding", "out_channels", "in_channels", "shared",
            "formula", "summary")
    LABELS = ("title", "input", "input_padded", "kernel", "output", "products", "positive",
              "negative", "compare_kernel", "compare_output", "stride", "dropped",
              "stride_output", "padding", "padding_output", "channel_out", "next_layer",
              "shared_conv", "shared_dense")
    HANDOUT = ("output", "output_max", "output_min", "compare_output", "channels_output",
               "kernel_weights", "dense_weights")
    EXAMPLES = (
        {"stride": 2, "padding": 1, "bias": -0.5},
        {"kernel": "blur", "input": "digit-3"},
        {"kernel": [[0.25, -1.5], [2, 0.125]], "bias": 0,
         "input": [[1, 2, 3, 0, 1], [4, 5, 6, 1, 0], [7, 8, 9.5, 2, 2], [0, 1, 0, 3, 1],
                   [2, 0, 1, 1, 4]]},
    )

    # -- checks and layout (no animation: tests read the mobjects built here) ---------------
    @classmethod
    def check_trace(cls, trace: conv.ConvTrace) -> None:
        if np.ndim(trace.input) != 2 or np.ndim(trace.kernel) != 2:
            raise ParamError("input", "the convolution scene draws one channel: give a 2-D input "
                             "and kernel (`lecture values` handles C x H x W)")
        rows, cols = cls.drawn_size(trace)
        if max(rows, cols) > MAX_PADDED:
            raise ParamError("input", f"with its padding the scene draws the input {rows} x "
                             f"{cols}; it writes every value, so it allows at most {MAX_PADDED} "
                             f"x {MAX_PADDED}: use a smaller input or less padding")
        if trace.positions < 2:
            raise ParamError("kernel", "the scene explains two window positions, but this "
                             "input, kernel, stride and padding give only one output cell")
        if max(trace.kernel.shape) > MAX_KERNEL:
            raise ParamError("kernel", f"the scene shows kernels up to {MAX_KERNEL} x "
                             f"{MAX_KERNEL}, got {trace.kernel.shape[0]} x {trace.kernel.shape[1]}")
        if trace.compare_output is None:
            raise ParamError("compare_kernel", "this kernel is symmetric and no named kernel has "
                             "its size: give a second kernel of the same size to compare with")
        if trace.channels_window is None:
            raise ParamError("input", f"the channels part applies the {trace.kernel_height} x "
                             f"{trace.kernel_width} kernel to the {trace.out_height} x "
                             f"{trace.out_width} feature maps, which are smaller: use a larger "
                             "input, a smaller kernel or more padding")

    @staticmethod
    def drawn_size(trace: conv.ConvTrace) -> tuple[int, int]:
        """The largest input grid the scene draws: with the run's or the demo's padding."""
        ring = max(trace.padding, trace.demo_padding)
        return trace.in_height + 2 * ring, trace.in_width + 2 * ring

    def layout(self) -> None:
        self.check_trace(self.trace)
        t, body = self.trace, self.regions.body
        self.kh, self.kw = t.kernel_height, t.kernel_width
        left, middle, right = body.columns(1.15, 1.0, 1.0, gap=0.35)
        rows, cols = self.drawn_size(t)
        self.cell = min(0.5, (body.height - 0.6) / rows, left.width / cols)

        self.title = self.label("title", theme.TITLE_SIZE, theme.INK)
        self.regions.title.fit(self.title)
        low, high = float(t.input.min()), float(t.input.max())
        self.shade = lambda v: theme.intensity(v, low, high)
        self.input_grid = self.padded_grid("padded", t.padding)
        self.input_caption = self.label("input_padded" if t.padding else "input")
        group = titled(self.input_grid, self.input_caption)
        left.fit(group)
        # Room above for the rings of padding the padding cue adds.
        ring = max(t.demo_padding - t.padding, 0) * self.cell
        group.align_to([0, body.top - ring, 0], UP)

        kscale = float(np.abs(t.kernel).max())
        self.kernel_grid = ValueGrid(t.kernel, "kernel", cell=min(0.55, 1.8 / max(self.kh,
                                                                                   self.kw)),
                                     fill=diverging(kscale), style="exact")
        self.kernel_group = titled(self.kernel_grid, self.label("kernel"))
        self.kernel_group.move_to(middle.center).align_to([0, body.top, 0], UP)
        self.panel_region = Region("panel", middle.left, middle.right, body.bottom,
                                   self.kernel_group.get_bottom()[1] - 0.2)

        self.out_scale = max(float(np.abs(t.output).max()),
                             float(np.abs(t.compare_output).max()))
        # Output cells span `stride` input cells, so the map lines up with the digit, unless
        # two maps and the second kernel would not fit beside the digit (see feature_maps).
        beside = body.right - self.input_grid.get_right()[0] - sum(GAPS) - KERNEL2_WIDTH
        out_cell = min(self.cell * t.stride, self.input_grid.width / t.out_width,
                       beside / (2 * t.out_width))
        self.output_grid = ValueGrid(t.output, "output", cell=out_cell,
                                     fill=diverging(self.out_scale))
        self.output_caption = self.label("output")
        self.output_group = titled(self.output_grid, self.output_caption)
        right.fit(self.output_group)
        self.output_group.align_to([0, body.top, 0], UP)

    def padded_grid(self, path: str, padding: int) -> ValueGrid:
        values = self.values.array(path)
        muted = np.ones_like(values, dtype=bool)
        muted[padding:values.shape[0] - padding, padding:values.shape[1] - padding] = False
        return ValueGrid(values, path, cell=self.cell, fill=self.shade, muted=muted)

    def products_panel(self, index: int) -> ProductsPanel:
        """The worked window `worked_windows[index]`: its products and their sum, captioned."""
        path = f"worked_windows[{index}]"
        window = self.trace.worked_windows[index]
        total = ("Σ + b = {} + {} = {}",
                 [self.ref(f"{path}.sum"), signed(self.ref("bias")), self.ref(f"{path}.value")])
        panel = ProductsPanel(window.patch, f"{path}.patch", self.trace.kernel, "kernel", total,
                              max_width=self.panel_region.width)
        panel.caption = self.label("products")
        self.panel_region.fit(titled(panel, panel.caption), y=1.0)
        return panel

    def size_formula(self, stride: str | None, padding: str, out: str) -> MathTex:
        """The output size with one run's numbers, in the footer (stride None: 1)."""
        formula = formulas.output_size(self.ref("in_height"), self.ref(padding),
                                       self.ref("kernel_height"),
                                       self.ref(stride) if stride else None, self.ref(out))
        return self.regions.footer.fit(formula)

    def framed(self, row: int, col: int, out: ValueGrid, color: theme.ManimColor) -> VGroup:
        """An output cell and the input window it came from, framed in one color."""
        t = self.trace
        return VGroup(out.window(row, col, 1, 1, color),
                      self.input_grid.window(row * t.stride, col * t.stride, self.kh, self.kw,
                                             color))

    # -- the lesson ---------------------------------------------------------------------------
    def construct(self) -> None:
        self.layout()
        self.intro_and_kernel()
        self.worked_windows()
        self.slide()
        self.feature_maps()
        self.stride_and_padding()
        self.channels()
        self.shared_and_summary()

    def intro_and_kernel(self) -> None:
        t, grid = self.trace, self.input_grid
        # Something on screen from the first frame: the title and the shaded digit.
        self.add(self.title, self.input_caption, grid.squares)
        with self.cue("intro") as slot:
            self.play(LaggedStart(*[FadeIn(n) for n in grid.numbers], lag_ratio=0.02),
                      run_time=slot.share(0.35))
            self.until(slot, 0.55)
            # "the brighter the cell, the larger the value": the bright cells light up
            bright = t.padded >= t.padded.max() * 0.75
            self.play(LaggedStart(*[Indicate(c, color=theme.ACCENT, scale_factor=1.25)
                                    for c in grid.cells_where(bright)], lag_ratio=0.1),
                      run_time=slot.share(0.35, 1.0))

        with self.cue("kernel") as slot:
            self.play(FadeIn(self.kernel_group, shift=DOWN * 0.2), run_time=slot.share(0.15))
            self.until(slot, 0.2)
            # The weights, column by column, as the voice reads them.
            kernel = self.kernel_grid
            for j in range(self.kw):
                column = np.zeros(t.kernel.shape, dtype=bool)
                column[:, j] = True
                self.play(Indicate(kernel.cells_where(column), color=theme.ACCENT,
                                   scale_factor=1.15), run_time=slot.share(0.08, 0.5))
            self.until(slot, 0.5)
            # "it slides over the image": a faint window tries a few positions
            first = t.windows[0]
            ghost = self.input_grid.window(first.top, first.left, self.kh, self.kw,
                                           theme.MUTED, 3)
            self.play(Create(ghost), run_time=slot.share(0.04))
            for w in t.windows[1:4]:
                self.play(ghost.animate.move_to(self.input_grid.block_center(
                    w.top, w.left, self.kh, self.kw)), run_time=slot.share(0.05))
            self.play(FadeOut(ghost), run_time=slot.share(0.03))
            self.until(slot, 0.78)
            self.play(FadeIn(self.output_caption, self.output_grid.squares),
                      run_time=slot.share(0.15))

    def worked_windows(self) -> None:
        t, grid_in, grid_out = self.trace, self.input_grid, self.output_grid
        first = t.worked_windows[0]
        self.frame = grid_in.window(first.top, first.left, self.kh, self.kw)
        panel = None
        for index, cue_id in enumerate(("first_window", "second_window")):
            window = t.worked_windows[index]
            with self.cue(cue_id) as slot:
                if panel is None:
                    self.play(Create(self.frame), run_time=slot.share(0.1))
                else:
                    target = grid_in.block_center(window.top, window.left, self.kh, self.kw)
                    self.play(FadeOut(panel, panel.caption), self.frame.animate.move_to(target),
                              run_time=slot.share(0.12))
                panel = self.products_panel(index)
                patch = grid_in.block(window.top, window.left, self.kh, self.kw)
                self.play(FadeIn(panel.caption), TransformFromCopy(patch, panel.terms),
                          run_time=slot.share(0.3))
                self.until(slot, 0.45)
                self.play(Write(panel.total), run_time=slot.share(0.15))
                self.until(slot, 0.7)
                value = grid_out.texts[window.row][window.col]
                self.play(TransformFromCopy(panel.total, value),
                          grid_out.cells[window.row][window.col].animate.set_fill(
                              theme.heat(window.value, self.out_scale)),
                          run_time=slot.share(0.15))
                self.add(value)
        self.panel = panel

    def slide(self) -> None:
        t, grid_in, grid_out = self.trace, self.input_grid, self.output_grid
        done = {(w.row, w.col) for w in t.worked_windows}
        rest = [(i, w) for i, w in enumerate(t.windows) if (w.row, w.col) not in done]
        with self.cue("slide") as slot:
            self.play(FadeOut(self.panel, self.panel.caption), run_time=slot.share(0.05))
            step = max(slot.seconds * 0.85 / max(len(rest), 1), MIN_STEP)
            running = None
            for index, window in rest:
                target = grid_in.block_center(window.top, window.left, self.kh, self.kw)
                line = self.bound("Σ + b = {}", f"windows[{index}].value", color=theme.ACCENT)
                self.panel_region.fit(line, y=0.85)
                swap = [FadeOut(running)] if running is not None else []
                cell = grid_out.cells[window.row][window.col]
                self.play(self.frame.animate.move_to(target), FadeIn(line), *swap,
                          cell.animate.set_fill(theme.heat(window.value, self.out_scale)),
                          FadeIn(grid_out.texts[window.row][window.col]), run_time=step)
                running = line
            self.play(FadeOut(running), run_time=1 / 15)

    def feature_maps(self) -> None:
        t, grid_in, out = self.trace, self.input_grid, self.output_grid
        # The map beside the digit, each output row level with the middle of its window.
        middle = (grid_in.block_center(0, 0, self.kh, 1)[1]
                  + grid_in.block_center((t.out_height - 1) * t.stride, 0, self.kh, 1)[1]) / 2
        x_map = grid_in.get_right()[0] + GAPS[0] + out.width / 2
        legend = ColorLegend(diverging(self.out_scale), self.ref("output_min"),
                             self.ref("output_max"), t.output_min, t.output_max, length=3.0,
                             horizontal=True,
                             high_caption=self.label("positive", theme.CELL_TEXT_SIZE),
                             low_caption=self.label("negative", theme.CELL_TEXT_SIZE))
        self.regions.footer.fit(legend)
        with self.cue("feature_map") as slot:
            self.play(FadeOut(self.frame, self.kernel_group),
                      self.output_group.animate.shift([x_map - out.get_center()[0],
                                                       middle - out.get_center()[1], 0]),
                      run_time=slot.share(0.15))
            self.play(FadeIn(legend), run_time=slot.share(0.1))
            marks = VGroup()
            for where, color, at in ((t.output_argmax, theme.POSITIVE, 0.28),
                                     (t.output_argmin, theme.NEGATIVE, 0.55)):
                self.until(slot, at)
                pair = self.framed(*where, out, color)
                self.play(Create(pair), run_time=slot.share(0.06))
                # "bright on the left, dark on the right": the window's cells, column by column
                row, col = where
                for j in range(self.kw):
                    column = np.zeros(self.input_grid.values.shape, dtype=bool)
                    column[row * t.stride:row * t.stride + self.kh, col * t.stride + j] = True
                    self.play(Indicate(self.input_grid.cells_where(column), color=color,
                                       scale_factor=1.15), run_time=slot.share(0.05, 0.5))
                marks.add(pair)
            self.until(slot, 0.85)
            self.play(theme.pulse(out), run_time=slot.share(0.1, 1.0))

        kernel2, map2 = self.second_kernel_widgets(x_map + out.width / 2 + GAPS[1], middle)
        with self.cue("second_kernel") as slot:
            self.play(FadeOut(marks), run_time=slot.share(0.06))
            self.play(FadeIn(kernel2), FadeIn(map2[0], map2[1].squares),
                      run_time=slot.share(0.15))
            self.until(slot, 0.3)
            self.play(LaggedStart(*[FadeIn(n) for n in map2[1].numbers], lag_ratio=0.03),
                      run_time=slot.share(0.3))
            self.until(slot, 0.7)
            mark = self.framed(*t.compare_output_argmax, map2[1], theme.ACCENT)
            self.play(Create(mark), run_time=slot.share(0.12))
        self.maps = VGroup(kernel2, map2, mark, legend, self.output_group)

    def second_kernel_widgets(self, left: float, middle: float) -> tuple[VGroup, VGroup]:
        t = self.trace
        grid = ValueGrid(t.compare_output, "compare_output", cell=self.output_grid.cell_size,
                         fill=diverging(self.out_scale))
        grid.move_to([left + grid.width / 2, middle, 0])
        map2 = titled(grid, self.label("compare_output"))
        kernel2 = ValueGrid(t.compare_kernel, "compare_kernel",
                            cell=min(0.4, KERNEL2_WIDTH / max(self.kh, self.kw)),
                            fill=diverging(float(np.abs(t.compare_kernel).max())), style="exact")
        group = titled(kernel2, self.label("compare_kernel", theme.CELL_TEXT_SIZE))
        group.next_to(grid, RIGHT, buff=GAPS[2])
        self.regions.body.clamp(group)
        return group, map2

    def stride_and_padding(self) -> None:
        t, grid = self.trace, self.input_grid
        with self.cue("stride") as slot:
            self.play(FadeOut(self.maps), run_time=slot.share(0.08))
            caption = self.label("stride", color=theme.SECOND)
            caption.next_to(grid, RIGHT, buff=0.5).align_to(grid, UP)
            positions = t.demo_stride_positions
            frame = grid.window(*positions[0], self.kh, self.kw, theme.SECOND)
            self.play(FadeIn(caption), Create(frame), run_time=slot.share(0.08))
            # Along the first row, then down to the next: each jump is `demo_stride` cells.
            for top, left in positions[1:t.demo_stride_out_width + 1]:
                self.play(frame.animate.move_to(grid.block_center(top, left, self.kh, self.kw)),
                          run_time=slot.share(0.06, 0.4))
                self.wait(0.2)
            self.until(slot, 0.35)
            result = self.result_shape("stride_output", t.demo_stride_out_height,
                                       t.demo_stride_out_width, caption)
            self.play(FadeIn(result), run_time=slot.share(0.1))
            self.until(slot, 0.5)
            dropped = self.dropped_cells(grid)
            if len(dropped):
                self.play(FadeIn(dropped), run_time=slot.share(0.1))
            self.until(slot, 0.7)
            size = self.size_formula("demo_stride", "padding", "demo_stride_out_height")
            self.play(Write(size), run_time=slot.share(0.15))

        padded = self.padded_grid("demo_padded", t.demo_padding)
        padded.shift(grid.cells[t.padding][t.padding].get_center()
                     - padded.cells[t.demo_padding][t.demo_padding].get_center())
        ring = self.ring(padded, t.demo_padding)
        with self.cue("padding") as slot:
            self.play(FadeOut(caption, frame, dropped, result), run_time=slot.share(0.08))
            # The real cells sit exactly on the old grid's: swap them, then grow the ring.
            self.remove(*grid.get_family())  # its squares and numbers went in one by one
            self.add(padded)
            caption = self.label("padding", color=theme.SECOND)
            caption.next_to(VGroup(padded, ring), RIGHT, buff=0.5).align_to(ring, UP)
            self.play(FadeIn(ring, scale=1.15), FadeOut(self.input_caption), FadeIn(caption),
                      run_time=slot.share(0.2))
            padded.add(ring)
            self.until(slot, 0.4)
            frame = padded.window(0, 0, self.kh, self.kw, theme.SECOND)
            self.play(Create(frame), run_time=slot.share(0.06))
            for left in range(1, min(3, t.demo_padding_out_width)):
                self.play(frame.animate.move_to(padded.block_center(0, left, self.kh, self.kw)),
                          run_time=slot.share(0.06, 0.4))
            self.until(slot, 0.55)
            result = self.result_shape("padding_output", t.demo_padding_out_height,
                                       t.demo_padding_out_width, caption)
            self.play(FadeIn(result), run_time=slot.share(0.1))
            self.until(slot, 0.7)
            size2 = self.size_formula(None, "demo_padding", "demo_padding_out_height")
            self.play(ReplacementTransform(size, size2), run_time=slot.share(0.15))
        self.leftovers = VGroup(padded, caption, frame, result, size2)

    def result_shape(self, key: str, rows: int, cols: int, caption) -> VGroup:
        """The output's shape as empty cells under its caption (a label), below `caption`."""
        label = self.label(key, color=theme.SECOND)
        area = self.regions.body
        cell = min(self.cell, 2.8 / max(rows, cols))
        group = VGroup(label, blank_grid(rows, cols, cell, theme.SECOND)).arrange(DOWN,
                                                                                 buff=0.2)
        group.next_to(caption, DOWN, buff=0.35, aligned_edge=LEFT)
        return area.clamp(group)

    def dropped_cells(self, grid: ValueGrid) -> VGroup:
        """The padded input's trailing rows and columns that no stride-`demo_stride` window
        reaches (the floor in the size formula), tinted, with their label below."""
        t = self.trace
        rows, cols = t.padded_height, t.padded_width
        tint = VGroup(*[grid.cells[i][j].copy().set_fill(theme.NEGATIVE, 0.45)
                        for i in range(rows) for j in range(cols)
                        if i >= rows - t.demo_stride_unused_rows
                        or j >= cols - t.demo_stride_unused_cols])
        if len(tint):
            note = self.label("dropped", theme.CELL_TEXT_SIZE, theme.NEGATIVE)
            note.next_to(grid, DOWN, buff=0.08)
            self.regions.body.clamp(note)
            tint.add(note)
        return tint

    @staticmethod
    def ring(grid: ValueGrid, width: int) -> VGroup:
        """The outer `width` rings of cells, squares and numbers, taken out of the grid into a
        group of their own (so the grid can be shown first and the ring grown after)."""
        rows, cols = len(grid.cells), len(grid.cells[0])
        ring = VGroup()
        for i in range(rows):
            for j in range(cols):
                if not (width <= i < rows - width and width <= j < cols - width):
                    grid.squares.remove(grid.cells[i][j])
                    grid.numbers.remove(grid.texts[i][j])
                    ring.add(grid.cells[i][j], grid.texts[i][j])
        return ring

    def channels(self) -> None:
        t, body = self.trace, self.regions.body
        area, right = body.columns(2.1, 1.0, gap=0.5)
        top, rest = area.rows(0.5, 4.5, gap=0.15)
        columns = rest.columns(1.0, 1.0, gap=0.5)
        cell = min(0.45, (rest.height - 0.8) / t.out_height, columns[0].width * 0.6 / t.out_width)
        kcell = min(0.4, columns[0].width * 0.3 / self.kw)
        kscale = float(np.abs(t.channels_kernel).max())
        maps = [ValueGrid(t.channels_input[c], f"channels_input[{c}]", cell=cell,
                          fill=diverging(self.out_scale)) for c in range(2)]
        kernels = [ValueGrid(self.values.array(path), path, cell=kcell, fill=diverging(kscale),
                             style="exact") for path in ("kernel", "compare_kernel")]
        for c in range(2):
            columns[c].fit(VGroup(kernels[c], maps[c]).arrange(RIGHT, buff=0.6), y=0.55)
        arrows = VGroup(*[Arrow(kernels[c].get_right(), maps[c].get_left(), buff=0.08,
                                stroke_width=3, color=theme.MUTED) for c in range(2)])
        caption = self.label("channel_out", color=theme.ACCENT)
        top.fit(caption)
        with self.cue("out_channels") as slot:
            self.play(FadeOut(self.leftovers), run_time=slot.share(0.1))
            self.play(FadeIn(*kernels), FadeIn(caption), run_time=slot.share(0.12))
            self.until(slot, 0.3)
            for c in range(2):
                self.play(Create(arrows[c]), FadeIn(maps[c]), run_time=slot.share(0.12))
            self.until(slot, 0.65)
            self.play(theme.pulse(VGroup(*maps)), run_time=slot.share(0.15))

        window = t.channels_window
        slices = [ValueGrid(t.channels_kernel[0][c], f"channels_kernel[0][{c}]", cell=kcell,
                            fill=diverging(kscale), style="exact") for c in range(2)]
        sums = [self.bound("Σ = {}", f"channels_sums[{c}]", color=theme.ACCENT)
                for c in range(2)]
        for c in range(2):
            moved = maps[c].copy().align_to([columns[c].left, 0, 0], LEFT)
            slices[c].next_to(moved, RIGHT, buff=0.35)
            sums[c].next_to(moved, DOWN, buff=0.25)
        total = theme.bound("{} + {} + {} = {}", [
            self.ref("channels_sums[0]"), signed(self.ref("channels_sums[1]")),
            signed(self.ref("bias")), self.ref("channels_window.value")],
            theme.BODY_SIZE, theme.ACCENT)
        result = ValueGrid(t.channels_output[0], "channels_output[0]",
                           cell=min(0.6, right.width / t.channels_output.shape[2]),
                           fill=diverging(float(np.abs(t.channels_output).max())))
        right.fit(result, y=0.45)
        right.fit(total, y=0.9)
        next_caption = self.label("next_layer", color=theme.ACCENT)
        top.fit(next_caption)
        with self.cue("in_channels") as slot:
            self.play(FadeOut(*kernels, arrows), ReplacementTransform(caption, next_caption),
                      *[maps[c].animate.align_to([columns[c].left, 0, 0], LEFT)
                        for c in range(2)], run_time=slot.share(0.12))
            frames = [maps[c].window(window.top, window.left, self.kh, self.kw)
                      for c in range(2)]
            self.play(*[FadeIn(s) for s in slices], *[Create(f) for f in frames],
                      run_time=slot.share(0.12))
            self.until(slot, 0.3)
            for c in range(2):
                self.play(FadeIn(sums[c], shift=DOWN * 0.2), run_time=slot.share(0.1))
            self.until(slot, 0.6)
            self.play(TransformFromCopy(VGroup(*sums), total), FadeIn(result.squares),
                      run_time=slot.share(0.12))
            self.play(TransformFromCopy(total, result.texts[0][0]), run_time=slot.share(0.08))
            self.play(FadeIn(result.numbers), run_time=slot.share(0.08))
        self.leftovers = VGroup(*maps, *slices, *frames, *sums, total, result, next_caption)

    def shared_and_summary(self) -> None:
        t, body = self.trace, self.regions.body
        grid = self.padded_grid("padded", t.padding)
        group = titled(grid, self.label("input_padded" if t.padding else "input"))
        left, right = body.columns(1.0, 1.0, gap=0.5)
        left.fit(group)
        conv_line = self.label("shared_conv", theme.BODY_SIZE, theme.ACCENT)
        dense_line = self.label("shared_dense", theme.BODY_SIZE, theme.INK)
        lines = VGroup(conv_line, dense_line).arrange(DOWN, buff=0.4)
        kernel = ValueGrid(t.kernel, "kernel", cell=self.kernel_grid.cell_size,
                           fill=diverging(float(np.abs(t.kernel).max())), style="exact")
        top, bottom = right.rows(1.0, 1.0, gap=0.3)
        top.fit(kernel)
        bottom.fit(lines, y=0.8)
        with self.cue("shared") as slot:
            self.play(FadeOut(self.leftovers), FadeIn(group), FadeIn(kernel),
                      run_time=slot.share(0.12))
            # The same weights at every position: the window sweeps, tied to the one kernel.
            frame = grid.window(t.windows[0].top, t.windows[0].left, self.kh, self.kw)
            tie = always_redraw(lambda: Line(kernel.get_left(), frame.get_right(),
                                             stroke_width=2, color=theme.ACCENT))
            self.play(Create(frame), Create(tie), run_time=slot.share(0.05))
            step = max(slot.share(0.4) / len(t.windows), 1 / config.frame_rate)
            for w in t.windows[1:]:
                self.play(frame.animate.move_to(grid.block_center(w.top, w.left, self.kh,
                                                                  self.kw)), run_time=step)
            self.play(FadeIn(conv_line, shift=UP * 0.2), run_time=slot.share(0.1))
            self.until(slot, 0.6)
            self.play(FadeIn(dense_line, shift=UP * 0.2), run_time=slot.share(0.1))
            self.play(FadeOut(frame, tie), run_time=slot.share(0.05))
            self.until(slot, 0.8)
            # "these weights are learned": the kernel, the only thing training changes here
            self.play(Indicate(kernel.squares, color=theme.ACCENT,
                               scale_factor=1.1), run_time=slot.share(0.12, 1.0))
        lines.add(kernel)

        with self.cue("formula") as slot:
            formula = theme.formula(r"y_{i,j} = b + \sum_{m}\sum_{n} x_{i s + m,\ j s + n}\,"
                                    r"k_{m,n}", size=32)
            self.regions.footer.fit(formula)
            self.play(Write(formula), run_time=slot.share(0.35))
            self.until(slot, 0.4)
            # "the pixels in the window times the kernel weights"
            first = t.windows[0]
            frame = grid.window(first.top, first.left, self.kh, self.kw)
            self.play(Create(frame), Indicate(kernel.squares, color=theme.ACCENT,
                                              scale_factor=1.1), run_time=slot.share(0.15, 1.0))
            self.until(slot, 0.65)
            self.play(FadeOut(frame), Indicate(formula), run_time=slot.share(0.2, 1.0))

        out = ValueGrid(t.output, "output", cell=self.output_grid.cell_size,
                        fill=diverging(self.out_scale))
        out_group = titled(out, self.label("output"))
        right.fit(out_group)
        self.input_grid = grid
        with self.cue("summary") as slot:
            self.play(FadeOut(lines), run_time=slot.share(0.08))
            self.play(FadeIn(out_group), run_time=slot.share(0.15))
            self.until(slot, 0.3)
            marks = self.framed(*t.output_argmax, out, theme.ACCENT)
            self.play(Create(marks), run_time=slot.share(0.2))
            self.until(slot, 0.7)
            self.play(Indicate(marks), run_time=slot.share(0.15, 1.0))

