"""What the engine offers a lesson: its parameter model and the function that builds its trace."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.params import ParamSpec
from engine.trace import Trace


@dataclass(frozen=True)
class LessonModel:
    summary: str
    params: ParamSpec
    compute: Callable[..., Trace]  # called with the resolved parameters as keywords

    def run(self, *layers: Mapping[str, Any]) -> Trace:
        """Resolve defaults <- each layer of overrides, validate, and compute the trace."""
        return self.compute(**self.params.resolve(*layers))
