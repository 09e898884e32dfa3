"""Modules, optimizers, datasets and weight files."""

import json
import math
import os
import random

import pytest

import nn
from engine import Value


def test_mlp_shape_and_parameter_names():
    model = nn.MLP(3, [4, 4, 1])
    assert model.num_parameters() == 41
    names = [name for name, _ in model.named_parameters()]
    assert names[:5] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.w.2",
                         "layers.0.neurons.0.b", "layers.0.neurons.1.w.0"]
    assert names[-1] == "layers.2.neurons.0.b"
    assert len(set(names)) == 41
    assert model.layers[1].neurons[2].w[0] is dict(model.named_parameters())["layers.1.neurons.2.w.0"]


def test_mlp_call_returns_a_value_or_a_list():
    assert isinstance(nn.MLP(2, [3, 1])([1.0, 2.0]), Value)
    out = nn.MLP(2, [3, 2])([Value(1.0), 2.0])
    assert isinstance(out, list) and len(out) == 2


def test_last_layer_is_linear_and_neuron_is_one_dot_node():
    model = nn.MLP(2, [3, 1], activation="tanh")
    assert [layer.neurons[0].activation for layer in model.layers] == ["tanh", "linear"]
    out = model([0.5, -0.5])
    assert out.op == "dot" and len(out.parents) == 3 + 3 + 1  # weights, inputs, bias
    hidden = out.parents[3]
    assert hidden.op == "tanh" and hidden.parents[0].op == "dot"


def test_shared_parameters_are_listed_once():
    layer = nn.Layer(2, 2)
    layer.neurons[1].w = layer.neurons[0].w
    assert layer.num_parameters() == 4  # two shared weights, two biases


def test_shared_and_back_referenced_modules_are_walked_once():
    model = nn.MLP(2, [3, 1])
    model.twin = model.layers[0]  # the same layer under a second name
    model.layers[0].owner = model  # a back-reference: must not loop
    names = [name for name, _ in model.named_parameters()]
    assert len(names) == model.num_parameters() == 2 * 3 + 3 + 3 + 1
    assert names[0] == "layers.0.neurons.0.w.0"


def test_seeded_initialisation():
    first = nn.MLP(2, [4, 1], rng=3).state_dict()
    assert first == nn.MLP(2, [4, 1], rng=random.Random(3)).state_dict()
    assert first != nn.MLP(2, [4, 1], rng=4).state_dict()
    bound = math.sqrt(2) * math.sqrt(3 / 2)
    weights = [w.data for n in nn.MLP(2, [50, 1]).layers[0].neurons for w in n.w]
    assert max(abs(w) for w in weights) <= bound
    assert all(n.b.data == 0.0 for n in nn.MLP(2, [5, 1]).layers[0].neurons)


def test_repr_and_zero_grad():
    model = nn.MLP(3, [4, 1])
    assert repr(model) == ("MLP(\n  (layers.0): Layer(nin=3, nout=4, activation='relu')\n"
                           "  (layers.1): Layer(nin=4, nout=1, activation='linear')\n)")
    assert repr(nn.Neuron(2, "tanh")) == "Neuron(nin=2, activation='tanh')"
    model([1.0, 2.0, 3.0]).backward()
    assert any(p.grad for p in model.parameters())
    model.zero_grad()
    assert not any(p.grad for p in model.parameters())


