"""Where voice files downloaded at set-up live (standard library only: the course build's
fingerprint reads it without loading any voice)."""

from __future__ import annotations

import os
from pathlib import Path


def voices_dir() -> Path:
    """$LECTURE_VOICES, else $XDG_DATA_HOME/lecture/voices/kokoro, else ~/.local/share/..."""
    if os.environ.get("LECTURE_VOICES"):
        return Path(os.environ["LECTURE_VOICES"])
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "lecture" / "voices" / "kokoro"
