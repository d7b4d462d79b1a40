"""Every registered scene, with its defaults and its EXAMPLES, really rendered and checked frame
by frame (see harness.py), its timing, and its last frame against stored control data."""

from pathlib import Path

import numpy as np
import pytest

from render.lessons import LESSONS
from scenes import theme
from tests.scenes.harness import cases, watch_render, watch_scene

CONTROL = Path(__file__).parent / "control"


def case_id(case):
    name, overrides = case
    return name + ("-" + "-".join(f"{k}={v}" for k, v in overrides.items())[:40]
                   if overrides else "-defaults")


# Defaults in both languages (the labels differ); the examples in Chinese.
RUNS = [(case, lang) for case in cases() for lang in (("zh", "en") if not case[1] else ("zh",))]


@pytest.mark.parametrize("case,lang", RUNS, ids=lambda x: case_id(x) if isinstance(x, tuple)
                         else x)
def test_every_frame_keeps_the_band_free_and_shows_only_trace_numbers(tmp_path, request, case,
                                                                      lang):
    name, overrides = case
    lesson = LESSONS[name]
    cues = lesson.scene_class().CUES
    durations = {cue: 1.5 + 0.25 * (i % 5) for i, cue in enumerate(cues)}
    scene, found = watch_render(lesson, overrides, lang, durations, media_dir=tmp_path)
    assert [slot.id for slot in scene.timeline] == list(cues)
    assert found.frames > 20
    assert found.band_pixels == [] and found.outside == []
    assert found.numbers == []
    background = np.array(theme.BACKGROUND.to_int_rgb())
    title_rows = found.first_frame[: found.first_frame.shape[0] // 8]
    assert np.abs(title_rows - background).max() > 60, "the first frame is empty"
    for slot in scene.timeline:  # each cue lasts at least as long as its narration
        assert slot.end - slot.start >= durations[slot.id] - 1e-9
    starts = [slot.start for slot in scene.timeline]
    assert starts == sorted(starts) and starts[0] == 0
    if not overrides and lang == "zh":
        compare_with_control(found.last_frame, CONTROL / f"{name}_last_frame.npz", request)


def compare_with_control(frame, control, request):
    """Manim-style graphical test: a frame against stored control data, a small tolerance;
    `--regenerate-frames` rewrites the control data after an intended change."""
    if request.config.getoption("--regenerate-frames") or not control.exists():
        control.parent.mkdir(exist_ok=True)
        np.savez_compressed(control, frame=frame.astype(np.uint8))
        if not request.config.getoption("--regenerate-frames"):
            pytest.fail(f"no control data yet: wrote {control}; run again to compare")
    expected = np.load(control)["frame"]
    assert frame.shape == expected.shape
    difference = np.abs(frame.astype(int) - expected.astype(int))
    assert difference.mean() < 1.0, f"mean pixel difference {difference.mean():.2f}"
    assert (difference.max(axis=2) > 40).mean() < 0.005


def test_the_title_card_keeps_the_band_free_and_shows_its_titles(tmp_path):
    from scenes.title_card import EMPTY, TitleCardScene

    long_title = "卷积神经网络：一个相当长的章节标题，用来检查它是否放得下"
    labels = {"course": "深度学习", "chapter": long_title}
    scene, found = watch_scene(TitleCardScene, EMPTY, labels, {"title": 2.5},
                               media_dir=tmp_path)
    assert [slot.id for slot in scene.timeline] == ["title"]
    assert found.band_pixels == [] and found.outside == [] and found.numbers == []
    assert found.frames >= 2 and scene.timeline[0].end >= 2.5
