"""Slides from the renders (HTML offline in Chromium, PPTX, PDF), and remixing a course as
data: a course folder, a lesson's narration copied and rewritten, a cue made silent."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from render.errors import UserError
from render.manifest import load_course
from render.narration import fill_script, load_script
from tests.render.browser import open_page
from tests.render.cli_run import run

SLIDES = ["--voice", "espeak", "--quality", "preview"]


def lecture(*args, cache):
    env = {**os.environ, "LECTURE_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "render.cli", *args], capture_output=True,
                          text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    """The pooling lesson's decks in the three formats; the scene renders once."""
    out = tmp_path_factory.mktemp("slides")
    cache = tmp_path_factory.mktemp("cache")
    logs = [lecture("slides", "pooling", "--to", to, *SLIDES, "--out", str(out), cache=cache)
            for to in ("html", "pptx", "pdf")]
    assert all(log.returncode == 0 for log in logs), [log.stderr for log in logs]
    (job,) = [p for p in (out / "scenes").iterdir() if (p / "done.json").exists()]
    cues = json.loads((job / "scene.cues.json").read_text(encoding="utf-8"))["cues"]
    return out, job, cues, logs


@pytest.mark.render
def test_every_cue_starts_on_a_key_frame_so_cuts_need_no_re_encode(decks):
    _, job, cues, _ = decks
    keys = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-skip_frame",
                           "nokey", "-show_entries", "frame=pts_time", "-of", "csv=p=0",
                           str(job / "scene.mp4")], capture_output=True, text=True).stdout
    key_times = [float(t.strip(",")) for t in keys.split()]
    for cue in cues:
        assert min(abs(cue["start"] - t) for t in key_times) < 0.051, cue["id"]


@pytest.mark.render
def test_the_html_deck_plays_offline_in_chromium(decks):
    out, _, cues, _ = decks
    deck = out / "slides" / "pooling"
    page_text = (deck / "index.html").read_text(encoding="utf-8")
    assert page_text.count('class="slide"') == len(cues)
    assert "http://" not in page_text and "https://" not in page_text
    with open_page(deck / "index.html") as visit:
        page = visit.page
        page.wait_for_function("document.querySelector('.slide.current video').currentTime > 0.3",
                               timeout=20_000)
        assert page.evaluate("document.querySelector('.slide.current').id") == "slide-1"
        page.keyboard.press("ArrowRight")
        page.wait_for_function("document.querySelector('.slide.current').id === 'slide-2'",
                               timeout=5_000)
        assert page.text_content("#number") == f"2 / {len(cues)}"
        page.keyboard.press("s")
        notes = page.locator(".slide.current .notes")
        assert notes.is_visible() and notes.text_content() == cues[1]["text"]
    assert visit.failed == [] and visit.remote == []


@pytest.mark.render
def test_the_pptx_has_a_movie_and_notes_on_every_slide(decks):
    from pptx import Presentation

    out, _, cues, _ = decks
    presentation = Presentation(str(out / "slides" / "pooling.pptx"))
    assert len(presentation.slides) == len(cues)
    for slide, cue in zip(presentation.slides, cues, strict=True):
        movies = [shape for shape in slide.shapes if shape.shape_type == 16]  # MEDIA
        assert len(movies) == 1
        assert slide.notes_slide.notes_text_frame.text == cue["text"]


@pytest.mark.render
def test_the_pdf_handout_has_a_page_per_cue_and_the_numbers(decks):
    from pypdf import PdfReader

    from engine.pool import LESSON

    out, _, cues, _ = decks
    reader = PdfReader(str(out / "slides" / "pooling.pdf"))
    assert len(reader.pages) == len(cues) + 1

    def text(page):  # pypdf reads this font's 2-byte codes with NULs between the characters
        return re.sub(r"[\s\x00]+", "", page.extract_text())

    assert re.sub(r"\s+", "", cues[1]["text"]) in text(reader.pages[1])
    last = text(reader.pages[-1])
    assert "mode" in last and "max" in last
    from render.slides import _written

    first_row = re.sub(r"\s+", "", _written(LESSON.run({}).output[0].tolist()))
    assert first_row in last  # the trace's numbers, written as on screen


