"""The harness's checks can fail: each catches the defect it exists for."""

from manim import DOWN, FadeIn, Square

from engine.pool import LESSON
from render.lessons import Lesson
from scenes import theme
from scenes.narrated import NarratedScene
from scenes.shown import Ref
from tests.scenes.harness import check_text, watch_render

VALUES = {"output": [[1.5, -2.0]], "size": 2}


def test_a_typed_number_is_flagged():
    assert check_text(theme.text("stride 2"), VALUES, {}) != []
    assert check_text(theme.text("no digits here"), VALUES, {}) == []


def test_a_bound_number_must_match_the_trace():
    good = theme.bound("{} and {}", [Ref("output[0][0]", "1.5"), Ref("output[0][1]", "-2")])
    wrong = theme.bound("{}", [Ref("output[0][0]", "1.4")])
    missing = theme.bound("{}", [Ref("output[3][0]", "1.5")])
    assert check_text(good, VALUES, {}) == []
    assert "the trace has 1.5" in check_text(wrong, VALUES, {})[0]
    assert "out of range" in check_text(missing, VALUES, {})[0]


def test_a_label_must_be_the_scripts():
    assert check_text(theme.label("Output 3×3", "out"), VALUES, {"out": "Output 3×3"}) == []
    assert check_text(theme.label("Output 4×4", "out"), VALUES, {"out": "Output 3×3"}) != []


class IntoTheBand(NarratedScene):
    """A scene that lets a square sink into the subtitle band."""

    MODEL = LESSON
    CUES = ("intro",)
    LABELS = ("title",)

    def construct(self) -> None:
        square = Square(1, fill_opacity=1, color=theme.ACCENT)
        with self.cue("intro") as slot:
            self.play(FadeIn(square), run_time=slot.share(0.3))
            self.play(square.animate.shift(DOWN * 3.2), run_time=slot.share(0.3))


def test_drawing_into_the_subtitle_band_is_caught(tmp_path, monkeypatch):
    lesson = Lesson("pooling", "x:IntoTheBand")
    monkeypatch.setattr(Lesson, "scene_class", lambda self: IntoTheBand)
    monkeypatch.setattr("tests.scenes.harness.fill_script", lambda script, values: ({}, []))
    _, found = watch_render(lesson, {}, media_dir=tmp_path)
    assert found.band_pixels and found.outside
