"""A PDF handout (fpdf2): one page per cue with its last frame and its words, and a last page
with each lesson's parameters and key numbers from the trace."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SIMPLIFIED = 2  # the face of the collection with simplified Chinese glyphs
HEADINGS = {"zh": ("参数", "关键数值", "第 {} 页，共 {} 页"),
            "en": ("Parameters", "Key numbers", "page {} of {}")}


def write(deck, target: Path) -> dict[str, Path]:
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_font("cjk", fname=str(FONT), collection_font_number=SIMPLIFIED)
    headings = HEADINGS.get(deck.lang, HEADINGS["en"])
    for number, slide in enumerate(deck.slides, 1):
        pdf.add_page()
        pdf.set_font("cjk", size=11)
        pdf.set_text_color(110, 110, 110)
        pdf.cell(0, 6, f"{deck.title} · {slide.cue}")
        pdf.ln(8)
        pdf.image(str(slide.poster), w=190)
        pdf.ln(3)
        pdf.set_text_color(20, 20, 20)
        pdf.set_font("cjk", size=13)
        pdf.multi_cell(0, 7, slide.notes or "—")
        pdf.set_auto_page_break(False)  # the page number sits in the bottom margin
        pdf.set_y(-11)
        pdf.set_font("cjk", size=9)
        pdf.cell(0, 6, headings[2].format(number, len(deck.slides)), align="R")
        pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    for lesson, parameters, numbers in deck.numbers:
        pdf.set_font("cjk", size=15)
        pdf.cell(0, 9, lesson)
        pdf.ln(10)
        rows = [(headings[0], ""), *parameters, (headings[1], ""), *numbers]
        pdf.set_font("cjk", size=10)
        with pdf.table(col_widths=(60, 210), text_align="LEFT",
                       first_row_as_headings=False) as table:
            for key, value in rows:
                row = table.row()
                row.cell(key)
                row.cell(value if len(value) < 600 else value[:597] + "...")
        pdf.ln(6)
    target.mkdir(parents=True)
    path = target / f"{deck.name}.pdf"
    pdf.output(str(path))
    return {path.name: path}
