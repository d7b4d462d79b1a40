"""Numbers on screen bound to the trace paths they come from.

Every Text that shows a number is built from `Ref`s: the trace path, and the number as written.
A test can then check, for any scene and any parameters, that what the viewer reads is exactly
the trace's value at that path, and that no number on screen was typed by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.trace import Trace, lookup
from scenes.numbers import FORMATS


@dataclass(frozen=True)
class Ref:
    path: str  # e.g. "windows[3].sum"
    text: str  # the number as the viewer reads it
    style: str = "fmt"  # a key of scenes.numbers.FORMATS


class TraceValues:
    """The trace as a scene reads it: by path, like the narration's placeholders."""

    def __init__(self, trace: Trace) -> None:
        self.data = trace.to_dict()

    def __call__(self, path: str) -> Any:
        return lookup(self.data, path)

    def ref(self, path: str, style: str = "fmt") -> Ref:
        value = self(path)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{path} is {type(value).__name__}, not a number")
        return Ref(path, FORMATS[style](value), style)

    def array(self, path: str) -> np.ndarray:
        return np.array(self(path), dtype=np.float64)


def cell_ref(path: str, index: tuple[int, ...], value: float, style: str = "fmt") -> Ref:
    """The Ref of one entry of an array at `path` (`path[i][j]`)."""
    return Ref(path + "".join(f"[{i}]" for i in index), FORMATS[style](value), style)
