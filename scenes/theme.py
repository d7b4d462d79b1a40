"""One look for every lesson: palette, font, sizes readable at 480p, and the LaTeX template."""

from __future__ import annotations

from manim import ManimColor, MathTex, Text, TexTemplate, interpolate_color

FONT = "Noto Sans CJK SC"  # covers Chinese and Latin; installed by fonts-noto-cjk

BACKGROUND = ManimColor("#14161b")
INK = ManimColor("#e8e6e3")
MUTED = ManimColor("#8a8f98")
ACCENT = ManimColor("#f2b134")  # the sliding window, the current cell
POSITIVE = ManimColor("#e4572e")
NEGATIVE = ManimColor("#3a86ff")
CELL_FILL = ManimColor("#23262e")
PAD_FILL = ManimColor("#1a1c21")

TITLE_SIZE = 34
LABEL_SIZE = 24
BODY_SIZE = 22
CELL_TEXT_SIZE = 19  # about 14 px tall at 480p

# Article class rather than manim's `standalone`, which needs texlive-latex-extra (+192 MB).
TEX = TexTemplate(documentclass=r"\documentclass{article}")
TEX.add_to_preamble(r"\pagestyle{empty}")


def text(content: str, size: float = BODY_SIZE, color: ManimColor = INK, **kwargs) -> Text:
    return Text(content, font=FONT, font_size=size, color=color, **kwargs)


def formula(*parts: str, size: float = 34, color: ManimColor = INK) -> MathTex:
    return MathTex(*parts, tex_template=TEX, font_size=size, color=color)


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
