"""Formulas written with one run's numbers (each number a Ref to the trace)."""

from __future__ import annotations

from manim import MathTex

from scenes import theme
from scenes.shown import Ref


def output_size(size: Ref, padding: Ref, kernel: Ref, stride: Ref | None, out: Ref,
                font_size: float = 30) -> MathTex:
    """H_out = floor((H + 2p - k) / s) + 1 = floor((8 + 2*0 - 3) / 1) + 1 = 6.

    `stride` None writes a stride of 1 (a demonstration at stride one, not a trace value).
    """
    s = stride.text if stride else "1"
    tex = (r"H_{out} = \left\lfloor \frac{H + 2p - k}{s} \right\rfloor + 1 = "
           rf"\left\lfloor \frac{{{size.text} + 2\cdot{padding.text} - {kernel.text}}}{{{s}}}"
           rf" \right\rfloor + 1 = {out.text}")
    refs = [size, padding, kernel, *([stride] if stride else []), out]
    return theme.formula(tex, size=font_size, refs=refs)
