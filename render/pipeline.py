"""One scene, end to end: parameters -> trace -> narration -> speech -> video -> mux, subtitles.

Everything is built in a temporary folder inside the output folder; the finished MP4, SRT and
VTT are renamed into place only when all three are complete.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from render.audio import narration_track
from render.cache import write_text_atomic
from render.lessons import Lesson
from render.manim_run import QUALITIES, render_video
from render.media import mux
from render.narration import Cue, check_cues, fill_script, load_script
from render.subtitles import cue_subtitles, to_srt, to_vtt
from render.tts.base import Speech, SpeechError
from render.tts.edge import EdgeBackend
from render.tts.speak import Speaker, backend_for, offline_backend

PAUSE = 0.5  # seconds of quiet after each cue, so sentences do not run together


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
    video: Path
    srt: Path
    vtt: Path
    duration: float  # seconds of video
    render_seconds: float  # wall time of the manim render alone
    total_seconds: float
    backend: str
    voice: str


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


def synthesize(cues: list[Cue], request: SceneRequest, console: Console,
               progress: Progress) -> list[Speech]:
    """Speech for every cue. With --voice auto, edge-tts first; if it fails, one warning and
    the whole scene in the offline voice (never a mix of voices)."""
    lang = request.lang
    if request.voice != "auto":
        return _speak_all(Speaker(backend_for(request.voice, lang), lang, request.rate), cues,
                          progress)
    offline = Speaker(offline_backend(lang), lang, request.rate)
    if os.environ.get("LECTURE_OFFLINE"):
        return _speak_all(offline, cues, progress)
    online = Speaker(EdgeBackend(attempts=2, timeout=20, backoff=0.5), lang, request.rate)
    try:
        return _speak_all(online, cues, progress)
    except SpeechError as error:
        console.print(f"[yellow]warning:[/] {error}\n  narrating with the offline voice "
                      f"{offline.backend.name} ({offline.voice}); --voice edge insists on "
                      "edge-tts")
        return _speak_all(offline, cues, progress)


def _speak_all(speaker: Speaker, cues: list[Cue], progress: Progress) -> list[Speech]:
    task = progress.add_task(f"speech  {speaker.backend.name} ({speaker.voice})",
                             total=len(cues))
    try:
        speeches = []
        for cue in cues:
            speeches.append(speaker.speak(cue.speech))
            progress.advance(task)
        return speeches
    except SpeechError:
        progress.remove_task(task)
        raise


def render_scene(request: SceneRequest, console: Console | None = None) -> SceneResult:
    console = console or Console(stderr=True)
    began = time.perf_counter()
    lesson = request.lesson
    trace = lesson.model.run(request.overrides)  # bad parameters fail before manim loads
    scene_class = lesson.scene_class()
    scene_class.check_trace(trace)
    script = load_script(lesson.script, request.lang)
    check_cues(script, scene_class.CUES, scene_class.LABELS)
    labels, cues = fill_script(script, trace.to_dict())
    quality = QUALITIES[request.quality]

    out_dir = request.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    targets = {ext: out_dir / f"{lesson.name}.{ext}" for ext in ("mp4", "srt", "vtt")}
    with tempfile.TemporaryDirectory(prefix=".lecture-", dir=out_dir) as work_name, \
            _progress(console) as progress:
        work = Path(work_name)
        speeches = synthesize(cues, request, console, progress)
        durations = {cue.id: speech.duration + PAUSE for cue, speech in zip(cues, speeches,
                                                                             strict=True)}
        planned = sum(durations.values())
        task = progress.add_task(f"render  {request.quality} {quality.width}x{quality.height}"
                                 f"@{quality.fps}", total=planned)
        render_began = time.perf_counter()
        movie, timeline = render_video(
            scene_class, trace, durations, labels, quality, work / "media",
            on_progress=lambda t: progress.update(task, completed=min(t, planned)))
        render_seconds = time.perf_counter() - render_began
        progress.update(task, completed=planned)
        video_length = timeline[-1].end if timeline else planned

        task = progress.add_task("mux     narration (AAC) + subtitles", total=3)
        starts = {slot.id: slot.start for slot in timeline}
        narration = work / "narration.wav"
        narration_track([(starts[cue.id], speech.path) for cue, speech in
                         zip(cues, speeches, strict=True)], video_length, narration)
        progress.advance(task)
        muxed = work / "muxed.mp4"
        mux(movie, narration, muxed)
        progress.advance(task)
        subtitles = [line for cue, speech in zip(cues, speeches, strict=True)
                     for line in cue_subtitles(cue.text, starts[cue.id], speech.duration)]
        write_text_atomic(work / "subs.srt", to_srt(subtitles))
        write_text_atomic(work / "subs.vtt", to_vtt(subtitles))
        # All three exist: move them into place (renames within one file system).
        os.replace(muxed, targets["mp4"])
        os.replace(work / "subs.srt", targets["srt"])
        os.replace(work / "subs.vtt", targets["vtt"])
        progress.advance(task)
    result = SceneResult(targets["mp4"], targets["srt"], targets["vtt"], video_length,
                         render_seconds, time.perf_counter() - began, speeches[0].backend,
                         speeches[0].voice)
    console.print(f"[green]wrote[/] {result.video} ({result.duration:.1f} s, {result.backend} "
                  f"{result.voice}), {result.srt.name}, {result.vtt.name} in "
                  f"{result.total_seconds:.1f} s (render {render_seconds:.1f} s)")
    return result
