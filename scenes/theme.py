"""One look for every lesson: palette, font, sizes readable at 480p, and the LaTeX template.

Texts are made here so that each one says where its content came from: `bound` for numbers from
the trace (a list of Refs), `label` for a caption from the narration script, `tick` for a
position on an axis, `constant` for text that holds no lesson number. Tests read these tags.
"""

from __future__ import annotations

from collections.abc import Sequence

from manim import ManimColor, MathTex, Mobject, Rectangle, Text, TexTemplate, interpolate_color
from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath
from manim.utils.rate_functions import there_and_back

from scenes.shown import Ref

FONT = "Noto Sans CJK SC"  # covers Chinese and Latin; installed by fonts-noto-cjk

BACKGROUND = ManimColor("#14161b")
INK = ManimColor("#e8e6e3")
MUTED = ManimColor("#8a8f98")
ACCENT = ManimColor("#f2b134")  # the sliding window, the current cell
SECOND = ManimColor("#5ec4b6")  # a second thing being compared
POSITIVE = ManimColor("#e4572e")
NEGATIVE = ManimColor("#3a86ff")
CELL_FILL = ManimColor("#23262e")
PAD_FILL = ManimColor("#1a1c21")
SERIES = [ManimColor(c) for c in ("#f2b134", "#5ec4b6", "#e4572e", "#9b8cf2", "#8fd14f")]

TITLE_SIZE = 34
LABEL_SIZE = 24
BODY_SIZE = 22
CELL_TEXT_SIZE = 19  # about 14 px tall at 480p
MIN_TEXT_HEIGHT = 0.16  # scene units: about 10 px at 480p, the smallest digit still readable



def _generate_glyph_points(self: VMobjectFromSVGPath) -> VMobjectFromSVGPath:
    """Each glyph of a Text or MathTex keeps its parsed SVG path after making its points, and
    every copy (each Transform and FadeIn copies its mobjects) deep-copies that path again:
    7 times the cost of the points. The path is needed once; drop it."""
    _generate_points(self)
    self.path_obj = None
    return self


_generate_points = VMobjectFromSVGPath.generate_points
VMobjectFromSVGPath.generate_points = _generate_glyph_points  # type: ignore[method-assign]

# Article class rather than manim's `standalone`, which needs texlive-latex-extra (+192 MB).
TEX = TexTemplate(documentclass=r"\documentclass{article}")
TEX.add_to_preamble(r"\pagestyle{empty}")


def text(content: str, size: float = BODY_SIZE, color: ManimColor = INK, **kwargs) -> Text:
    """Text without lesson numbers (a caption typed in code must not hold any)."""
    mob = Text(content, font=FONT, font_size=size, color=color, **kwargs)
    mob.constant = True
    return mob


def tick(content: str, size: float = CELL_TEXT_SIZE, color: ManimColor = MUTED) -> Text:
    """An axis tick label: a position on a scale the scene chose, not a lesson number."""
    mob = Text(content, font=FONT, font_size=size, color=color)
    mob.tick = True
    return mob


def label(content: str, key: str, size: float = LABEL_SIZE, color: ManimColor = MUTED) -> Text:
    """A caption from the script's [labels] (its numbers were filled from the trace)."""
    mob = Text(content, font=FONT, font_size=size, color=color)
    mob.label = key
    return mob


def bound(template: str, refs: Sequence[Ref], size: float = BODY_SIZE,
          color: ManimColor = INK) -> Text:
    """Text whose numbers are `refs`, put in order into the `{}` of `template`."""
    mob = Text(template.format(*(ref.text for ref in refs)), font=FONT, font_size=size,
               color=color)
    mob.bound = tuple(refs)
    return mob


def formula(*parts: str, size: float = 34, color: ManimColor = INK,
            refs: Sequence[Ref] = ()) -> MathTex:
    """LaTeX; `refs` are the trace numbers written into it (checked by the tests)."""
    mob = MathTex(*parts, tex_template=TEX, font_size=size, color=color)
    mob.bound = tuple(refs)
    return mob


def heat(value: float, scale: float) -> ManimColor:
    """A diverging color: negative toward blue, positive toward red, zero the plain cell."""
    if scale <= 0:
        return CELL_FILL
    amount = min(abs(value) / scale, 1.0) * 0.85
    return interpolate_color(CELL_FILL, POSITIVE if value > 0 else NEGATIVE, amount)


def intensity(value: float, low: float, high: float) -> ManimColor:
    """A grey ramp for image pixels, so the digit is visible behind its numbers."""
    if high <= low:
        return CELL_FILL
    amount = (value - low) / (high - low)
    return interpolate_color(CELL_FILL, ManimColor("#9aa3b5"), max(0.0, min(1.0, amount)))


def cell_box(width: float, height: float, color: ManimColor) -> Rectangle:
    """A filled box without border, behind a value."""
    return Rectangle(width=width, height=height, stroke_width=0, fill_color=color,
                     fill_opacity=1)


def pulse(mobject: Mobject, scale: float = 1.06):
    """Grow and shrink back, colors untouched (Indicate would paint a grid one solid color)."""
    return mobject.animate(rate_func=there_and_back).scale(scale)
