"""A course build: every scene of every chapter through the shared stages, then the joins.

prepare (all scenes, errors naming chapter and scene) -> narrate (all cues, one voice) -> a job
per scene and per title card, keyed by its content; jobs already in OUT/scenes are skipped, the
rest run in a local process pool or on a Dask cluster -> chapters and the course joined by
stream copy -> the watch page -> every course output published as one atomic group.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent import futures
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress

from engine.errors import ParamError
from render.cache import content_key
from render.errors import UserError
from render.files import die_with_parent, publish_group, usable_folder, work_folder
from render.jobs import DONE, Job, JobResult, finished, run_job
from render.lessons import LESSONS
from render.manifest import Course
from render.manim_run import QUALITIES
from render.narrate import Narration, narrate
from render.narration import SCRIPTS_DIR, script_path
from render.prepare import PreparedScene, prepare
from render.stitch import Part, join
from render.subtitles import Subtitle, cue_subtitles, to_srt, to_vtt
from render.watch_page import PageChapter, watch_page
from scenes.title_card import EMPTY, SECONDS

TITLE_SCENE = "scenes.title_card:TitleCardScene"


@dataclass(frozen=True)
class BuildOptions:
    lang: str = "zh"
    quality: str = "low"
    voice: str = "auto"
    out: Path = Path("build/course")
    jobs: int | None = None  # local processes; default: the number of cores
    scheduler: str | None = None  # a Dask scheduler address


@dataclass(frozen=True)
class BuildResult:
    outputs: list[Path]
    rendered: int
    cached: int
    joined: bool  # False when the published course was already this one
    seconds: float
    peak_memory_mb: float  # the largest render worker


@dataclass(frozen=True)
class ChapterPlan:
    id: str
    title: str
    jobs: tuple[Job, ...]  # title card first
    lessons: tuple[tuple[str, dict], ...]


def scripts_for(course: Course, lesson: str, lang: str) -> Path:
    """The course's own narration for this lesson if it has one, else the built-in."""
    if course.scripts and script_path(lesson, lang, course.scripts).is_file():
        return course.scripts
    return SCRIPTS_DIR


def prepare_course(course: Course, lang: str) -> list[list[PreparedScene]]:
    """Every scene prepared; a problem names its chapter and scene."""
    chapters = []
    for chapter in course.chapters:
        scenes = []
        for spec in chapter.scenes:
            try:
                scenes.append(prepare(LESSONS[spec.lesson], spec.overrides, lang,
                                      scripts_for(course, spec.lesson, lang)))
            except (UserError, ParamError) as error:
                raise UserError(f"{course.path}: {spec.where} ({spec.lesson}): {error}") from None
        chapters.append(scenes)
    return chapters


def scene_job(scene: PreparedScene, narration: Narration, lang: str, quality: tuple,
              name: str, speech_folder: Path) -> Job:
    speech: list[tuple[str, Path, float] | None] = []
    for spoken in narration.speeches:
        if spoken is None:  # a silent cue
            speech.append(None)
            continue
        key = spoken.path.stem
        shared = speech_folder / spoken.path.name  # workers elsewhere see only OUT
        if not shared.exists():
            shutil.copyfile(spoken.path, shared)
        speech.append((key, shared, spoken.duration))
    return Job(name=name, scene=scene.lesson.scene, trace=scene.trace, labels=dict(scene.labels),
               cue_ids=tuple(c.id for c in scene.cues), cue_texts=tuple(c.text for c in scene.cues),
               speech=tuple(speech), durations=narration.durations(scene), quality=quality,
               lang=lang, parameters=dict(scene.overrides), lesson=scene.lesson.name)


def title_job(course_title: str, chapter_title: str, chapter_id: str, lang: str,
              quality: tuple) -> Job:
    return Job(name=f"chapter {chapter_id!r}, title card", scene=TITLE_SCENE, trace=EMPTY,
               labels={"course": course_title, "chapter": chapter_title}, cue_ids=("title",),
               cue_texts=("",), speech=(None,), durations={"title": SECONDS},
               quality=quality, lang=lang, parameters={}, lesson="title")