@pytest.mark.parametrize("make, message", [
    (lambda: nn.MLP(3, [4, 1])([1.0, 2.0]), "MLP expects 3 inputs, got 2"),
    (lambda: nn.Layer(2, 3)([1.0]), "Layer expects 2 inputs, got 1"),
    (lambda: nn.Neuron(2)([1.0, 2.0, 3.0]), "Neuron expects 2 inputs, got 3"),
    (lambda: nn.MLP(0, [1]), "nin must be at least 1, got 0"),
    (lambda: nn.MLP(2, [4, -1]), r"nouts\[1\] must be at least 1, got -1"),
    (lambda: nn.MLP(2, []), "at least one layer"),
    (lambda: nn.Neuron(2, activation="swish"), "unknown activation 'swish'"),
])
def test_bad_sizes(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def params(*numbers):
    values = [Value(n) for n in numbers]
    return values


def test_sgd_plain_and_weight_decay():
    p = params(1.0, -2.0)
    p[0].grad, p[1].grad = 0.5, 1.0
    nn.SGD(p, lr=0.1, weight_decay=0.01).step()
    assert p[0].data == pytest.approx(1.0 - 0.1 * (0.5 + 0.01 * 1.0))
    assert p[1].data == pytest.approx(-2.0 - 0.1 * (1.0 + 0.01 * -2.0))


def test_sgd_momentum_three_steps():
    (p,) = params(1.0)
    optimizer = nn.SGD([p], lr=0.1, momentum=0.9)
    grads = [1.0, 0.5, -0.25]
    # by hand: v1 = 1.0, p = 0.9; v2 = 0.9 + 0.5 = 1.4, p = 0.76; v3 = 1.26 - 0.25 = 1.01, p = 0.659
    for g in grads:
        p.grad = g
        optimizer.step()
    assert p.data == pytest.approx(0.659, rel=1e-12)


def test_adam_three_steps():
    (p,) = params(1.0)
    optimizer = nn.Adam([p], lr=0.1)
    grads = [1.0, -2.0, 0.5]
    m = v = 0.0
    expected = 1.0
    for t, g in enumerate(grads, start=1):
        p.grad = g
        optimizer.step()
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        expected -= 0.1 * (m / (1 - 0.9**t)) / (math.sqrt(v / (1 - 0.999**t)) + 1e-8)
    assert p.data == pytest.approx(expected, rel=1e-12)
    # first step of Adam moves by lr * sign(g), nearly exactly
    (q,) = params(0.0)
    q.grad = 123.0
    nn.Adam([q], lr=0.01).step()
    assert q.data == pytest.approx(-0.01, rel=1e-6)


def test_optimizers_dedupe_and_zero_grad():
    a = Value(1.0)
    optimizer = nn.SGD([a, a, a], lr=0.1)
    assert optimizer.parameters == [a]
    a.grad = 3.0
    optimizer.zero_grad()
    assert a.grad == 0.0


@pytest.mark.parametrize("make, message", [
    (lambda p: nn.SGD(p, lr=0), r"lr must lie in \(0.0"),
    (lambda p: nn.SGD(p, lr=0.1, momentum=1.0), "momentum must lie in"),
    (lambda p: nn.SGD(p, lr=0.1, weight_decay=-1), "weight_decay must lie in"),
    (lambda p: nn.Adam(p, betas=(0.9, 1.0)), r"betas\[1\] must lie in"),
    (lambda p: nn.Adam(p, eps=0.0), "eps must lie in"),
    (lambda p: nn.Adam(p, betas=(0.9,)), "betas must be a pair"),
    (lambda p: nn.SGD([], lr=0.1), "empty parameter list"),
])
def test_optimizer_arguments_are_validated(make, message):
    with pytest.raises(ValueError, match=message):
        make([Value(1.0)])


def test_optimizer_rejects_non_values():
    with pytest.raises(TypeError, match="float"):
        nn.SGD([1.0], lr=0.1)
    with pytest.raises(TypeError, match="lr must be a number"):
        nn.SGD([Value(1.0)], lr="0.1")


@pytest.mark.parametrize("name", sorted(nn.DATASETS))
def test_datasets_are_seeded_and_well_formed(name):
    make = nn.DATASETS[name]
    X, y = make(60, seed=5)
    assert (X, y) == make(60, seed=5)
    assert X != make(60, seed=6)[0]
    assert len(X) == len(y) == 60
    assert all(len(x) == 2 and all(math.isfinite(v) for v in x) for x in X)
    assert len(set(y)) >= 2 and min(y) == 0


def test_batches_cover_the_data_once():
    X, y = nn.make_moons(25, seed=1)
    chunks = list(nn.batches(X, y, batch_size=10, seed=2))
    assert [len(b[0]) for b in chunks] == [10, 10, 5]
    assert sorted(map(tuple, (x for b in chunks for x in b[0]))) == sorted(map(tuple, X))
    assert chunks == list(nn.batches(X, y, batch_size=10, seed=2))


def test_state_dict_round_trip(tmp_path):
    model = nn.MLP(2, [3, 1], rng=1)
    path = tmp_path / "weights.json"
    nn.save(model, path)
    other = nn.MLP(2, [3, 1], rng=2)
    other.load_state_dict(nn.load(path))
    assert other.state_dict() == model.state_dict()
    assert [p.data for p in other.parameters()] == [p.data for p in model.parameters()]


@pytest.mark.parametrize("change, message", [
    (lambda d: d.pop("layers.0.neurons.0.b"), r"missing \['layers.0.neurons.0.b'\]"),
    (lambda d: d.update(extra=1.0), r"unexpected \['extra'\]"),
    (lambda d: d.update({"layers.0.neurons.0.b": "x"}), "'layers.0.neurons.0.b' holds 'x'"),
    (lambda d: d.update({"layers.1.neurons.0.b": float("nan")}), "not a finite number"),
])
def test_mismatched_state_dict_is_refused_and_changes_nothing(change, message):
    model = nn.MLP(2, [3, 1], rng=1)
    before = model.state_dict()
    state = nn.MLP(2, [3, 1], rng=2).state_dict()
    change(state)
    with pytest.raises(nn.StateDictError, match=message):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_load_refuses_other_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(nn.StateDictError, match="not JSON"):
        nn.load(bad)
    bad.write_text(json.dumps({"w": 1.0}))
    with pytest.raises(nn.StateDictError, match="not a chaingrad weights file"):
        nn.load(bad)


def test_save_is_atomic_when_interrupted(tmp_path, monkeypatch):
    path = tmp_path / "weights.json"
    model = nn.MLP(2, [2, 1], rng=1)
    nn.save(model, path)
    before = path.read_text()

    def crash(*args):
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        nn.save(nn.MLP(2, [2, 1], rng=9), path)
    assert path.read_text() == before
    assert os.listdir(tmp_path) == ["weights.json"]


def test_training_reduces_the_loss():
    X, y = nn.make_moons(40, seed=0)
    labels = [2 * t - 1 for t in y]
    model = nn.MLP(2, [8, 8, 1], rng=0)
    optimizer = nn.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(30):
        loss = nn.hinge([model(x) for x in X], labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.data)
    assert losses[-1] < 0.5 * losses[0]
