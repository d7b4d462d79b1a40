"""Stage 3, render: a prepared scene through manim with our quality presets, quietly, timed by
its narration. The result is the silent movie and the timeline the scene really played."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from engine.trace import Trace
from scenes.narrated import CueSlot


@dataclass(frozen=True)
class Quality:
    width: int
    height: int
    fps: int


QUALITIES: dict[str, Quality] = {
    "preview": Quality(426, 240, 10),  # for tests and quick looks
    "low": Quality(854, 480, 15),
    "medium": Quality(1280, 720, 30),
    "high": Quality(1920, 1080, 60),
}


@dataclass(frozen=True)
class Rendered:
    movie: Path  # H.264 MP4 without audio
    timeline: tuple[CueSlot, ...]  # when each cue really started and ended
    seconds: float  # wall time of the render

    @property
    def duration(self) -> float:
        return self.timeline[-1].end if self.timeline else 0.0


def manim_config(quality: Quality, media_dir: Path, **extra: object) -> dict:
    return {"pixel_width": quality.width, "pixel_height": quality.height,
            "frame_rate": quality.fps, "media_dir": str(media_dir), "disable_caching": True,
            "progress_bar": "none", "verbosity": "ERROR", "output_file": "scene", **extra}


def render(scene_class: type, trace: Trace, labels: Mapping[str, str],
           durations: Mapping[str, float], quality: Quality, media_dir: Path,
           on_progress: Callable[[float], None] | None = None) -> Rendered:
    """Render `scene_class` drawing `trace`, each cue lasting at least `durations[cue]`."""
    from manim import tempconfig

    began = time.perf_counter()
    with tempconfig(manim_config(quality, media_dir)):
        instance = scene_class(trace=trace, durations=durations, labels=labels,
                               on_progress=on_progress)
        instance.render()
        movie = Path(instance.renderer.file_writer.movie_file_path)
    return Rendered(movie, tuple(instance.timeline), time.perf_counter() - began)
