"""`lecture values optim`: JSON out, divergence as data, and bad input as one line with exit 2."""

import json

import numpy as np
import pytest

from tests.render.cli_run import run


def test_values_prints_the_optim_trace(capsys):
    code, out, err = run(capsys, "values", "optim")
    assert code == 0 and err == ""
    data = json.loads(out)
    for key in ("surface", "optimizer", "lr", "path", "loss", "grads", "grid_x", "grid_y",
                "grid_loss", "diverged", "state", "minima"):
        assert key in data
    assert (data["surface"], data["optimizer"], data["lr"]) == ("quadratic", "sgd", 0.1)
    assert np.shape(data["path"]) == (101, 2) and len(data["loss"]) == 101
    assert np.shape(data["grads"]) == (100, 2) and data["path"][0] == [-7.0, 2.0]
    assert np.shape(data["grid_loss"]) == (41, 41) and data["diverged"] is False
    assert data["path"][1] == pytest.approx([-7.0 + 0.1 * 0.7, 2.0 - 0.1 * 4.0])


def test_values_optim_applies_overrides(capsys):
    code, out, _ = run(capsys, "values", "optim", "--set", "surface=rosenbrock",
                       "--set", "optimizer=momentum", "--set", "lr=0.001", "--set", "steps=20",
                       "--set", "start=[-1.5,2]", "--set", "momentum=0.5",
                       "--set", "grid_points=3")
    assert code == 0
    data = json.loads(out)
    assert data["path"][0] == [-1.5, 2.0] and len(data["path"]) == 21
    assert set(data["state"]) == {"momentum_buffer"}
    assert data["grid_x"] == [-2.0, 0.0, 2.0] and data["loss"][-1] < data["loss"][0]


def test_divergence_is_reported_not_raised(capsys):
    code, out, err = run(capsys, "values", "optim", "--set", "surface=rosenbrock",
                         "--set", "lr=10", "--set", "steps=500")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["diverged"] is True and data["steps_taken"] < 500
    assert len(data["path"]) == data["steps_taken"] + 1


@pytest.mark.parametrize("argv,message", [
    (["--set", "start=[1,2,3]"], "start: must be [x, y], two numbers, got 3"),
    (["--set", "optimizer=adagrad"],
     "optimizer: must be one of sgd, momentum, rmsprop, adam, got 'adagrad'"),
    (["--set", "beta2=1"], "beta2: must be a number from 0 to 0.99999, got 1"),
    (["--set", "optimizer=momentum", "--set", "momentum=0", "--set", "nesterov=true"],
     "nesterov: needs momentum > 0"),
])
def test_bad_optim_input_is_one_clear_line(capsys, argv, message):
    code, out, err = run(capsys, "values", "optim", *argv)
    assert code == 2 and out == ""
    assert message in err
    assert err.count("\n") == 1 and err.startswith("lecture: error: ")
