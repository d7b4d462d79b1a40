"""Course builds: manifests checked with the place of each error, job keys that cover exactly
what shapes a scene, and real builds (through Dask and local processes): chapters, joins,
subtitles, the watch page in headless Chromium, incremental rebuilds and a killed build."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from render import jobs
from render.course import BuildOptions, plan, scene_job
from render.lessons import LESSONS
from render.manifest import load_course
from render.media import probe
from render.narrate import narrate
from render.pipeline import progress_bars
from render.prepare import prepare
from tests.render.browser import open_page
from tests.render.cli_run import run

TWO_CHAPTERS = """\
title = { zh = "测试课程", en = "Test course" }
[[chapters]]
id = "max"
title = { zh = "最大池化", en = "Max pooling" }
[[chapters.scenes]]
lesson = "pooling"
[[chapters]]
id = "avg"
title = { zh = "平均池化", en = "Average pooling" }
[[chapters.scenes]]
lesson = "pooling"
set = { mode = "avg" }
"""
BUILD = ["--voice", "espeak", "--quality", "preview"]


def write(folder, text, name="course.toml"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


@pytest.mark.parametrize("change,message", [
    (("lesson = \"pooling\"\n", "lesson = \"pool\"\n"),
     "chapter 'max', scene 1: lesson: unknown lesson 'pool'"),
    (("set = { mode = \"avg\" }", "set = { mode = \"median\" }"),
     "chapter 'avg', scene 1: set.mode: must be one of max, avg"),
    (("set = { mode = \"avg\" }", "set = { stride = 0 }"),
     "chapter 'avg', scene 1: set.stride: must be an integer from 1 to 16"),
    (("set = { mode = \"avg\" }", "set = { strides = 2 }"),
     "chapter 'avg', scene 1: set.strides: unknown parameter"),
    (('id = "avg"', 'id = "max"'), "chapter 'max': the id is used twice"),
    (('id = "avg"', 'id = "course"'), "chapter 'course': the id names one of the build's own"),
    (('title = { zh = "平均池化", en = "Average pooling" }\n', ""),
     "chapter 'avg', title: is missing"),
    (('title = { zh = "测试课程", en = "Test course" }', 'title = { zh = "测试课程" }'),
     "title: needs a en text"),
    (('title = { zh = "测试课程", en = "Test course" }',
      'title = { zh = "测试课程", en = "Test course" }\nscripts = "../elsewhere"'),
     "scripts: '../elsewhere' leaves the course folder"),
    (("[[chapters]]\nid = \"max\"", "[[chapters]\nid = \"max\""), "not valid TOML"),
    (('lesson = "pooling"\n[[chapters]]', 'lesson = "pooling"\nrepeat = 2\n[[chapters]]'),
     "chapter 'max', scene 1: unknown key 'repeat'; allowed: lesson, set"),
])
def test_manifest_errors_name_the_place(tmp_path, capsys, change, message):
    old, new = change
    assert old in TWO_CHAPTERS
    manifest = write(tmp_path / "c", TWO_CHAPTERS.replace(old, new, 1))
    code, out, err = run(capsys, "course", "check", str(manifest))
    assert code == 2 and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert sorted(p.name for p in manifest.parent.iterdir()) == ["course.toml"]


def test_a_lesson_with_numbers_but_no_scene_is_named(tmp_path, capsys, monkeypatch):
    from render.lessons import Lesson

    monkeypatch.setitem(LESSONS, "numbers", Lesson("numbers", engine=LESSONS["bptt"].model))
    manifest = write(tmp_path / "c", TWO_CHAPTERS.replace('lesson = "pooling"\n[[chapters]]',
                                                          'lesson = "numbers"\n[[chapters]]', 1))
    code, _, err = run(capsys, "course", "check", str(manifest))
    assert code == 2 and "chapter 'max', scene 1: lesson: 'numbers' has no scene yet" in err, err


def test_a_good_manifest_checks_out(tmp_path, capsys):
    code, _, err = run(capsys, "course", "check", str(write(tmp_path, TWO_CHAPTERS)))
    assert code == 0 and "2 chapters, 2 scenes" in err


def test_the_default_course_plays_every_lesson_with_a_scene_in_syllabus_order():
    from render.manifest import DEFAULT_COURSE

    course = load_course(DEFAULT_COURSE)
    played = [scene.lesson for chapter in course.chapters for scene in chapter.scenes]
    assert played == [name for name, lesson in LESSONS.items() if lesson.scene]
    assert played[0] == "backprop"  # the syllabi open with feed-forward networks


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    cache = tmp_path_factory.mktemp("speech")
    os.environ["LECTURE_CACHE"] = str(cache)
    scene = prepare(LESSONS["pooling"], {}, "zh")
    from rich.console import Console

    console = Console(stderr=True, quiet=True)
    with progress_bars(console) as progress:
        (narration,) = narrate([scene], "espeak", "zh", progress, console)
    shared = tmp_path_factory.mktemp("shared")
    return scene_job(scene, narration, "zh", (426, 240, 10), "scene 1", shared)


def test_the_job_key_covers_what_shapes_the_scene_and_nothing_else(job, monkeypatch, tmp_path):
    # Editing a scene's own module or anything it imports changes its key; another lesson's
    # module does not.
    assert "engine/pool.py" in source_files("scenes.pooling")
    assert "scenes/convolution.py" not in source_files("scenes.pooling")
    from engine.pool import LESSON

    key = job.key
    changed = [
        replace(job, trace=LESSON.run({"mode": "avg"})),
        replace(job, parameters={"mode": "avg"}),
        replace(job, labels={**job.labels, "title": "Pooling"}),
        replace(job, cue_texts=("x", *job.cue_texts[1:])),
        replace(job, speech=(("other-voice", *job.speech[0][1:]), *job.speech[1:])),
        replace(job, durations={**job.durations, "intro": 9.0}),
        replace(job, quality=(854, 480, 15)),
        replace(job, lang="en"),
        replace(job, scene="scenes.convolution:ConvolutionScene"),
    ]
    assert len({key, *(other.key for other in changed)}) == len(changed) + 1
    same = [replace(job, name="chapter 'x', scene 9"),
            replace(job, speech=tuple((k, tmp_path / p.name, s) for k, p, s in job.speech))]
    assert {other.key for other in same} == {key}
    monkeypatch.setattr(jobs, "source_hash", lambda module: "edited")
    assert job.key != key
    monkeypatch.undo()
    monkeypatch.setattr(jobs, "versions", lambda: {"manim": "0.23.0", "lecture": "0.1.0"})
    assert job.key != key


def source_files(module):
    seen, todo = set(), [module, *jobs.STAGES]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += jobs._imports(name)
    return {name.replace(".", "/") + ".py" for name in seen}


def lecture(*args, cache, timeout=600):
    env = {**os.environ, "LECTURE_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "render.cli", *args], capture_output=True,
                          text=True, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def dask_build(tmp_path_factory):
    """The two-chapter course built through a Dask LocalCluster of two workers."""
    from distributed import LocalCluster

    folder = tmp_path_factory.mktemp("course")
    manifest = write(folder, TWO_CHAPTERS)
    cache = tmp_path_factory.mktemp("cache")
    out = folder / "out"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        result = lecture("course", "build", str(manifest), *BUILD, "--out", str(out),
                         "--scheduler", cluster.scheduler_address, cache=cache)
    assert result.returncode == 0, result.stderr
    return manifest, out, cache, result


@pytest.mark.render
def test_chapters_and_course_join_by_stream_copy(dask_build):
    _, out, _, result = dask_build
    assert "4 scenes rendered, 0 cached" in result.stderr  # 2 title cards, 2 scenes
    visible = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert visible == ["avg.mp4", "avg.srt", "avg.vtt", "course.mp4", "course.srt",
                       "course.vtt", "index.html", "max.mp4", "max.srt", "max.vtt", "scenes",
                       "speech"]
    chapters = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_chapters",
         str(out / "course.mp4")], capture_output=True, text=True).stdout)["chapters"]
    assert [c["tags"]["title"] for c in chapters] == ["最大池化", "平均池化"]
    lengths = [float(probe(out / f"{name}.mp4")["format"]["duration"]) for name in ("max", "avg")]
    assert float(chapters[1]["start_time"]) == pytest.approx(lengths[0], abs=0.05)
    total = float(probe(out / "course.mp4")["format"]["duration"])
    assert total == pytest.approx(sum(lengths), abs=0.1)
    parts = [p for p in (out / "scenes").iterdir() if (p / "done.json").exists()]
    codecs = {json.dumps([(s["codec_name"], s.get("width"), s.get("sample_rate"))
                          for s in probe(p / "scene.mp4")["streams"]]) for p in parts}
    assert len(codecs) == 1, "every part shares the codec settings (stream copy)"
    srt = (out / "course.srt").read_text(encoding="utf-8")
    stamps = re.findall(r"(\d\d):(\d\d):(\d\d),(\d{3}) -->", srt)
    starts = [int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000 for h, m, s, ms in stamps]
    assert starts == sorted(starts) and starts[0] >= 2.0  # after the title card
    assert any(s > lengths[0] for s in starts), "the second chapter's subtitles are shifted"
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page and "<track" in page


@pytest.mark.render
def test_the_watch_page_plays_offline_in_chromium(dask_build):
    _, out, _, _ = dask_build
    with open_page(out / "index.html") as visit:
        page = visit.page
        video = "document.getElementById('course')"
        page.wait_for_function(f"{video}.readyState >= 1", timeout=30_000)
        page.wait_for_function(f"{video}.textTracks[0].cues && "
                               f"{video}.textTracks[0].cues.length > 10", timeout=30_000)
        start = float(page.get_attribute("#chapter-avg button", "data-start"))
        page.click("#chapter-avg button")
        page.wait_for_function(f"{video}.currentTime >= {start - 0.1}", timeout=10_000)
        assert page.evaluate(f"{video}.error") is None
    assert visit.failed == [] and visit.remote == []
    assert start > 60


@pytest.mark.render
def test_rebuilds_redo_only_what_changed(dask_build, tmp_path):
    manifest, out, cache, _ = dask_build
    began = time.perf_counter()
    result = lecture("course", "build", str(manifest), *BUILD, "--out", str(out), cache=cache)
    assert result.returncode == 0 and "up to date" in result.stderr
    assert time.perf_counter() - began < 10  # far below a render; the benchmark measures it
    scripts = manifest.parent / "scripts"
    scripts.mkdir()
    text = (Path("scripts") / "pooling.zh.toml").read_text(encoding="utf-8")
    edited = text.replace("平均池化：每个窗口取所有数的平均值。", "平均池化：每个窗口求平均。")
    assert edited != text
    (scripts / "pooling.zh.toml").write_text(edited, encoding="utf-8")
    result = lecture("course", "build", str(manifest), *BUILD, "--out", str(out), "--jobs",
                     "2", cache=cache)
    assert result.returncode == 0, result.stderr
    assert "1 scenes rendered, 3 cached" in result.stderr
    assert "每个窗口求平均" in (out / "avg.srt").read_text(encoding="utf-8")


@pytest.mark.render
def test_a_killed_build_completes_on_the_next_run(tmp_path):
    manifest = write(tmp_path, TWO_CHAPTERS)
    out, cache = tmp_path / "out", tmp_path / "cache"
    env = {**os.environ, "LECTURE_CACHE": str(cache)}
    command = [sys.executable, "-m", "render.cli", "course", "build", str(manifest), *BUILD,
               "--out", str(out), "--jobs", "2"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(12)
    os.killpg(process.pid, signal.SIGKILL)  # the build and its workers, mid-render
    process.wait()
    assert not (out / "course.mp4").exists()
    unfinished = [p for p in (out / "scenes").iterdir() if not (p / "done.json").exists()]
    assert all(p.name.startswith(".") for p in unfinished), "no half folder looks finished"
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert float(probe(out / "course.mp4")["format"]["duration"]) > 150
    leftovers = [p for p in out.rglob(".lecture-*")]
    assert leftovers == []


def test_plan_puts_every_cues_audio_where_workers_see_it(tmp_path, monkeypatch):
    from rich.console import Console

    monkeypatch.setenv("LECTURE_CACHE", str(tmp_path / "cache"))
    course = load_course(write(tmp_path, TWO_CHAPTERS))
    console = Console(stderr=True, quiet=True)
    with progress_bars(console) as progress:
        plans = plan(course, BuildOptions(voice="espeak", quality="preview"), progress, console,
                     tmp_path)
    scene_jobs = [job for chapter in plans for job in chapter.jobs if job.lesson != "title"]
    assert len(scene_jobs) == 2
    assert all(part and part[1].parent == tmp_path for job in scene_jobs for part in job.speech)


def test_a_scene_failing_in_a_worker_stops_the_build_naming_it(job, tmp_path):
    from rich.console import Console

    from render.course import run_jobs
    from render.errors import UserError

    broken = replace(job, scene="scenes.missing:NoScene", name="chapter 'x', scene 2 (pooling)")
    with progress_bars(Console(stderr=True, quiet=True)) as progress, \
            pytest.raises(UserError, match=r"chapter 'x', scene 2 \(pooling\) failed while "
                                           r"rendering: ModuleNotFoundError"):
        run_jobs([broken], tmp_path, BuildOptions(jobs=1), progress)
    assert [p for p in tmp_path.iterdir() if not p.name.startswith(".")] == []


@pytest.mark.render
def test_course_slides_reuse_the_course_renders(dask_build):
    manifest, out, cache, _ = dask_build
    result = lecture("slides", str(manifest), "--to", "pdf", *BUILD, "--out", str(out),
                     cache=cache)
    assert result.returncode == 0, result.stderr
    assert re.search(r"scenes\s+0 rendered, \d+ cached", result.stderr), result.stderr
    decks = sorted(p.name for p in (out / "slides").iterdir() if not p.name.startswith("."))
    assert decks == ["avg.pdf", "course.pdf", "max.pdf"]