def plan(course: Course, options: BuildOptions, progress: Progress, console: Console,
         speech_folder: Path, title_cards: bool = True) -> list[ChapterPlan]:
    prepared = prepare_course(course, options.lang)
    flat = [scene for chapter in prepared for scene in chapter]
    narrations = iter(narrate(flat, options.voice, options.lang, progress, console))
    q = QUALITIES[options.quality]
    quality = (q.width, q.height, q.fps)
    plans = []
    for chapter, scenes in zip(course.chapters, prepared, strict=True):
        jobs = [title_job(course.title[options.lang], chapter.title[options.lang], chapter.id,
                          options.lang, quality)] if title_cards else []
        for spec, scene in zip(chapter.scenes, scenes, strict=True):
            jobs.append(scene_job(scene, next(narrations), options.lang, quality,
                                  f"{spec.where} ({spec.lesson})", speech_folder))
        plans.append(ChapterPlan(chapter.id, chapter.title[options.lang], tuple(jobs),
                                 tuple((s.lesson, s.overrides) for s in chapter.scenes)))
    return plans


def _worker_start() -> None:
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and cleans up


@dataclass(frozen=True)
class Runner:
    submit: Callable[[Job, Path], Any]  # -> a future (concurrent.futures or Dask)
    as_completed: Callable[[Iterable[Any]], Iterator[Any]]
    slots: int  # renders at once


@contextmanager
def executor(options: BuildOptions) -> Iterator[Runner]:
    """Where jobs run: on a Dask cluster, or in local worker processes."""
    if options.scheduler:
        try:
            from distributed import Client, as_completed
        except ImportError:
            raise UserError("--scheduler needs dask.distributed: run bin/setup") from None
        try:
            client = Client(options.scheduler, timeout="10s")
        except OSError as error:
            raise UserError(f"cannot reach the Dask scheduler {options.scheduler}: {error}; "
                            "start one with `dask scheduler` or drop --scheduler") from None
        try:
            slots = sum(client.nthreads().values()) or 1
            yield Runner(lambda job, folder: client.submit(run_job, job, folder, pure=False),
                         as_completed, slots)
        finally:
            client.close()
        return
    workers = options.jobs or os.cpu_count() or 1
    context = multiprocessing.get_context("spawn")  # manim state stays per process
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_start) as pool:
        try:
            yield Runner(lambda job, folder: pool.submit(run_job, job, folder),
                         futures.as_completed, workers)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def run_jobs(jobs: Sequence[Job], folder: Path, options: BuildOptions,
             progress: Progress) -> list[JobResult]:
    """Render the jobs not yet in `folder`; one progress line counts them all."""
    todo = {job.key: job for job in jobs if not finished(folder, job.key)}
    cached = len({job.key for job in jobs}) - len(todo)
    task = progress.add_task("scenes", total=len(todo) + cached, completed=cached)
    results: list[JobResult] = []

    def describe(running: int) -> None:
        progress.update(task, description=f"scenes  {len(results)} rendered, {cached} cached, "
                        f"{running} running")

    describe(0)
    if not todo:
        return results
    # Longest first: a short title card never holds up a long scene at the end.
    ordered = sorted(todo.values(), key=lambda job: -sum(job.durations.values()))
    with executor(options) as runner:
        pending = {runner.submit(job, folder): job for job in ordered}
        describe(min(len(pending), runner.slots))
        for future in runner.as_completed(list(pending)):
            job = pending.pop(future)
            try:
                results.append(future.result())
            except Exception as error:  # the worker's exception, re-raised here
                for other in pending:
                    other.cancel()
                raise UserError(f"{job.name} failed while rendering: {type(error).__name__}: "
                                f"{error}; the scenes finished so far stay cached, run the "
                                "build again after fixing it") from None
            progress.advance(task)
            describe(min(len(pending), runner.slots))
    return results


