"""`lecture values`, `lecture list` and the bad-input contract: one line, exit 2, no traceback."""

import json
import subprocess
import sys

import pytest

from render.lessons import LESSONS
from tests.render.cli_run import run


def test_values_prints_the_convolution_trace(capsys):
    code, out, err = run(capsys, "values", "convolution")
    assert code == 0 and err == ""
    data = json.loads(out)
    for key in ("input", "kernel", "bias", "stride", "padding", "output"):
        assert key in data
    assert len(data["input"]) == 8 and len(data["output"]) == 6
    assert data["output"][0][0] == data["bias"] + sum(
        p for row in data["windows"][0]["products"] for p in row)


def test_values_applies_overrides(capsys):
    code, out, _ = run(capsys, "values", "convolution", "--set", "stride=2", "--set", "padding=1",
                       "--set", "kernel=[[1,2],[3,4]]", "--set", "input=[[1,2,3],[4,5,6]]",
                       "--set", "bias=0.5")
    data = json.loads(out)
    assert code == 0
    assert data["output"] == [[4.5, 18.5], [8.5, 17.5]]  # torch.conv2d(padding=1, stride=2) + 0.5


def test_list_shows_parameters_with_ranges(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    for lesson in LESSONS.values():
        assert lesson.name in out
        for param in lesson.model.params:
            assert param.name in out
    assert "an integer from 1 to 16" in out  # stride's range


@pytest.mark.parametrize("argv,message", [
    (["values", "nope"], "unknown lesson 'nope'; known lessons: backprop, convolution, pooling, "
     "bptt, lstm, attention, gan, optim\n"),
    (["values", "convolution", "--set", "strides=2"], "strides: unknown parameter; this lesson "
     "takes: input, kernel, bias, stride, padding"),
    (["values", "convolution", "--set", "stride=0"], "stride: must be an integer from 1 to 16, "
     "got 0"),
    (["values", "convolution", "--set", "stride=1.5"], "stride: must be an integer"),
    (["values", "convolution", "--set", "padding=\"two\""], "padding: must be an integer"),
    (["values", "convolution", "--set", "kernel=[[1,2],[3]]"], "kernel: ragged"),
    (["values", "convolution", "--set", "kernel=[[1,2],[3,\"x\"]]"],
     "kernel: entry [1][1] is 'x', not a number"),
    (["values", "convolution", "--set", "kernel=[[1,2],[3,null]]"], "kernel: entry [1][1]"),
    (["values", "convolution", "--set", "kernel=edge"], "kernel: unknown name 'edge'; known "
     "names: vertical-edge"),
    (["values", "convolution", "--set", "input=[[1,2],[3,4]]"], "kernel: height 3 is larger "
     "than the padded input height 2"),
    (["values", "convolution", "--set", "bias=[1,2"], "--set bias: '[1,2' is not valid JSON"),
    (["values", "convolution", "--set", "bias"], "expected key=value"),
])
def test_bad_input_is_one_clear_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert message in err
    assert err.count("\n") == 1 and err.startswith("lecture: error: ")


def test_the_installed_command_prints_no_traceback():
    result = subprocess.run([sys.executable, "-m", "render.cli", "values", "convolution",
                             "--set", "stride=0"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "stride" in result.stderr


@pytest.mark.parametrize("name", list(LESSONS))
def test_every_lesson_prints_valid_json_with_its_defaults(capsys, name):
    code, out, err = run(capsys, "values", name)
    assert code == 0 and err == ""
    data = json.loads(out)
    assert isinstance(data, dict) and data
    assert "NaN" not in out and "Infinity" not in out


def test_a_lesson_without_a_scene_says_so():
    from render.errors import UserError
    from render.lessons import LESSONS, Lesson

    numbers_only = Lesson("numbers", engine=LESSONS["bptt"].model)  # how a new lesson starts
    assert numbers_only.model is LESSONS["bptt"].model
    with pytest.raises(UserError, match=r"lesson 'numbers' has numbers but no scene yet; "
                                        r"try `lecture values numbers`"):
        numbers_only.scene_class()
