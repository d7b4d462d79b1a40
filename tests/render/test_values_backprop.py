"""`lecture values backprop`: JSON out, overrides, and bad input as one line with exit 2."""

import json

import numpy as np
import pytest

from tests.render.cli_run import run


def test_values_prints_the_backprop_trace(capsys):
    code, out, err = run(capsys, "values", "backprop")
    assert code == 0 and err == ""
    data = json.loads(out)
    for key in ("x", "target", "W1", "b1", "z1", "a1", "W2", "b2", "z2", "y_hat", "loss",
                "grad_W1", "grad_b1", "grad_W2", "grad_b2", "grad_z1", "grad_a1", "grad_y_hat",
                "grad_z2", "W1_new", "b1_new", "W2_new", "b2_new", "loss_new"):
        assert key in data
    assert np.shape(data["W1"]) == (4, 3) and np.shape(data["W2"]) == (2, 4)
    assert len(data["x"]) == 3 and len(data["target"]) == 2
    assert data["loss"] == pytest.approx(
        0.5 * sum((y - t) ** 2 for y, t in zip(data["y_hat"], data["target"], strict=True)))
    assert data["loss_new"] < data["loss"]


def test_values_backprop_applies_overrides(capsys):
    code, out, _ = run(capsys, "values", "backprop", "--set", "activation=relu",
                       "--set", "input_size=2", "--set", "hidden_size=4", "--set", "lr=0",
                       "--set", "x=[-100,-100]", "--set", "target=[1,2]")
    assert code == 0
    data = json.loads(out)
    assert data["x"] == [-100.0, -100.0] and data["activation"] == "relu"
    dead = [i for i, z in enumerate(data["z1"]) if z <= 0]
    assert dead == [1, 3]  # a dead unit passes nothing back
    assert all(data["grad_W1"][i] == [0.0, 0.0] and data["grad_b1"][i] == 0.0 for i in dead)
    assert data["W2_new"] == data["W2"] and data["loss_new"] == data["loss"]


@pytest.mark.parametrize("argv,message", [
    (["--set", "x=[1,2]"], "x: has 2 entries but input_size is 3; give 3 numbers, or null to "
     "draw them from the seed"),
    (["--set", "activation=softplus"],
     "activation: must be one of sigmoid, tanh, relu, got 'softplus'"),
    (["--set", "output_size=17"], "output_size: must be an integer from 1 to 16, got 17"),
])
def test_bad_backprop_input_is_one_clear_line(capsys, argv, message):
    code, out, err = run(capsys, "values", "backprop", *argv)
    assert code == 2 and out == ""
    assert message in err
    assert err.count("\n") == 1 and err.startswith("lecture: error: ")
