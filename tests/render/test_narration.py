"""Narration scripts are data: placeholders are looked up in the trace, never evaluated."""

import pytest

from engine.conv import LESSON
from render.errors import UserError
from render.narration import Script, check_cues, fill, fill_script, load_script
from scenes.convolution import ConvolutionScene
from scenes.numbers import fmt

VALUES = {"output": [[1.25, -3.0], [0.0, 7.5]], "stride": 2, "name": "blur",
          "windows": [{"sum": -14.0, "patch": [[1, 2]]}], "flag": True}


@pytest.mark.parametrize("template,expected", [
    ("{output[0][0]:.1f}", "1.2"),
    ("{output[1][1]}", "7.5"),
    ("{output[0][1]}", "-3"),
    ("{output[-1][-1]:.0f}", "8"),
    ("{stride:d} {{literal}}", "2 {literal}"),
    ("{windows[0].sum}", "-14"),
    ("{output[0][0]:.0%}", "125%"),
    ("{output[1][0]:+.1f}", "+0.0"),
])
def test_placeholders_format_trace_numbers(template, expected):
    assert fill(template, VALUES, "cue 'x'") == expected


@pytest.mark.parametrize("template,message", [
    ("{missing}", "cue 'x': unknown placeholder {missing}: no 'missing'"),
    ("{output[5][0]}", "index 5 is out of range for output (2 entries)"),
    ("{windows[0].nope}", "no 'nope' in windows[0]"),
    ("{name}", "placeholder {name} is str, not a number"),
    ("{flag}", "placeholder {flag} is bool, not a number"),
    ("{output}", "is list, not a number"),
    ("{output.__class__}", "no '__class__' in output"),
    ("{stride.__class__.__mro__}", "no '__class__' in stride"),
    ("{len(output)}", "is not a placeholder"),
    ("{stride!r}", "is not a placeholder"),
    ("{stride:{stride}}", "a lone '{' (placeholders cannot nest"),
    ("{stride", "a lone '{'"),
    ("{stride:>10000}", "format '>10000' in {stride:>10000} is not allowed"),
])
def test_bad_placeholders_name_the_cue_and_never_run_code(template, message):
    with pytest.raises(UserError, match=None) as error:
        fill(template, VALUES, "cue 'x'")
    assert message in str(error.value)
    assert str(error.value).startswith("cue 'x'")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_shipped_scripts_fill_from_the_trace(lang):
    trace = LESSON.run({"bias": 2.5, "stride": 2})
    script = load_script("convolution", lang)
    check_cues(script, ConvolutionScene.CUES, ConvolutionScene.LABELS)
    labels, cues = fill_script(script, trace.to_dict())
    assert [c.id for c in cues] == list(ConvolutionScene.CUES)
    first = next(c for c in cues if c.id == "first_window")
    assert fmt(trace.windows[0].value) in first.text and "2.5" in first.text
    assert "{" not in "".join(c.text for c in cues) + "".join(labels.values())
    assert labels["output"].endswith(f"{trace.out_height}×{trace.out_width}）" if lang == "zh"
                                     else f"{trace.out_height}×{trace.out_width})")


def test_filled_cues_are_spoken_as_words_but_subtitled_in_digits():
    trace = LESSON.run({"bias": -0.5, "kernel": "blur"})
    _, zh = fill_script(load_script("convolution", "zh"), trace.to_dict())
    _, en = fill_script(load_script("convolution", "en"), trace.to_dict())
    first_zh = next(c for c in zh if c.id == "first_window")
    assert "偏置 -0.5" in first_zh.text and "偏置负零点五" in first_zh.speech
    kernel_en = next(c for c in en if c.id == "kernel")
    assert "all 1/9" in kernel_en.text and "all one ninth" in kernel_en.speech
    for cue in zh + en:
        assert not any(ch.isdigit() for ch in cue.speech), cue.speech


def test_variants_follow_the_trace_value_with_other_as_fallback(tmp_path):
    folder = write(tmp_path, "[[cues]]\nid = 'a'\nby = 'kernel_name'\n"
                   "text.blur = 'soft {stride}'\ntext.other = 'sharp {stride}'\n")
    script = load_script("demo", "zh", folder)
    assert fill_script(script, {"kernel_name": "blur", "stride": 2})[1][0].text == "soft 2"
    assert fill_script(script, {"kernel_name": "sobel", "stride": 2})[1][0].text == "sharp 2"
    strict = write(tmp_path, "[[cues]]\nid = 'a'\nby = 'mode'\ntext.max = 'x'\n")
    with pytest.raises(UserError, match="no text for mode = avg; give text.avg or text.other"):
        fill_script(load_script("demo", "zh", strict), {"mode": "avg"})
    with pytest.raises(UserError, match="by = 'nope' is not a key"):
        fill_script(load_script("demo", "zh", write(tmp_path, "[[cues]]\nid = 'a'\n"
                                                    "by = 'nope'\ntext.x = 'y'\n")), {})


def write(tmp_path, text):
    (tmp_path / "demo.zh.toml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("text,message", [
    ("[[cues]]\nid = 'a'\n", "cue 'a' needs a text"),
    ("[[cues]]\nid = 'A b'\ntext = 'x'\n", "cue #1 needs an id"),
    ("[[cues]]\nid = 'a'\ntext = 'x'\n[[cues]]\nid = 'a'\ntext = 'y'\n", "used twice"),
    ("cues = 3\n", "needs a list of cues"),
    ("[[cues]\n", "not valid TOML"),
])
def test_broken_scripts_are_clear_errors(tmp_path, text, message):
    with pytest.raises(UserError, match=message):
        load_script("demo", "zh", write(tmp_path, text))


def test_missing_script_and_cue_mismatch(tmp_path):
    with pytest.raises(UserError, match="no zh narration for lesson 'nope'"):
        load_script("nope", "zh", tmp_path)
    script = Script("demo", "zh", tmp_path / "demo.zh.toml", {}, ())
    with pytest.raises(UserError, match="missing cues: intro"):
        check_cues(script, ("intro",), ())
