"""Running a narrated scene through manim with our quality presets, quietly."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from engine.trace import Trace


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


def manim_config(quality: Quality, media_dir: Path, **extra: object) -> dict:
    return {"pixel_width": quality.width, "pixel_height": quality.height,
            "frame_rate": quality.fps, "media_dir": str(media_dir), "disable_caching": True,
            "progress_bar": "none", "verbosity": "ERROR", "output_file": "scene", **extra}


def render_video(scene_class: type, trace: Trace, durations: Mapping[str, float],
                 labels: Mapping[str, str], quality: Quality, media_dir: Path,
                 on_progress: Callable[[float], None] | None = None) -> tuple[Path, list]:
    """Render to an MP4 without audio; return it and the scene's cue timeline."""
    from manim import tempconfig

    with tempconfig(manim_config(quality, media_dir)):
        scene = scene_class(trace=trace, durations=durations, labels=labels,
                            on_progress=on_progress)
        scene.render()
        movie = Path(scene.renderer.file_writer.movie_file_path)
    return movie, scene.timeline
