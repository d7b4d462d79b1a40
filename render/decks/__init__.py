"""Deck converters behind one interface: `write(deck, target) -> {published name: path}`."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from render.decks import handout, html, presentation

WRITERS = {"html": html.write, "pptx": presentation.write, "pdf": handout.write}


def place(source: Path, target: Path) -> None:
    """`source` at `target`: a hard link where the file system allows (decks share clips)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
