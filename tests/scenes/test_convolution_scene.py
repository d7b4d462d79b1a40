"""The convolution scene shows exactly the trace's numbers, and its last frame is stable."""

from pathlib import Path

import numpy as np
import pytest
from manim import tempconfig

from engine.conv import LESSON
from engine.params import ParamError
from render.manim_run import Quality, manim_config
from render.narration import fill_script, load_script
from scenes.convolution import ConvolutionScene
from scenes.numbers import fmt

CONTROL = Path(__file__).parent / "control" / "convolution_last_frame.npz"


def built_scene(tmp_path, overrides, lang="zh"):
    """The scene with its mobjects laid out, as the pipeline would build it, without rendering."""
    trace = LESSON.run(overrides)
    labels, _ = fill_script(load_script("convolution", lang), trace.to_dict())
    with tempconfig(manim_config(Quality(192, 108, 5), tmp_path)):
        scene = ConvolutionScene(trace=trace, labels=labels)
        scene.layout()
    return scene, trace


def as_numbers(texts):
    return np.array([[float(t) for t in row] for row in texts])


@pytest.mark.parametrize("overrides", [
    {},
    {"stride": 2, "padding": 1, "bias": -0.5},
    {"kernel": "blur", "input": "digit-3"},
    {"kernel": [[0.25, -1.5], [2, 0.125]], "input": [[1, 2, 3], [4, 5, 6], [7, 8, 9.5]]},
])
def test_grids_show_the_trace_numbers(tmp_path, overrides):
    scene, trace = built_scene(tmp_path, overrides)
    shown = scene.output_grid.shown_text()
    assert shown == [[fmt(v) for v in row] for row in trace.output]
    np.testing.assert_allclose(as_numbers(shown), trace.output, atol=0.005)
    np.testing.assert_allclose(as_numbers(scene.input_grid.shown_text()), trace.padded, atol=0.005)
    np.testing.assert_allclose(as_numbers(scene.kernel_grid.shown_text()), trace.kernel,
                               atol=0.005)


def test_products_panel_writes_the_window_numbers(tmp_path):
    scene, trace = built_scene(tmp_path, {"bias": 1.5})
    window = trace.windows[1]
    terms, total = scene.products_panel(window)
    written = [t.text for t in terms[1]]
    expected = [f"{fmt(x)}×{fmt(k) if k >= 0 else '(' + fmt(k) + ')'}"
                for x, k in zip(window.patch.ravel(), trace.kernel.ravel(), strict=True)]
    assert written == expected
    assert total.text.replace(" ", "") == (
        f"Σ+b={fmt(window.sum)}+1.5={fmt(window.value)}")


def test_size_formula_uses_this_runs_numbers(tmp_path):
    scene, trace = built_scene(tmp_path, {"stride": 2, "padding": 1})
    (formula,) = scene.size_formula()
    assert r"\frac{8 + 2\cdot1 - 3}{2}" in formula and formula.endswith("= 4")
    assert trace.out_height == 4


@pytest.mark.parametrize("overrides,message", [
    ({"input": np.ones((14, 14)).tolist()}, "at most 12 x 12"),
    ({"input": np.ones((2, 5, 5)).tolist(), "kernel": np.ones((1, 2, 3, 3)).tolist()},
     "draws one channel"),
    ({"input": [[1, 2], [3, 4]], "kernel": [[1, 1], [1, 1]]}, "only one output cell"),
])
def test_scene_refuses_what_it_cannot_draw_legibly(overrides, message):
    with pytest.raises(ParamError, match=message):
        ConvolutionScene.check_trace(LESSON.run(overrides))


def test_last_frame_matches_control_data(tmp_path, request):
    """Manim-style graphical test: the final frame at 192x108 against stored control data."""
    trace = LESSON.run({})
    labels, _ = fill_script(load_script("convolution", "zh"), trace.to_dict())
    with tempconfig(manim_config(Quality(192, 108, 5), tmp_path, write_to_movie=False,
                                 skip_animations=True)):
        scene = ConvolutionScene(trace=trace, labels=labels)
        scene.render()
        frame = np.asarray(scene.renderer.get_frame())[..., :3]
    assert [slot.id for slot in scene.timeline] == list(ConvolutionScene.CUES)
    if request.config.getoption("--regenerate-frames") or not CONTROL.exists():
        CONTROL.parent.mkdir(exist_ok=True)
        np.savez_compressed(CONTROL, frame=frame)
        if not request.config.getoption("--regenerate-frames"):
            pytest.fail(f"no control data yet: wrote {CONTROL}; run again to compare")
    expected = np.load(CONTROL)["frame"]
    assert frame.shape == expected.shape
    difference = np.abs(frame.astype(int) - expected.astype(int))
    assert difference.mean() < 1.0, f"mean pixel difference {difference.mean():.2f}"
    assert (difference.max(axis=2) > 40).mean() < 0.005


def test_each_cue_lasts_as_long_as_its_narration(tmp_path):
    """Cue durations from the narration set the timeline; a cue too short for its animations
    (the 34-window slide at 0.5 s) runs longer instead of cutting the animation."""
    durations = {cue: 2.0 + i for i, cue in enumerate(ConvolutionScene.CUES)}
    durations["slide"] = 0.5
    fps = 5
    with tempconfig(manim_config(Quality(64, 36, fps), tmp_path, write_to_movie=False)):
        scene = ConvolutionScene(trace=LESSON.run({}), durations=durations)
        scene.render()
    frame = 1 / fps
    for slot in scene.timeline:
        length = slot.end - slot.start
        if slot.id == "slide":
            assert length >= 34 * frame - 1e-9
        else:
            assert durations[slot.id] - 1e-9 <= length <= durations[slot.id] + frame + 1e-9
    starts = [slot.start for slot in scene.timeline]
    assert starts == sorted(starts) and scene.timeline[0].start == 0
