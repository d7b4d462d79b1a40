"""The pooling lesson: max pooling window by window (the winner moves to the output), average
pooling with its arithmetic, the output size, and the gradient routed back by both modes."""

from __future__ import annotations

import numpy as np
from manim import (
    RIGHT,
    AnimationGroup,
    Create,
    FadeIn,
    FadeOut,
    Indicate,
    LaggedStart,
    MathTex,
    TransformFromCopy,
    VGroup,
    Write,
)

from engine import pool
from engine.params import ParamError
from scenes import theme
from scenes.narrated import CueSlot, NarratedScene
from scenes.widgets import formulas
from scenes.widgets.grid import ValueGrid, titled
from scenes.widgets.heatmap import diverging

MAX_PADDED = 12  # every value is written; past this the numbers stop being readable
MIN_STEP = 0.5  # seconds per window while sliding


class PoolingScene(NarratedScene):
    MODEL = pool.LESSON
    CUES = ("intro", "first_window", "slide", "size", "other_mode", "backward",
            "other_backward", "summary")
    LABELS = ("title", "input", "input_padded", "max_output", "avg_output", "arithmetic",
              "grad_output", "max_grad_input", "avg_grad_input")
    HANDOUT = ("output", "argmax", "other_output", "grad_input", "other_grad_input")
    EXAMPLES = (
        {"mode": "avg"},
        {"input": "digit-5", "size": 3, "stride": 2, "padding": 1},
        {"grad_output": [[1, -2, 0.5], [0, 3, 1], [-1, 0.25, 2]]},
    )

    @classmethod
    def check_trace(cls, trace: pool.PoolTrace) -> None:
        if np.ndim(trace.input) != 2:
            raise ParamError("input", "the pooling scene draws one channel: give an H x W "
                             "input (`lecture values` handles C x H x W)")
        rows, cols = trace.padded_height, trace.padded_width
        if max(rows, cols) > MAX_PADDED:
            raise ParamError("input", f"the padded input is {rows} x {cols}; the scene writes "
                             f"every value, so it allows at most {MAX_PADDED} x {MAX_PADDED}")
        if trace.out_height * trace.out_width < 2:
            raise ParamError("size", "the scene explains windows one by one, but this input, "
                             "size, stride and padding give only one output cell")

    # -- layout -------------------------------------------------------------------------------
    def layout(self) -> None:
        self.check_trace(self.trace)
        t, body = self.trace, self.regions.body
        self.left, self.middle, self.right = body.columns(1.2, 0.9, 1.0, gap=0.4)
        self.cell = min(0.55, (body.height - 0.6) / t.padded_height,
                        self.left.width / t.padded_width)
        self.scale = float(np.nanmax(np.abs(np.where(np.isfinite(t.padded), t.padded,
                                                     np.nan))))
        self.title = self.label("title", theme.TITLE_SIZE, theme.INK)
        self.regions.title.fit(self.title)
        self.input_grid = self.padded_grid("padded", t.padded)
        self.input_caption = self.label("input_padded" if t.padding else "input")
        self.left.fit(titled(self.input_grid, self.input_caption))
        self.output_grid, self.output_caption = self.output_widgets(t.mode, "output")

    def padded_grid(self, path: str, values: np.ndarray) -> ValueGrid:
        p = self.trace.padding
        muted = np.ones(values.shape, dtype=bool)
        muted[p:values.shape[0] - p, p:values.shape[1] - p] = False
        return ValueGrid(np.where(np.isfinite(values), values, -np.inf), path, cell=self.cell,
                         fill=diverging(self.scale), muted=muted)

    def output_widgets(self, mode: str, path: str) -> tuple[ValueGrid, object]:
        t = self.trace
        cell = min(self.cell * t.stride, self.right.width / t.out_width, 0.9)
        grid = ValueGrid(self.values.array(path), path, cell=cell, fill=diverging(self.scale))
        caption = self.label(f"{mode}_output")
        self.right.fit(titled(grid, caption))
        return grid, caption

    def window_frame(self, window: pool.PoolWindow, color=theme.ACCENT):
        p, size = self.trace.padding, self.trace.size
        return self.input_grid.window(window.top + p, window.left + p, size, size, color)

    def winner(self, window: pool.PoolWindow):
        p = self.trace.padding
        row, col = window.argmax
        return self.input_grid.texts[row + p][col + p]

    def winner_cell(self, window: pool.PoolWindow):
        p = self.trace.padding
        row, col = window.argmax
        return self.input_grid.cells[row + p][col + p]

    def avg_line(self, index: int, windows: str) -> object:
        """(a + b + ...) / (size×size) = mean, for window `index` of `windows`."""
        t = self.trace
        window = getattr(t, windows)[index]
        refs = [self.ref(f"{windows}[{index}].patch[{i}][{j}]")
                for i in range(t.size) for j in range(t.size)
                if np.isfinite(window.patch[i][j])]
        terms = " + ".join("{}" if not r.text.startswith("-") else "({})" for r in refs)
        line = theme.bound(f"({terms}) / ({{}}×{{}}) = {{}}",
                           [*refs, self.ref("size"), self.ref("size"),
                            self.ref(f"{windows}[{index}].value")], theme.BODY_SIZE,
                           theme.ACCENT)
        caption = self.label("arithmetic")
        self.regions.footer.fit(VGroup(caption, line).arrange(RIGHT, buff=0.4))
        line.caption = caption
        return line

    # -- the lesson ---------------------------------------------------------------------------
    def construct(self) -> None:
        self.layout()
        t = self.trace
        grid = self.input_grid
        self.add(self.title, self.input_caption, grid.squares)
        with self.cue("intro") as slot:
            self.play(LaggedStart(*[FadeIn(n) for n in grid.numbers], lag_ratio=0.02),
                      run_time=slot.share(0.3))
            self.until(slot, 0.4)
            # "a window ... squeezes each window into one number": every window, then the first
            tiles = VGroup(*[self.window_frame(w, theme.MUTED) for w in t.windows])
            self.play(LaggedStart(*[Create(f) for f in tiles], lag_ratio=0.1),
                      run_time=slot.share(0.2))
            frame = self.window_frame(t.windows[0])
            self.until(slot, 0.7)
            self.play(FadeOut(tiles), Create(frame),
                      FadeIn(self.output_caption, self.output_grid.squares),
                      run_time=slot.share(0.15))

        with self.cue("first_window") as slot:
            self.until(slot, 0.2)
            self.explain(0, t.mode, "windows", self.output_grid, slot)

        rest = list(enumerate(t.windows))[1:]
        with self.cue("slide") as slot:
            step = max(slot.seconds * 0.85 / len(rest), MIN_STEP)
            for index, window in rest:
                self.play(frame.animate.move_to(self.window_frame(window)), run_time=step * 0.35)
                self.move_result(index, t.mode, "windows", self.output_grid, step * 0.65)

        with self.cue("size") as slot:
            self.play(FadeOut(frame), run_time=slot.share(0.05))
            formula = self.size_formula()
            self.play(Write(formula), run_time=slot.share(0.3))
            self.until(slot, 0.45)
            # "it shrinks the map": the input, then its smaller output
            self.play(theme.pulse(grid), run_time=slot.share(0.1, 1.0))
            self.play(theme.pulse(self.output_grid, 1.1),
                      run_time=slot.share(0.1, 1.0))
            self.until(slot, 0.7)
            # each output came from one window: its winner (max) or all of it (avg)
            picked = VGroup(*[self.winner_cell(w) if t.mode == "max" else self.window_frame(w)
                              for w in t.windows])
            self.play(LaggedStart(*[Indicate(m, color=theme.ACCENT) for m in picked],
                                  lag_ratio=0.15), run_time=slot.share(0.25, 1.0))

        other, other_caption = self.output_widgets(t.other_mode, "other_output")
        main = VGroup(self.output_caption, self.output_grid)
        with self.cue("other_mode") as slot:
            # The first mode's output steps aside to the middle; the other mode's takes its place.
            self.play(FadeOut(formula), main.animate.move_to(
                [self.middle.center[0], main.get_center()[1], 0]), run_time=slot.share(0.1))
            self.play(FadeIn(other_caption, other.squares), run_time=slot.share(0.08))
            self.explain(0, t.other_mode, "other_windows", other, slot, frame_fresh=True)
            self.until(slot, 0.75)
            self.play(LaggedStart(*[FadeIn(other.texts[w.row][w.col]) for w in
                                    t.other_windows[1:]], lag_ratio=0.2),
                      run_time=slot.share(0.2))
        outputs = VGroup(main, VGroup(other_caption, other))

        self.backward(outputs)

    def explain(self, index: int, mode: str, windows: str, out: ValueGrid, slot: CueSlot,
                frame_fresh: bool = False) -> None:
        """One window worked out: the winner (max) or the arithmetic (avg), then its value."""
        window = getattr(self.trace, windows)[index]
        frame = self.window_frame(window, theme.SECOND) if frame_fresh else None
        if frame is not None:
            self.play(Create(frame), run_time=slot.share(0.08))
        if mode == "max":
            # The winner stands out, the others fade: they are dropped.
            p, size = self.trace.padding, self.trace.size
            row, col = window.argmax
            others = VGroup(*[VGroup(self.input_grid.cells[i][j], self.input_grid.texts[i][j])
                              for i in range(window.top + p, window.top + p + size)
                              for j in range(window.left + p, window.left + p + size)
                              if (i, j) != (row + p, col + p)])
            self.play(Indicate(self.winner(window), color=theme.ACCENT, scale_factor=1.6),
                      others.animate.set_opacity(0.25), run_time=slot.share(0.25, 1.0))
            self.until(slot, 0.45)
            self.move_result(index, mode, windows, out, slot.share(0.2))
            self.until(slot, 0.75)
            self.play(others.animate.set_opacity(1), run_time=slot.share(0.1))
        else:
            line = self.avg_line(index, windows)
            patch = self.input_grid.block(window.top + self.trace.padding,
                                          window.left + self.trace.padding, self.trace.size,
                                          self.trace.size)
            self.play(FadeIn(line.caption), TransformFromCopy(patch, line),
                      run_time=slot.share(0.3))
            self.until(slot, 0.5)
            self.play(TransformFromCopy(line, out.texts[window.row][window.col]),
                      out.cells[window.row][window.col].animate.set_fill(
                          theme.heat(window.value, self.scale)), run_time=slot.share(0.15))
            self.play(FadeOut(line, line.caption), run_time=slot.share(0.05))
        if frame is not None:
            self.play(FadeOut(frame), run_time=slot.share(0.05))

    def move_result(self, index: int, mode: str, windows: str, out: ValueGrid,
                    seconds: float) -> None:
        """The window's value flies to its output cell (from the winner, for max pooling)."""
        window = getattr(self.trace, windows)[index]
        source = self.winner(window) if mode == "max" else self.input_grid.block(
            window.top + self.trace.padding, window.left + self.trace.padding,
            self.trace.size, self.trace.size)
        target = out.texts[window.row][window.col]
        self.play(TransformFromCopy(source, target),
                  out.cells[window.row][window.col].animate.set_fill(
                      theme.heat(window.value, self.scale)), run_time=seconds)

    def size_formula(self) -> MathTex:
        refs = [self.ref(k) for k in ("in_height", "padding", "size", "stride", "out_height")]
        return self.regions.footer.fit(formulas.output_size(*refs))

    def backward(self, outputs: VGroup) -> None:
        t = self.trace
        grad_cell = min(self.cell * t.stride, self.right.width / t.out_width, 0.9)
        upstream = ValueGrid(t.grad_output, "grad_output", cell=grad_cell,
                             fill=diverging(float(np.abs(t.grad_output).max())))
        up_group = titled(upstream, self.label("grad_output"))
        self.right.fit(up_group)
        grads = {}
        for mode, path in ((t.mode, "grad_input"), (t.other_mode, "other_grad_input")):
            values = self.values.array(path)
            grid = ValueGrid(values, path, cell=min(self.cell, self.middle.width / t.in_width),
                             fill=diverging(float(np.abs(values).max()) or 1.0),
                             numbers=True)
            group = titled(grid, self.label(f"{mode}_grad_input"))
            self.middle.fit(group)
            grads[mode] = (grid, group)

        for cue_id, mode, windows in (("backward", t.mode, "windows"),
                                      ("other_backward", t.other_mode, "other_windows")):
            grid, group = grads[mode]
            with self.cue(cue_id) as slot:
                previous = [outputs] if cue_id == "backward" else [grads[t.mode][1]]
                self.play(FadeOut(*previous), run_time=slot.share(0.08))
                if cue_id == "backward":
                    self.play(FadeIn(up_group), run_time=slot.share(0.1))
                # The cells start blank and take their color as the gradient arrives.
                colors = [square.get_fill_color() for square in grid.squares]
                grid.squares.set_fill(theme.CELL_FILL)
                self.play(FadeIn(group[0], grid.squares), run_time=slot.share(0.08))
                self.until(slot, 0.3)
                sends = []
                for window in getattr(t, windows):
                    source = upstream.texts[window.row][window.col]
                    if mode == "max":
                        targets = [window.argmax]
                    else:
                        targets = [(i, j) for i in range(max(window.top, 0),
                                                          min(window.top + t.size, t.in_height))
                                   for j in range(max(window.left, 0),
                                                  min(window.left + t.size, t.in_width))]
                    sends.append(AnimationGroup(
                        TransformFromCopy(source, VGroup(*[grid.texts[i][j] for i, j in targets])),
                        *[grid.cells[i][j].animate.set_fill(colors[i * t.in_width + j])
                          for i, j in targets]))
                self.play(LaggedStart(*sends, lag_ratio=0.3), run_time=slot.share(0.35))
                self.play(FadeIn(grid.numbers), run_time=slot.share(0.1))

        with self.cue("summary") as slot:
            self.play(FadeOut(grads[t.other_mode][1], up_group), run_time=slot.share(0.08))
            self.play(FadeIn(outputs), run_time=slot.share(0.15))
            self.until(slot, 0.4)
            self.play(theme.pulse(outputs[0]), run_time=slot.share(0.15, 1.0))
            self.until(slot, 0.65)
            self.play(theme.pulse(outputs[1]), run_time=slot.share(0.15, 1.0))

