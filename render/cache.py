"""Where the tool keeps what it can reuse, and how it names what it keeps."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any


def cache_dir() -> Path:
    """$LECTURE_CACHE, else $XDG_CACHE_HOME/lecture, else ~/.cache/lecture."""
    if os.environ.get("LECTURE_CACHE"):
        return Path(os.environ["LECTURE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lecture"


def content_key(data: Any) -> str:
    """A stable hash of JSON-able data."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
