"""The benchmark adapters compute the same numbers as the floor (no timing here: that is bench/)."""

import subprocess
import sys
from pathlib import Path

import pytest

from bench.engines import Chaingrad, Floor, Micrograd
from bench.run import agree, run_child


def test_w1_losses_agree_over_steps():
    floor_step, chaingrad_step = Floor().w1(), Chaingrad().w1()
    for _ in range(3):
        assert chaingrad_step() == pytest.approx(floor_step(), rel=1e-9)


def test_w2_and_w3_agree():
    assert Chaingrad().w2(3000) == pytest.approx(Floor().w2(3000), rel=1e-9)
    assert Chaingrad().w3(500)() == pytest.approx(Floor().w3(500)(), rel=1e-9)


def test_micrograd_adapter_agrees():
    pytest.importorskip("micrograd", reason="micrograd is a benchmark-only dependency (pip install micrograd)")
    assert Micrograd().w1()() == pytest.approx(Floor().w1()(), rel=1e-9)
    assert Micrograd().w3(300)() == pytest.approx(Floor().w3(300)(), rel=1e-9)


def test_child_reports_and_agreement_check():
    result = run_child("chaingrad", "W2", 300, 1)
    assert result["seconds"] > 0 and result["engine"] == "chaingrad"
    assert agree([result, run_child("floor", "W2", 300, 1)])
    wrong = dict(result, value=result["value"] + 1.0)
    assert not agree([wrong, run_child("floor", "W2", 300, 1)])


def test_precheck_runs_before_timing(capsys):
    from bench.run import precheck

    assert precheck(["chaingrad", "floor"])
    err = capsys.readouterr().err
    assert "agree on the W1 loss" in err and "the W5 loss" in err


def test_compare_runs_the_old_and_the_new_tree_side_by_side():
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():
        pytest.skip("bench.compare needs a git checkout")

    def worktrees():
        return subprocess.run(["git", "worktree", "list"], cwd=root, capture_output=True, text=True).stdout

    before = worktrees()
    completed = subprocess.run([sys.executable, "-m", "bench.compare", "HEAD", "--rounds", "1", "--repeats", "1"],
                               cwd=root, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert "new / old:" in completed.stdout
    assert worktrees() == before, "the temporary worktree was not removed"


def test_the_compiled_chain_agrees():
    from bench.engines import CompiledChaingrad

    run = CompiledChaingrad().w2_compiled(3000)
    assert run() == pytest.approx(Floor().w2(3000), rel=1e-9)
    assert run() == pytest.approx(Floor().w2(3000), rel=1e-9)  # the second call runs the generated code


def test_w5_floor_gradients_and_step_agree_with_eager():
    """The digits floor's hand-written backprop against chaingrad's: the loss, every gradient, and the
    weights after the SGD step (dead hidden units included: their gradients are 0 in both)."""
    from bench import floor
    from bench.engines import DIGITS_LEARNING_RATE, digits, digits_training, digits_weights

    images, labels = digits(8)
    layers = digits_weights()
    floor_loss, grads = floor.w5_gradients(layers, images, labels)
    model, step = digits_training(8)
    eager_loss = step()  # one step: forward, backward (the gradients stay on the Values), SGD
    assert eager_loss == pytest.approx(floor_loss, rel=1e-9)
    assert floor.w5_step(layers, images, labels, DIGITS_LEARNING_RATE) == floor_loss
    zeros = 0
    for layer, (gW, gb), (W, b) in zip(model.layers, grads, layers):
        for neuron, grad_row, grad_bias, row, bias in zip(layer.neurons, gW, gb, W, b):
            assert [weight.grad for weight in neuron.w] == pytest.approx(grad_row, rel=1e-9, abs=1e-15)
            assert neuron.b.grad == pytest.approx(grad_bias, rel=1e-9, abs=1e-15)
            assert [weight.data for weight in neuron.w] == pytest.approx(row, rel=1e-9, abs=1e-15)
            assert neuron.b.data == pytest.approx(bias, rel=1e-9, abs=1e-15)
            zeros += neuron.b.grad == 0.0
    assert 0 < zeros < 32, "the batch should have both dead and live hidden units"
    assert layers != digits_weights(), "the step moved the floor's weights"


def test_w5_losses_agree_over_steps():
    from bench.engines import CompiledChaingrad

    floor_step, eager_step, compiled_step = Floor().w5(8), Chaingrad().w5(8), CompiledChaingrad().w5(8)
    losses = []
    for _ in range(3):  # the compiled step's first call traces, the others run the generated code
        loss = floor_step()
        assert eager_step() == pytest.approx(loss, rel=1e-9)
        assert compiled_step() == pytest.approx(loss, rel=1e-9)
        losses.append(loss)
    assert losses[0] > losses[1] > losses[2], "SGD at lr 0.5 lowers the loss on a fixed batch"


def test_w5_child_reports_the_first_loss():
    result = run_child("floor", "W5", 8, 1)
    assert result["seconds"] > 0 and result["first_loss"] == pytest.approx(Chaingrad().w5(8)(), rel=1e-9)
    assert agree([result, run_child("chaingrad", "W5", 8, 1)])
    assert not agree([result, dict(result, engine="chaingrad", first_loss=result["first_loss"] * (1 + 1e-6))])


def test_w5_runs_without_scikit_learn(monkeypatch):
    from bench.engines import digits

    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # its import now fails: the synthetic digits
    images, labels = digits(8)
    assert (images, labels) == digits(8), "the synthetic set is fixed"
    assert len(images) == 8 and all(len(image) == 64 and all(0.0 <= pixel <= 1.0 for pixel in image) for image in images)
    assert set(labels) <= set(range(10))
    assert any(pixel * 16 != round(pixel * 16) for pixel in images[0]), "not the digits' pixels (multiples of 1/16)"
    assert Chaingrad().w5(8)() == pytest.approx(Floor().w5(8)(), rel=1e-9)


def test_summary_of_w5_alone_has_its_compiled_line_and_no_empty_table():
    from bench.run import summary

    rows = [{"engine": name, "workload": "W5", "size": 32, "first_step_seconds": seconds + 0.5, "seconds": seconds}
            for name, seconds in (("floor", 0.004), ("chaingrad", 0.014), ("compiled", 0.005))]
    text = summary(rows)
    assert "| workload |" not in text
    assert ("the digits MLP (W5, a batch of 32) through engine.compile: 5.00 ms per step (1.25x the floor's 4.00 ms); "
            "first step (trace + generate + compile + check) 0.50 s more") in text
    assert "eager 14.00 ms per step (2.8x slower), so compiling pays for itself after 56 steps (break-even)" in text
