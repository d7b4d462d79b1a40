"""Slides from the same renders as the videos: one slide per cue.

A lesson or a course manifest goes through the course build's stages and job cache (nothing
renders twice); each rendered scene is then cut at its recorded cue boundaries. Every cue start
is a key frame (manim encodes each animation as its own segment and joins them by stream copy),
so the cuts are stream copies too. A deck is then written by one of the converters in
render/decks/ (HTML, PPTX, PDF), all from the same `Deck`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress

from engine.trace import lookup, to_jsonable
from render.course import BuildOptions, ChapterPlan, plan, run_jobs
from render.errors import UserError
from render.files import publish_group, usable_folder, work_folder
from render.jobs import Job
from render.lessons import LESSONS
from render.manifest import Chapter, Course, SceneSpec
from render.media import ffmpeg, run_tool
from scenes.numbers import fmt

FORMATS = ("html", "pptx", "pdf")


@dataclass(frozen=True)
class Slide:
    clip: Path  # the cue's stretch of video (with or without its narration)
    poster: Path  # its last frame, PNG
    notes: str  # the cue's words ("" for a silent cue)
    cue: str
    lesson: str


@dataclass(frozen=True)
class Deck:
    name: str  # file name: a lesson, a chapter id, or "course"
    title: str
    lang: str
    slides: list[Slide]
    narration: bool
    # For the handout's last page: (lesson, [(parameter, value)], [(trace path, value)]), the
    # values written as the scene writes numbers.
    numbers: list[tuple[str, list[tuple[str, str]], list[tuple[str, str]]]] = field(
        default_factory=list)


def lesson_course(name: str, overrides: dict[str, Any]) -> Course:
    """A one-lesson course, so a lesson's deck goes through the same stages as a course's."""
    spec = SceneSpec(name, dict(overrides), "the lesson")
    title = {"zh": name, "en": name}
    return Course(Path.cwd() / f"{name}.toml", title, (Chapter(name, title, (spec,)),))


def cut(video: Path, start: float, end: float, out: Path, audio: bool) -> None:
    """[start, end) of `video` by stream copy (start is a key frame)."""
    command = [ffmpeg(), "-loglevel", "error", "-y", "-ss", f"{start:.3f}", "-to", f"{end:.3f}",
               "-i", str(video), "-c", "copy", "-avoid_negative_ts", "make_zero",
               *([] if audio else ["-an"]), "-movflags", "+faststart", str(out)]
    result = run_tool(command)
    if result.returncode != 0:
        raise UserError(f"ffmpeg could not cut {video.name} at {start:.2f} s: "
                        f"{result.stderr.strip()[-300:]}")


def last_frame(video: Path, at: float, out: Path) -> None:
    result = run_tool([ffmpeg(), "-loglevel", "error", "-y", "-ss", f"{max(at, 0):.3f}", "-i",
                       str(video), "-frames:v", "1", str(out)])
    if result.returncode != 0 or not out.exists():
        raise UserError(f"ffmpeg could not take a frame of {video.name} at {at:.2f} s")


def handout_numbers(job: Job) -> list[tuple[str, str]]:
    """The trace values the lesson's scene names for handouts (its HANDOUT paths)."""
    if job.lesson not in LESSONS:
        return []
    values = job.trace.to_dict()
    rows = []
    for path in LESSONS[job.lesson].scene_class().HANDOUT:
        rows.append((path, _written(lookup(values, path))))
    return rows


def parameters(job: Job) -> list[tuple[str, str]]:
    """Every parameter of the run, defaults included."""
    resolved = to_jsonable(LESSONS[job.lesson].model.params.resolve(job.parameters))
    return [(name, _written(value)) for name, value in resolved.items()]


def _written(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_written(v) for v in value) + "]"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return fmt(value)
    return "—" if value is None else str(value)


def cut_slides(job: Job, folder: Path, into: Path, narration: bool, first: int) -> list[Slide]:
    """One slide per cue of a finished job, files numbered from `first`."""
    video = folder / job.key / "scene.mp4"
    sheet = json.loads((folder / job.key / "scene.cues.json").read_text(encoding="utf-8"))
    slides = []
    for offset, cue in enumerate(sheet["cues"]):
        number = first + offset
        clip, poster = into / f"{number:03d}.mp4", into / f"{number:03d}.png"
        cut(video, cue["start"], cue["end"], clip, narration and bool(cue["speech_seconds"]))
        last_frame(video, cue["end"] - 0.1, poster)
        slides.append(Slide(clip, poster, cue["text"], cue["id"], job.lesson))
    return slides


def build_decks(course: Course, options: BuildOptions, formats: Sequence[str], narration: bool,
                out: Path, progress: Progress, console: Console, title_cards: bool,
                whole: bool) -> list[Path]:
    """Render what is missing, then one deck per chapter (and, with `whole`, one for the whole
    course) in each format, published into `out/slides/`."""
    from render.decks import WRITERS

    out = usable_folder(out, "--out")
    folder = usable_folder(out / "scenes", "the scene cache")
    plans: list[ChapterPlan] = plan(course, options, progress, console,
                                    usable_folder(out / "speech", "the shared speech folder"),
                                    title_cards=title_cards)
    run_jobs([job for chapter in plans for job in chapter.jobs], folder, options, progress)
    decks_folder = usable_folder(out / "slides", "the slides folder")
    task = progress.add_task("slides  cut at cue starts, decks written",
                             total=len(plans) + 1)
    written: list[Path] = []
    with work_folder(decks_folder) as work:
        decks, everything = [], []
        for chapter in plans:
            media = work / f"{chapter.id}-media"
            media.mkdir()
            slides: list[Slide] = []
            for job in chapter.jobs:
                slides += cut_slides(job, folder, media, narration, len(slides) + 1)
            numbers = [(job.lesson, parameters(job), handout_numbers(job))
                       for job in chapter.jobs if job.lesson in LESSONS]
            # A lesson's own deck takes the lesson's title (from its script).
            title = chapter.title if title_cards else chapter.jobs[0].labels.get("title",
                                                                                  chapter.title)
            deck = Deck(chapter.id, title, options.lang, slides, narration, numbers)
            decks.append(deck)
            everything.append(deck)
            progress.advance(task)
        if whole:
            decks.append(Deck("course", course.title[options.lang], options.lang,
                              [s for d in everything for s in d.slides], narration,
                              [n for d in everything for n in d.numbers]))
        for deck in decks:
            for fmt_name in formats:  # each format its own group: decks of others stay
                built = WRITERS[fmt_name](deck, work / f"{deck.name}-{fmt_name}")
                publish_group(decks_folder, f"{deck.name}-{fmt_name}", built)
                written += [decks_folder / name for name in built]
        progress.advance(task)
    return written