@pytest.mark.render
def test_silent_decks_and_course_decks_reuse_the_renders(decks, tmp_path):
    out, _, cues, logs = decks
    assert "1 rendered" in logs[0].stderr and "0 rendered, 1 cached" in logs[1].stderr
    cache = tmp_path / "cache"
    result = lecture("slides", "pooling", "--to", "html", "--narration", "off", *SLIDES,
                     "--out", str(out), cache=cache)
    assert result.returncode == 0 and "0 rendered, 1 cached" in result.stderr
    clip = out / "slides" / "pooling" / "clips" / "001.mp4"
    streams = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type",
                              "-of", "csv=p=0", str(clip)], capture_output=True, text=True)
    assert streams.stdout.split() == ["video"]
    assert "muted" in (out / "slides" / "pooling" / "index.html").read_text(encoding="utf-8")


def test_course_new_and_script_copy_make_a_course_of_ones_own(tmp_path, capsys):
    folder = tmp_path / "my course"
    code, _, err = run(capsys, "course", "new", str(folder))
    assert code == 0 and (folder / "course.toml").is_file() and (folder / "scripts").is_dir()
    code, _, err = run(capsys, "course", "new", str(folder))
    assert code == 2 and "already exists" in err
    code, _, err = run(capsys, "script", "copy", "pooling", "--lang", "zh", "--to",
                       str(folder / "scripts"))
    assert code == 0
    copy = folder / "scripts" / "pooling.zh.toml"
    edited = copy.read_text(encoding="utf-8").replace("池化层通常接在卷积层后面。",
                                                      "我们来学池化。")
    copy.write_text(edited, encoding="utf-8")
    course = load_course(folder / "course.toml")
    from render.course import prepare_course

    scenes = [scene for chapter in prepare_course(course, "zh") for scene in chapter]
    pooling = next(scene for scene in scenes if scene.lesson.name == "pooling")
    assert pooling.cues[0].text.startswith("我们来学池化。")
    conv = next(scene for scene in scenes if scene.lesson.name == "convolution")
    assert conv.cues[0].text.startswith("我们来看卷积")  # the built-in script, untouched


def write_script(tmp_path, transform):
    folder = tmp_path / "scripts"
    folder.mkdir(exist_ok=True)
    text = transform(Path("scripts/pooling.zh.toml").read_text(encoding="utf-8"))
    (folder / "pooling.zh.toml").write_text(text, encoding="utf-8")
    return folder


def test_a_blank_cue_is_silent(tmp_path):
    from rich.console import Console

    from render.lessons import LESSONS
    from render.narrate import SILENT_CUE, narrate
    from render.pipeline import progress_bars
    from render.prepare import prepare

    silence = re.compile(r'(id = "size"\nby = "mode"\ntext.max = )"[^"]*"')
    folder = write_script(tmp_path, lambda t: silence.sub(r'\1""', t))
    scene = prepare(LESSONS["pooling"], {}, "zh", folder)
    size = next(cue for cue in scene.cues if cue.id == "size")
    assert size.text == "" and size.speech == ""
    os.environ["LECTURE_CACHE"] = str(tmp_path / "cache")
    console = Console(stderr=True, quiet=True)
    with progress_bars(console) as progress:
        (narration,) = narrate([scene], "espeak", "zh", progress, console)
    index = [cue.id for cue in scene.cues].index("size")
    assert narration.speeches[index] is None
    assert narration.durations(scene)["size"] == SILENT_CUE


@pytest.mark.parametrize("transform,message", [
    (lambda t: t.replace('id = "slide"', 'id = "slides"'),
     "missing cues: slide; unknown cues: slides; the scene narrates: intro, first_window"),
    (lambda t: t.replace("{windows[0].value}", "{windows[0].valu}", 1),
     "pooling.zh.toml: cue 'first_window': unknown placeholder {windows[0].valu}"),
    (lambda t: re.sub(r'(id = "summary"\ntext = )"[^"]*"', r'\1"。。。"', t), "has no words"),
])
def test_a_broken_course_script_names_the_file_and_cue(tmp_path, transform, message):
    from render.lessons import LESSONS
    from render.prepare import prepare

    folder = write_script(tmp_path, transform)
    with pytest.raises(UserError) as error:
        prepare(LESSONS["pooling"], {}, "zh", folder)
    assert message in str(error.value)


def test_the_course_labels_can_be_rewritten_too(tmp_path):
    folder = write_script(tmp_path, lambda t: t.replace('title = "池化：把特征图缩小"',
                                                       'title = "第三讲：池化"'))
    from engine.pool import LESSON

    labels, _ = fill_script(load_script("pooling", "zh", folder), LESSON.run({}).to_dict())
    assert labels["title"] == "第三讲：池化"
