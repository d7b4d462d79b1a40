"""One scene, end to end: the four stages composed (prepare, narrate, render, publish).

Everything is built in a private work folder inside the output folder (manim's own files in the
system's temporary folder, whose path holds no character that could trip its tools); the
finished outputs then appear together (`files.publish_group`).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from render.files import publish_group, usable_folder, work_folder
from render.lessons import Lesson
from render.manim_run import QUALITIES, render
from render.narrate import narrate
from render.prepare import prepare
from render.publish import EXTENSIONS, publish


@dataclass(frozen=True)
class SceneRequest:
    lesson: Lesson
    overrides: dict[str, Any] = field(default_factory=dict)
    lang: str = "zh"
    quality: str = "low"
    voice: str = "auto"
    out_dir: Path = Path("build")
    rate: float = 1.0


@dataclass(frozen=True)
class SceneResult:
    outputs: dict[str, Path]  # extension -> file
    duration: float  # seconds of video
    render_seconds: float  # wall time of the manim render alone
    total_seconds: float
    backend: str
    voice: str


def progress_bars(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


def render_scene(request: SceneRequest, console: Console | None = None) -> SceneResult:
    console = console or Console(stderr=True, soft_wrap=True)
    began = time.perf_counter()
    scene = prepare(request.lesson, request.overrides, request.lang)  # fails before slow work
    quality = QUALITIES[request.quality]
    out_dir = usable_folder(request.out_dir, "--out")
    stem = request.lesson.name
    with work_folder(out_dir) as work, work_folder(Path(tempfile.gettempdir())) as media, \
            progress_bars(console) as progress:
        (narration,) = narrate([scene], request.voice, request.lang, progress, console,
                               request.rate)
        durations = narration.durations(scene)
        planned = sum(durations.values())
        task = progress.add_task(f"render  {request.quality} {quality.width}x{quality.height}"
                                 f"@{quality.fps}", total=planned)
        rendered = render(scene.scene_class, scene.trace, scene.labels, durations, quality, media,
                          on_progress=lambda t: progress.update(task, completed=min(t, planned)))
        progress.update(task, completed=planned)
        task = progress.add_task("publish loudness, AAC, subtitles", total=1)
        built = publish(scene, narration, rendered, work, stem)
        publish_group(out_dir, stem, built)
        progress.advance(task)
    outputs = {ext: out_dir / f"{stem}.{ext}" for ext in EXTENSIONS}
    result = SceneResult(outputs, rendered.duration, rendered.seconds,
                         time.perf_counter() - began, narration.backend, narration.voice)
    names = ", ".join(path.name for path in outputs.values())
    console.print(f"[green]wrote[/] {out_dir}: {names} ({result.duration:.1f} s, "
                  f"{result.backend} {result.voice}) in {result.total_seconds:.1f} s "
                  f"(render {result.render_seconds:.1f} s)")
    return result
