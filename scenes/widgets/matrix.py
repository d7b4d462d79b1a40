"""A labelled matrix or vector in brackets, its entries bound to the trace."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from manim import LEFT, RIGHT, Mobject, VGroup, VMobject

from scenes import theme
from scenes.shown import cell_ref


def _bracket(height: float, facing: np.ndarray, color: theme.ManimColor) -> VMobject:
    """A square bracket `[` (facing RIGHT) or `]` (facing LEFT) of the given height."""
    arm = 0.12 * facing[0]
    points = [[arm, height / 2, 0], [0, height / 2, 0], [0, -height / 2, 0],
              [arm, -height / 2, 0]]
    return VMobject(stroke_color=color, stroke_width=2.5).set_points_as_corners(points)


class LabelledMatrix(VGroup):
    """`name = [entries]`. `entries[i][j]` are Texts bound to `path[i][j]`; a 1-D array is drawn
    as a column vector (`column=False`: a row). `fill` colors a box behind each entry."""

    def __init__(self, values: np.ndarray, path: str, name: Mobject | None = None,
                 style: str = "fmt", size: float = theme.CELL_TEXT_SIZE,
                 column: bool = True, cell: tuple[float, float] | None = None,
                 fill: Callable[[float], theme.ManimColor] | None = None,
                 color: theme.ManimColor = theme.INK) -> None:
        super().__init__()
        array = np.asarray(values, dtype=np.float64)
        vector = array.ndim == 1
        grid = array.reshape(-1, 1) if vector and column else np.atleast_2d(array)
        self.values = grid
        self.entries: list[list[Mobject]] = []
        texts = []
        for i, row in enumerate(grid):
            line = []
            for j, value in enumerate(row):
                index = ((i if column else j),) if vector else (i, j)
                entry = theme.bound("{}", [cell_ref(path, index, float(value), style)], size,
                                    color)
                line.append(entry)
                texts.append(entry)
            self.entries.append(line)
        width = max(t.width for t in texts) + 0.22
        height = max(t.height for t in texts) + 0.16
        cw, ch = cell if cell else (width, height)
        rows, cols = grid.shape
        self.boxes = VGroup()
        for i in range(rows):
            for j in range(cols):
                center = [(j - (cols - 1) / 2) * cw, ((rows - 1) / 2 - i) * ch, 0]
                self.entries[i][j].move_to(center)
                if fill is not None:
                    box = theme.cell_box(cw * 0.94, ch * 0.9, fill(float(grid[i, j])))
                    self.boxes.add(box.move_to(center))
        self.numbers = VGroup(*texts)
        body_h = rows * ch
        self.left_bracket = _bracket(body_h, RIGHT, theme.MUTED).next_to(self.numbers, LEFT, 0.1)
        self.right_bracket = _bracket(body_h, LEFT, theme.MUTED).next_to(self.numbers, RIGHT,
                                                                         0.1)
        if fill is not None:
            self.add(self.boxes)
        self.add(self.numbers, self.left_bracket, self.right_bracket)
        self.name = name
        if name is not None:
            equals = theme.text("=", size + 4, theme.MUTED)
            equals.next_to(self.left_bracket, LEFT, buff=0.12)
            name.next_to(equals, LEFT, buff=0.12)
            self.add(name, equals)

    def shown_text(self) -> list[list[str]]:
        return [[entry.text for entry in row] for row in self.entries]
