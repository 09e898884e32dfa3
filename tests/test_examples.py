"""Every worked example in docs/examples runs here with its numbers asserted, so the docs cannot rot."""

import math
import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"


def run(name: str, **arguments) -> dict:
    return runpy.run_path(str(EXAMPLES / f"{name}.py"))["main"](**arguments)


def close(number: float) -> object:
    return pytest.approx(number, rel=1e-12, abs=1e-12)


def test_every_example_is_tested():
    tested = {"apple", "square_of_sum", "backprop_vs_paths", "nielsen_bp", "l2_mlp", "softmax_nodes",
              "numerical_vs_backprop", "newton",
              "custom_op",  # custom_op: in test_engine_core.py
              "compiled_neuron", "digits", "texts_example",  # digits: in test_compile.py (it needs scikit-learn)
              "lecture_neuron"}
    assert {path.stem for path in EXAMPLES.glob("*.py")} == tested


def test_apple(capsys):
    numbers = run("apple")
    assert (numbers["total"], numbers["apple"], numbers["count"], numbers["tax"]) == (
        close(220), close(2.2), close(110), close(200))
    assert (numbers["total2"], numbers["apple_count"], numbers["apple_price"], numbers["orange_price"],
            numbers["orange_count"], numbers["tax2"]) == (close(715), close(110), close(2.2), close(3.3), close(165), close(650))
    assert "total 220" in capsys.readouterr().out


def test_square_of_sum():
    for x, y, z, grad, by_hand in run("square_of_sum")["rows"]:
        assert z == close((x + y) ** 2) and grad == close(by_hand)


def test_backprop_vs_paths(capsys):
    numbers = run("backprop_vs_paths")
    assert (numbers["a"], numbers["b"]) == (2.0, 5.0)
    assert (numbers["paths_a"], numbers["paths_b"]) == (2.0, 5.0)
    assert numbers["b_pile"] == [2.0, 3.0]
    path_costs = [row[1] for row in numbers["layered"]]
    backprop_costs = [row[2] for row in numbers["layered"]]
    assert all(later > 10 * earlier for earlier, later in zip(path_costs, path_costs[1:]))  # exponential
    assert all(later - earlier == backprop_costs[1] - backprop_costs[0]
               for earlier, later in zip(backprop_costs, backprop_costs[1:]))  # linear
    for _, _, _, by_paths, by_backprop in numbers["layered"]:
        assert by_paths == pytest.approx(by_backprop, rel=1e-12)
    assert "b: 2 + 3 = 5" in capsys.readouterr().out


def test_nielsen_bp():
    assert run("nielsen_bp")["largest_difference"] < 1e-15


def test_l2_mlp():
    assert run("l2_mlp")["largest_difference"] < 1e-14


def test_softmax_nodes():
    numbers = run("softmax_nodes")
    assert numbers["largest_difference"] < 1e-15
    assert numbers["repeat"] == close(0.6)
    assert numbers["sum"] == [5.0, 5.0, 5.0]
    assert numbers["matmul_x"] == [close(v) for v in numbers["matmul_expected"]]
    assert numbers["matmul_W"] == [[close(x * g) for g in numbers["dL_dy"]] for x in numbers["x"]]


def test_numerical_vs_backprop():
    rows = run("numerical_vs_backprop", sizes=(4,))["rows"]
    for parameters, forward_passes, _, _, largest in rows:
        assert forward_passes == 2 * parameters
        assert largest < 1e-6


def test_newton(capsys):
    numbers = run("newton")
    newton, descent = numbers["newton_1d"], numbers["descent_1d"]
    # one Newton step on e^x - 2x from 2 by hand: x - (e^x - 2) / e^x = 1 + 2 e^-2
    assert newton[1][0] == close(1 + 2 * math.exp(-2.0))
    assert newton[-1][0] == close(math.log(2.0)) and len(newton) - 1 == 6
    assert descent[-1][0] == pytest.approx(math.log(2.0), abs=1e-9) and len(descent) - 1 == 105
    newton2, descent2 = numbers["newton_2d"], numbers["descent_2d"]
    assert newton2[-1][0] == (close(1.0), close(1.0)) and len(newton2) - 1 == 7
    assert len(descent2) - 1 == 2000 and descent2[-1][1] > 0.1  # still far from (1, 1)
    assert "Newton: |f'| < 1e-10 after 6 steps; gradient descent: after 105 steps" in capsys.readouterr().out


def test_compiled_neuron(capsys):
    numbers = run("compiled_neuron")
    assert (numbers["o"], numbers["w1"], numbers["w2"], numbers["b"]) == (
        close(2 ** -0.5), close(1.0), close(0.0), close(0.5))
    forward, backward = numbers["source"].split("# backward")
    assert "x1w1 = x1 * w1" in forward and "o = tanh(n)" in forward
    assert "grad_n = 1.0 - (o * o)" in backward and "grad_w1 = grad_n * x1" in backward
    assert "grad_w1 = grad_n * x1" in capsys.readouterr().out


def test_texts_example(capsys):
    assert run("texts_example") == {"e": 6.0, "a": 2.0, "b": 5.0}  # de/db = (b + 1) + (a + b)
    assert "de/db = 5" in capsys.readouterr().out


def test_lecture_neuron(capsys):
    numbers = run("lecture_neuron")  # micrograd's lecture: o = 0.7071, do/dx1 = -1.5, do/dw1 = 1, do/dx2 = 0.5, do/dw2 = 0
    assert numbers["o"] == (close(math.sqrt(0.5)), 1.0)
    assert [numbers[name][1] for name in ("x1", "w1", "x2", "w2")] == [close(-1.5), close(1.0), close(0.5), 0.0]
    assert "o = 0.7071" in capsys.readouterr().out
