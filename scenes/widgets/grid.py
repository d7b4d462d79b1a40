"""A matrix drawn as square cells with its numbers, and a window frame that slides over it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from manim import DOWN, UP, Rectangle, Square, Text, VGroup

from scenes import theme
from scenes.shown import cell_ref


class ValueGrid(VGroup):
    """Square cells with their values, optionally colored by value.

    `cells[i][j]` is the square and `texts[i][j]` the number's Text, built here from the array
    they show and bound to `path[i][j]` in the trace. `muted` cells (padding) are drawn dim, with
    thin borders and grey numbers, so padding reads as padding.
    """

    def __init__(self, values: np.ndarray, path: str, cell: float = 0.5,
                 fill: Callable[[float], theme.ManimColor] | None = None,
                 muted: np.ndarray | None = None, style: str = "fmt",
                 text_size: float = theme.CELL_TEXT_SIZE, numbers: bool = True) -> None:
        super().__init__()
        self.values = np.asarray(values, dtype=np.float64)
        self.path = path
        self.cell_size = cell
        rows, cols = self.values.shape
        self.cells: list[list[Square]] = []
        self.texts: list[list[Text]] = []
        for i in range(rows):
            cell_row, text_row = [], []
            for j in range(cols):
                value = float(self.values[i, j])
                is_muted = muted is not None and bool(muted[i, j])
                color = theme.PAD_FILL if is_muted else (fill(value) if fill else theme.CELL_FILL)
                square = Square(cell, stroke_color=theme.MUTED,
                                stroke_width=0.6 if is_muted else 1.2,
                                fill_color=color, fill_opacity=1)
                square.move_to([(j - (cols - 1) / 2) * cell, ((rows - 1) / 2 - i) * cell, 0])
                label = theme.bound("{}", [cell_ref(path, (i, j), value, style)], text_size,
                                    theme.MUTED if is_muted else theme.INK)
                if label.width > cell * 0.88:
                    label.scale_to_fit_width(cell * 0.88)
                label.move_to(square).set_z_index(1)  # numbers above any square or tint
                cell_row.append(square)
                text_row.append(label)
            self.cells.append(cell_row)
            self.texts.append(text_row)
        self.squares = VGroup(*[s for row in self.cells for s in row])
        self.numbers = VGroup(*[t for row in self.texts for t in row])
        # Both are part of the grid so they move together; a scene that fills the numbers in
        # one by one shows `squares` first.
        self.add(self.squares)
        if numbers:
            self.add(self.numbers)

    def shown_text(self) -> list[list[str]]:
        return [[t.text for t in row] for row in self.texts]

    def cell_center(self, row: int, col: int) -> np.ndarray:
        return self.cells[row][col].get_center()

    def block_center(self, top: int, left: int, height: int, width: int) -> np.ndarray:
        first = self.cells[top][left].get_center()
        last = self.cells[top + height - 1][left + width - 1].get_center()
        return (first + last) / 2

    def cells_where(self, mask: np.ndarray) -> VGroup:
        """The squares of the cells where `mask` is true, to highlight: an Indicate colors them
        while their numbers stay readable on top."""
        rows, cols = np.nonzero(mask)
        return VGroup(*[self.cells[i][j] for i, j in zip(rows, cols, strict=True)])

    def block(self, top: int, left: int, height: int, width: int) -> VGroup:
        """The number Texts of a block of cells, row by row."""
        return VGroup(*[self.texts[top + i][left + j] for i in range(height)
                        for j in range(width)])

    def window(self, top: int, left: int, height: int, width: int,
               color: theme.ManimColor = theme.ACCENT, stroke: float = 5) -> Rectangle:
        """A frame around a block of cells, to slide with `.animate.move_to(block_center(...))`."""
        frame = Rectangle(width=width * self.cell_size, height=height * self.cell_size,
                          stroke_color=color, stroke_width=stroke).set_z_index(2)
        return frame.move_to(self.block_center(top, left, height, width))


def blank_grid(rows: int, cols: int, cell: float,
               color: theme.ManimColor = theme.MUTED) -> VGroup:
    """Empty cells: the shape of a result before (or without) its values."""
    grid = VGroup(*[Square(cell, stroke_color=color, stroke_width=1.5, fill_color=theme.CELL_FILL,
                           fill_opacity=1) for _ in range(rows * cols)])
    return grid.arrange_in_grid(rows=rows, cols=cols, buff=0)


def titled(widget: VGroup, caption: Text, above: bool = True, buff: float = 0.2) -> VGroup:
    """A widget with a caption above (or below) it: VGroup(caption, widget)."""
    caption.next_to(widget, UP if above else DOWN, buff=buff)
    return VGroup(caption, widget)
