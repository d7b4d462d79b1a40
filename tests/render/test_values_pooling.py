"""`lecture values pooling`: JSON out, chained to the convolution lesson; bad input one line."""

import json

import pytest

from tests.render.cli_run import run


def test_values_prints_the_pooling_trace_of_the_convolution_output(capsys):
    code, out, err = run(capsys, "values", "pooling")
    assert code == 0 and err == ""
    data = json.loads(out)
    for key in ("input", "mode", "size", "stride", "output", "argmax", "grad_input", "windows"):
        assert key in data
    _, conv_out, _ = run(capsys, "values", "convolution")
    assert data["input"] == json.loads(conv_out)["output"]
    assert data["output"] == [[-10.0, -10.0, 40.0], [-16.0, 21.0, 33.0], [-19.0, 43.0, 22.0]]
    assert data["argmax"][0] == [[1, 1], [0, 2], [0, 5]]
    assert sum(map(sum, data["grad_input"])) == 9.0


def test_values_pooling_applies_overrides(capsys):
    code, out, _ = run(capsys, "values", "pooling", "--set", "mode=avg", "--set", "size=2",
                       "--set", "stride=1", "--set", "input=[[1,2,3],[4,5,6]]",
                       "--set", "grad_output=[[4,8]]")
    assert code == 0
    data = json.loads(out)
    assert data["output"] == [[3.0, 4.0]] and data["argmax"] is None
    assert data["grad_input"] == [[1.0, 3.0, 2.0], [1.0, 3.0, 2.0]]  # overlapping shares add up


@pytest.mark.parametrize("argv,message", [
    (["--set", "size=7"], "size: 7 is larger than the padded input height 6 + 2*0 = 6"),
    (["--set", "grad_output=[[1,2],[3,4]]"],
     "grad_output: must have the output's shape [3, 3], got [2, 2]"),
    (["--set", "mode=median"], "mode: must be one of max, avg, got 'median'"),
    (["--set", "stride=0"], "stride: must be an integer from 1 to 16, got 0"),
])
def test_bad_pooling_input_is_one_clear_line(capsys, argv, message):
    code, out, err = run(capsys, "values", "pooling", *argv)
    assert code == 2 and out == ""
    assert message in err
    assert err.count("\n") == 1 and err.startswith("lecture: error: ")
