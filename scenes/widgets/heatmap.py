"""A heat map (a value grid colored by value) and the color legend that reads it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from manim import RIGHT, UP, Rectangle, Text, VGroup

from scenes import theme
from scenes.shown import Ref
from scenes.widgets.grid import ValueGrid


def diverging(scale: float) -> Callable[[float], theme.ManimColor]:
    """Blue for negative, red for positive, `scale` the magnitude of full color."""
    return lambda value: theme.heat(value, scale)


def heat_map(values: np.ndarray, path: str, cell: float, scale: float | None = None,
             numbers: bool = True) -> ValueGrid:
    """A grid colored blue (negative) to red (positive), scaled by its largest magnitude."""
    array = np.asarray(values, dtype=np.float64)
    scale = float(np.abs(array).max()) if scale is None else scale
    return ValueGrid(array, path, cell=cell, fill=diverging(scale), numbers=numbers)


class ColorLegend(VGroup):
    """A color bar from `low` to `high` with both values written at its ends and optional
    captions (script labels) saying what each end means. Vertical (low at the bottom) or
    horizontal (low on the left). Captions go beyond the values (right of them when vertical)."""

    def __init__(self, color_of: Callable[[float], theme.ManimColor], low: Ref, high: Ref,
                 low_value: float, high_value: float, length: float = 2.4,
                 thickness: float = 0.22, steps: int = 24, horizontal: bool = False,
                 high_caption: Text | None = None, low_caption: Text | None = None) -> None:
        super().__init__()
        self.bar = VGroup()
        along = RIGHT if horizontal else UP
        for k in range(steps):
            value = low_value + (high_value - low_value) * (k + 0.5) / steps
            w, h = (length / steps, thickness) if horizontal else (thickness, length / steps)
            piece = Rectangle(width=w, height=h, stroke_width=0, fill_color=color_of(value),
                              fill_opacity=1)
            self.bar.add(piece.move_to(along * (-length / 2 + (k + 0.5) * length / steps)))
        w, h = (length, thickness) if horizontal else (thickness, length)
        outline = Rectangle(width=w, height=h, stroke_color=theme.MUTED, stroke_width=1)
        self.high = theme.bound("{}", [high], theme.CELL_TEXT_SIZE).next_to(outline, along, 0.12)
        self.low = theme.bound("{}", [low], theme.CELL_TEXT_SIZE).next_to(outline, -along, 0.12)
        self.add(self.bar, outline, self.high, self.low)
        for caption, end, side in ((high_caption, self.high, along),
                                   (low_caption, self.low, -along)):
            if caption is not None:
                caption.next_to(end, side if horizontal else RIGHT, buff=0.15)
                self.add(caption)