def _part(folder: Path, job: Job, title: str) -> Part:
    done = json.loads((folder / job.key / DONE).read_text(encoding="utf-8"))
    sheet = json.loads((folder / job.key / "scene.cues.json").read_text(encoding="utf-8"))
    lines: list[Subtitle] = []
    for cue in sheet["cues"]:
        if cue["text"] and cue["speech_seconds"]:
            lines += cue_subtitles(cue["text"], cue["start"], cue["speech_seconds"], cue["end"])
    return Part(folder / job.key / "scene.mp4", done["seconds"], tuple(lines), title)


def assemble(course: Course, plans: Sequence[ChapterPlan], options: BuildOptions, folder: Path,
             out: Path, progress: Progress) -> tuple[list[Path], bool]:
    """Join chapters and the course and publish them with the watch page, unless the
    published course is already exactly this one."""
    state = content_key({"jobs": [[job.key for job in p.jobs] for p in plans],
                         "titles": [p.title for p in plans], "ids": [p.id for p in plans],
                         "course": course.title[options.lang], "lang": options.lang,
                         "lessons": [p.lessons for p in plans]})[:24]
    names = [f"{p.id}.{ext}" for p in plans for ext in ("mp4", "srt", "vtt")] + [
        "course.mp4", "course.srt", "course.vtt", "index.html"]
    marker = out / ".course.current" / "state"
    if marker.is_file() and marker.read_text() == state and all((out / n).exists()
                                                                 for n in names):
        return [out / n for n in names], False
    task = progress.add_task("join    chapters and course (stream copy)", total=len(plans) + 1)
    with work_folder(out) as work:
        built: dict[str, Path] = {}
        chapter_parts, page = [], []
        clock = 0.0
        for chapter in plans:
            parts = [_part(folder, job, chapter.title) for job in chapter.jobs]
            video = work / f"{chapter.id}.mp4"
            lines = join(parts, video, work)
            built[video.name] = video
            for ext, text in (("srt", to_srt(lines)), ("vtt", to_vtt(lines))):
                built[f"{chapter.id}.{ext}"] = work / f"{chapter.id}.{ext}"
                built[f"{chapter.id}.{ext}"].write_text(text, encoding="utf-8")
            seconds = sum(p.seconds for p in parts)
            chapter_parts.append(Part(video, seconds, tuple(lines), chapter.title))
            page.append(PageChapter(chapter.id, chapter.title, clock, chapter.lessons))
            clock += seconds
            progress.advance(task)
        course_video = work / "course.mp4"
        lines = join(chapter_parts, course_video, work, chapters=True)
        built["course.mp4"] = course_video
        for ext, text in (("srt", to_srt(lines)), ("vtt", to_vtt(lines))):
            built[f"course.{ext}"] = work / f"course.{ext}"
            built[f"course.{ext}"].write_text(text, encoding="utf-8")
        built["index.html"] = work / "index.html"
        built["index.html"].write_text(watch_page(course.title[options.lang], options.lang,
                                                  "course.mp4", to_vtt(lines), page),
                                       encoding="utf-8")
        built["state"] = work / "state"
        built["state"].write_text(state, encoding="utf-8")
        publish_group(out, "course", built, hidden={"state"})
        progress.advance(task)
    return [out / n for n in names], True


def build_course(course: Course, options: BuildOptions, progress: Progress,
                 console: Console) -> BuildResult:
    began = time.perf_counter()
    out = usable_folder(options.out, "--out")
    folder = usable_folder(out / "scenes", "the scene cache")
    speech = usable_folder(out / "speech", "the shared speech folder")
    plans = plan(course, options, progress, console, speech)
    jobs = [job for chapter in plans for job in chapter.jobs]
    results = run_jobs(jobs, folder, options, progress)
    outputs, joined = assemble(course, plans, options, folder, out, progress)
    return BuildResult(outputs, len(results), len({j.key for j in jobs}) - len(results), joined,
                       time.perf_counter() - began,
                       max((r.peak_memory_mb for r in results), default=0.0))


def check_course(course: Course, langs: Sequence[str] = ("zh", "en")) -> int:
    """Validate without rendering: every scene prepared in every language."""
    count = 0
    for lang in langs:
        count = sum(len(chapter) for chapter in prepare_course(course, lang))
    return count

