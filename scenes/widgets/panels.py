"""Arithmetic written out: element-wise products and their sum, or any bound equation line."""

from __future__ import annotations

import numpy as np
from manim import DOWN, VGroup

from scenes import theme
from scenes.shown import Ref, cell_ref


def signed(ref: Ref) -> Ref:
    """The same number in parentheses when negative, for writing it after an operator."""
    return Ref(ref.path, f"({ref.text})", ref.style) if ref.text.startswith("-") else ref


class ProductsPanel(VGroup):
    """`x×k` for every cell of a window, as a grid, and below it the sum line.

    `patch` and `weights` are the arrays with their trace paths; `total` is the line written
    under the terms (e.g. "Σ + b = {} + {} = {}" with its Refs).
    """

    def __init__(self, patch: np.ndarray, patch_path: str, weights: np.ndarray,
                 weights_path: str, total: tuple[str, list[Ref]],
                 weight_style: str = "exact", size: float = theme.CELL_TEXT_SIZE,
                 max_width: float = 4.0) -> None:
        super().__init__()
        rows, cols = patch.shape
        self.terms = VGroup()
        for i in range(rows):
            for j in range(cols):
                x = cell_ref(patch_path, (i, j), float(patch[i, j]), "exact")
                k = signed(cell_ref(weights_path, (i, j), float(weights[i, j]), weight_style))
                self.terms.add(theme.bound("{}×{}", [x, k], size))
        self.terms.arrange_in_grid(rows=rows, cols=cols, buff=(0.28, 0.14))
        template, refs = total
        self.total = theme.bound(template, refs, theme.BODY_SIZE, theme.ACCENT)
        self.total.next_to(self.terms, DOWN, buff=0.22)
        self.add(self.terms, self.total)
        if self.width > max_width:
            self.scale_to_fit_width(max_width)
