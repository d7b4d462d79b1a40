"""Real renders through the `lecture` command at preview quality, checked with ffprobe."""

import os
import re
import subprocess
import sys

import pytest

from engine.conv import LESSON
from render.audio import measure
from render.media import ffmpeg, probe
from scenes.numbers import fmt
from tests.render.audio_checks import rms_dbfs, samples

pytestmark = pytest.mark.render
STAMP = re.compile(r"(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})")


def lecture(*args, cache):
    env = {**os.environ, "LECTURE_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "render.cli", *args], capture_output=True,
                          text=True, env=env)


def parse_srt(text):
    times = []
    for block in text.strip().split("\n\n"):
        number, stamp, *lines = block.split("\n")
        groups = [int(g) for g in STAMP.fullmatch(stamp).groups()]
        start = groups[0] * 3600 + groups[1] * 60 + groups[2] + groups[3] / 1000
        end = groups[4] * 3600 + groups[5] * 60 + groups[6] + groups[7] / 1000
        times.append((int(number), start, end, lines))
    return times


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("speech-cache")


def stills(video):
    """(longest, total) seconds of still picture, as ffmpeg's freezedetect sees them."""
    out = subprocess.run([ffmpeg(), "-hide_banner", "-i", str(video), "-vf",
                          "freezedetect=n=0.001:d=2", "-an", "-f", "null", "-"],
                         capture_output=True, text=True).stderr
    starts = [float(x) for x in re.findall(r"freeze_start: ([\d.]+)", out)]
    lengths = [float(x) for x in re.findall(r"freeze_duration: ([\d.]+)", out)]
    if len(lengths) < len(starts):  # still until the end
        lengths.append(float(probe(video)["format"]["duration"]) - starts[-1])
    return max(lengths, default=0.0), sum(lengths)


@pytest.mark.parametrize("lesson,lang,voice,sets", [
    ("convolution", "zh", "espeak", ["stride=2"]),
    ("convolution", "en", "piper", ["stride=2"]),
    ("pooling", "zh", "espeak", ["mode=avg"]),
])
def test_render_produces_a_playable_narrated_video(tmp_path, cache, lesson, lang, voice, sets):
    args = [item for pair in (("--set", s) for s in sets) for item in pair]
    out = tmp_path / "it's mine"  # any path a user can type works
    result = lecture("scene", lesson, "--lang", lang, "--voice", voice, "--quality",
                     "preview", *args, "--out", str(out), cache=cache)
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert [n for n in names if not n.startswith(".")] == [  # nothing half-written left
        f"{lesson}.cues.json", f"{lesson}.mp4", f"{lesson}.srt", f"{lesson}.vtt"]
    hidden = [n for n in names if n.startswith(".")]  # the one published generation
    assert len(hidden) == 2 and f".{lesson}.current" in hidden, hidden

    video_file = out / f"{lesson}.mp4"
    info = probe(video_file)
    streams = {s["codec_type"]: s for s in info["streams"]}
    assert len(info["streams"]) == 2
    assert streams["video"]["codec_name"] == "h264" and streams["audio"]["codec_name"] == "aac"
    assert (streams["video"]["width"], streams["video"]["height"]) == (426, 240)
    video, audio = float(streams["video"]["duration"]), float(streams["audio"]["duration"])
    assert abs(video - audio) <= 0.1
    assert video > 60

    sound = samples(video_file)
    assert rms_dbfs(sound[:16_000 * 2]) > -40, "the first cue starts with speech"
    loudness = measure(video_file)  # the narration as a viewer hears it, after AAC
    assert abs(loudness.integrated - (-16)) <= 1.0, loudness
    assert loudness.true_peak <= -1.5, loudness

    longest, total = stills(video_file)
    assert longest <= 8.0, f"the picture stands still for {longest:.1f} s"
    assert total < 0.4 * video, f"still for {total:.0f} of {video:.0f} s"

    subtitles = parse_srt((out / f"{lesson}.srt").read_text(encoding="utf-8"))
    assert [n for n, *_ in subtitles] == list(range(1, len(subtitles) + 1))
    assert subtitles[0][1] == 0.0
    for (_, start, end, lines), (_, next_start, _, _) in zip(subtitles, subtitles[1:] + [
            (0, video, 0, [])], strict=True):
        assert start < end <= next_start + 1e-3 and lines
        assert end - start >= 1.2 - 1e-3, f"{lines} is up for {end - start:.2f} s"
    assert subtitles[-1][2] <= video + 1e-3
    vtt = (out / f"{lesson}.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT") and vtt.count(" --> ") == len(subtitles)
    if lesson == "convolution":
        said = " ".join(line for *_, lines in subtitles for line in lines)
        first = LESSON.run({"stride": 2}).worked_windows[0]
        expected = f"得到 {fmt(first.value)}" if lang == "zh" else f"gives {fmt(first.value)}"
        assert expected in said  # the subtitles carry the engine's number, sign and all


@pytest.mark.parametrize("args,message", [
    (["--set", "stride=0"], "stride: must be an integer from 1 to 16, got 0"),
    (["--set", "input=[[1,2],[3]]"], "input: ragged"),
    (["--voice", "piper"], "--voice piper has no zh voice"),
    (["--set", "input=\"digit-7\"", "--set", "kernel=[[1]]", "--set", "padding=9"],
     "at most 12 x 12"),
])
def test_bad_input_leaves_no_output(tmp_path, cache, args, message):
    result = lecture("scene", "convolution", "--quality", "preview", "--out", str(tmp_path),
                     *args, cache=cache)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_unknown_lesson_and_bad_option(tmp_path, cache):
    result = lecture("scene", "pooling2", "--out", str(tmp_path), cache=cache)
    assert result.returncode == 2 and "unknown lesson 'pooling2'" in result.stderr
    result = lecture("scene", "convolution", "--quality", "ultra", cache=cache)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "invalid choice: 'ultra'" in result.stderr
    assert "see `lecture scene --help`" in result.stderr
