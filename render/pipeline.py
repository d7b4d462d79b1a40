"""One scene, end to end: the four stages composed (prepare, narrate, render, publish).

Everything is built in a temporary folder inside the output folder; the finished MP4, SRT and
VTT are renamed into place only when all three are complete.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from render.lessons import Lesson
from render.manim_run import QUALITIES, render
from render.narrate import narrate
from render.prepare import prepare
from render.publish import Outputs, publish


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
    outputs: Outputs
    duration: float  # seconds of video
    render_seconds: float  # wall time of the manim render alone
    total_seconds: float
    backend: str
    voice: str


def progress_bars(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


def render_scene(request: SceneRequest, console: Console | None = None) -> SceneResult:
    console = console or Console(stderr=True)
    began = time.perf_counter()
    scene = prepare(request.lesson, request.overrides, request.lang)  # fails before slow work
    quality = QUALITIES[request.quality]
    request.out_dir.mkdir(parents=True, exist_ok=True)
    outputs = Outputs.named(request.out_dir, request.lesson.name)
    with tempfile.TemporaryDirectory(prefix=".lecture-", dir=request.out_dir) as work_name, \
            progress_bars(console) as progress:
        work = Path(work_name)
        (narration,) = narrate([scene], request.voice, request.lang, progress, console,
                               request.rate)
        durations = narration.durations(scene)
        planned = sum(durations.values())
        task = progress.add_task(f"render  {request.quality} {quality.width}x{quality.height}"
                                 f"@{quality.fps}", total=planned)
        rendered = render(scene, durations, quality, work / "media",
                          on_progress=lambda t: progress.update(task, completed=min(t, planned)))
        progress.update(task, completed=planned)
        task = progress.add_task("publish loudness, AAC, subtitles", total=1)
        publish(scene, narration, rendered, work, outputs)
        progress.advance(task)
    result = SceneResult(outputs, rendered.duration, rendered.seconds,
                         time.perf_counter() - began, narration.backend, narration.voice)
    console.print(f"[green]wrote[/] {outputs.video} ({result.duration:.1f} s, {result.backend} "
                  f"{result.voice}), {outputs.srt.name}, {outputs.vtt.name}, {outputs.cues.name} "
                  f"in "
                  f"{result.total_seconds:.1f} s (render {result.render_seconds:.1f} s)")
    return result
