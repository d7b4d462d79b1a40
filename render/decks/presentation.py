"""A PPTX deck (python-pptx): one slide per cue with its clip embedded (plays in PowerPoint and
LibreOffice Impress), the cue's last frame as the poster, and the cue's words as notes."""

from __future__ import annotations

from pathlib import Path

from pptx import Presentation
from pptx.util import Emu

WIDTH, HEIGHT = Emu(12192000), Emu(6858000)  # 16:9, 13.333 x 7.5 inches


def write(deck, target: Path) -> dict[str, Path]:
    presentation = Presentation()
    presentation.slide_width, presentation.slide_height = WIDTH, HEIGHT
    blank = presentation.slide_layouts[6]
    for slide_data in deck.slides:
        slide = presentation.slides.add_slide(blank)
        slide.shapes.add_movie(str(slide_data.clip), 0, 0, WIDTH, HEIGHT,
                               poster_frame_image=str(slide_data.poster), mime_type="video/mp4")
        slide.notes_slide.notes_text_frame.text = slide_data.notes or "—"
    target.mkdir(parents=True)
    path = target / f"{deck.name}.pptx"
    presentation.save(str(path))
    return {path.name: path}
