"""nn against PyTorch itself: the bridge (to_torch/from_torch), state-dict names and shapes, safetensors
files read by torch, optimizers and schedulers step for step. Skipped without torch, except when
CHAINGRAD_REQUIRE_TORCH=1 (set by .ci/torch, which runs this file in a venv with the CPU wheel)."""

import math
import os
import random

import pytest

import nn
from engine import Value
from nn.module import flat_values

REQUIRED = os.environ.get("CHAINGRAD_REQUIRE_TORCH") == "1"
try:
    import torch
except ImportError:
    if REQUIRED:
        raise
    pytest.skip("PyTorch is not installed (CI runs these in .ci/torch's venv)", allow_module_level=True)
try:
    import safetensors.torch as safetensors_torch
except ImportError:
    if REQUIRED:
        raise
    safetensors_torch = None
needs_safetensors = pytest.mark.skipif(safetensors_torch is None, reason="the safetensors package is not installed")

TOLERANCE = 1e-12
ACTIVATIONS = ["relu", "tanh", "sigmoid", "leaky_relu", "linear"]


def inputs(count, size, seed=0):
    rng = random.Random(seed)
    return [[rng.uniform(-2, 2) for _ in range(size)] for _ in range(count)]


def close(a, b):
    return abs(a - b) <= TOLERANCE * max(1.0, abs(a), abs(b))


def torch_outputs_and_gradients(torch_model, X):
    """Outputs for each row of X and the gradients of their sum, per parameter name."""
    torch_model.zero_grad()
    out = torch_model(torch.tensor(X, dtype=torch.float64))
    out.sum().backward()
    return out.detach().tolist(), {name: p.grad.flatten().tolist() for name, p in torch_model.named_parameters()}


def ours_outputs_and_gradients(model, X):
    model.zero_grad()
    outs = []
    total = Value(0.0)
    for x in X:
        out = model(x)
        out = out if isinstance(out, list) else [out]
        outs.append([o.data for o in out])
        for o in out:
            total = total + o
    total.backward()
    return outs, {name: [value.grad for _, value in flat_values(tensor)] for name, tensor in model.named_tensors()}


def flat(entry):
    return nn.weights.state.flatten(entry, len(nn.weights.state.shape_of(entry, lambda item: isinstance(item, float))))


def test_torch_is_the_cpu_float64_capable_build():
    assert torch.tensor([1.0], dtype=torch.float64).dtype == torch.float64


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_to_torch_mlp_same_outputs_and_gradients(activation):
    model = nn.MLP(3, [5, 4, 2], activation=activation, rng=1)
    for layer in model.layers:  # nonzero biases, so that the bias gradients and outputs are exercised
        for neuron in layer.neurons:
            neuron.b.data = random.Random(id(neuron) % 1000).uniform(-0.5, 0.5)
    torch_model = nn.to_torch(model)
    X = inputs(6, 3)
    outs, grads = ours_outputs_and_gradients(model.to_sequential(), X)
    torch_outs, torch_grads = torch_outputs_and_gradients(torch_model, X)
    assert all(close(a, b) for row, torch_row in zip(outs, torch_outs) for a, b in zip(row, torch_row))
    assert set(grads) == set(torch_grads)
    for name in grads:
        assert all(close(a, b) for a, b in zip(grads[name], torch_grads[name])), name


def test_sequential_state_dict_names_and_shapes_match_torch():
    ours = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)
    )
    our_state = ours.state_dict()
    their_state = theirs.state_dict()
    assert list(our_state) == list(their_state)
    assert [list(torch.tensor(v).shape) for v in our_state.values()] == [list(t.shape) for t in their_state.values()]
    theirs.load_state_dict({k: torch.tensor(v) for k, v in our_state.items()})  # strict: every name, every shape
    ours.load_state_dict(their_state)  # torch tensors accepted as they are
    assert ours.state_dict() == {k: t.double().tolist() for k, t in their_state.items()}


def test_from_torch_round_trip_and_every_activation():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.LeakyReLU(0.2), torch.nn.Linear(4, 4), torch.nn.Sigmoid(),
        torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 2), torch.nn.ReLU(),
        torch.nn.Linear(2, 2), torch.nn.Identity(),
    ).double()
    ours = nn.from_torch(theirs)
    assert isinstance(ours, nn.Sequential) and isinstance(ours[1], nn.LeakyReLU) and ours[1].negative_slope == 0.2
    X = inputs(5, 3, seed=2)
    outs, grads = ours_outputs_and_gradients(ours, X)
    torch_outs, torch_grads = torch_outputs_and_gradients(theirs, X)
    assert all(close(a, b) for row, torch_row in zip(outs, torch_outs) for a, b in zip(row, torch_row))
    for name in torch_grads:
        assert all(close(a, b) for a, b in zip(grads[name], torch_grads[name])), name
    again = nn.to_torch(ours)
    assert all(torch.equal(a, b) for a, b in zip(again.state_dict().values(), theirs.state_dict().values()))


def test_from_torch_refuses_what_it_cannot_convert():
    with pytest.raises(TypeError, match="Conv1d"):
        nn.from_torch(torch.nn.Conv1d(1, 1, 1))
    with pytest.raises(TypeError, match="torch.nn.Module"):
        nn.from_torch([1, 2])


@needs_safetensors
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_torch_loads_our_safetensors_file(tmp_path, dtype):
    ours = nn.Sequential(nn.Linear(3, 4, rng=5), nn.ReLU(), nn.Linear(4, 2, rng=6))
    path = tmp_path / "w.safetensors"
    nn.save(ours, path)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2)).to(dtype)
    theirs.load_state_dict(safetensors_torch.load_file(str(path)))
    X = inputs(4, 3, seed=3)
    got = theirs(torch.tensor(X, dtype=dtype)).tolist()
    want = [[o.data for o in ours(x)] for x in X]
    tolerance = 1e-12 if dtype == torch.float64 else 1e-5
    assert all(abs(a - b) <= tolerance for r, s in zip(got, want) for a, b in zip(r, s))


@needs_safetensors
def test_we_load_torchs_safetensors_file(tmp_path):
    torch.manual_seed(3)
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)).double()
    path = tmp_path / "theirs.safetensors"
    safetensors_torch.save_file(theirs.state_dict(), str(path))
    ours = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    ours.load_state_dict(nn.load(path))
    x = [0.3, -0.7]
    assert close(ours(x)[0].data, theirs(torch.tensor([x], dtype=torch.float64)).item())


def _train(make_optimizer, make_torch_optimizer, scheduler=None, torch_scheduler=None, steps=12):
    ours = nn.Sequential(nn.Linear(2, 3, rng=1), nn.Tanh(), nn.Linear(3, 1, rng=2))
    theirs = nn.to_torch(ours)
    optimizer, torch_optimizer = make_optimizer(ours.parameters()), make_torch_optimizer(theirs.parameters())
    schedule = scheduler(optimizer) if scheduler else None
    torch_schedule = torch_scheduler(torch_optimizer) if torch_scheduler else None
    X = inputs(8, 2, seed=4)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.mse([ours(x)[0] for x in X], [1.0] * len(X))
        loss.backward()
        nn.clip_grad_norm_(ours.parameters(), 0.5)
        optimizer.step()
        torch_optimizer.zero_grad()
        torch_out = theirs(torch.tensor(X, dtype=torch.float64)).squeeze(1)
        torch_loss = torch.nn.functional.mse_loss(torch_out, torch.ones(len(X), dtype=torch.float64))
        torch_loss.backward()
        torch.nn.utils.clip_grad_norm_(theirs.parameters(), 0.5)
        torch_optimizer.step()
        if schedule:
            schedule.step()
            torch_schedule.step()
            assert close(schedule.get_last_lr()[0], torch_schedule.get_last_lr()[0])
    return ours.state_dict(), {k: v.tolist() for k, v in theirs.state_dict().items()}


@pytest.mark.parametrize("name, ours, theirs", [
    ("sgd", lambda p: nn.SGD(p, lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    ("momentum", lambda p: nn.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01, dampening=0.1),
     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01, dampening=0.1)),
    ("nesterov", lambda p: nn.SGD(p, lr=0.1, momentum=0.8, nesterov=True),
     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.8, nesterov=True)),
    ("adam", lambda p: nn.Adam(p, lr=0.05, weight_decay=0.01), lambda p: torch.optim.Adam(p, lr=0.05, weight_decay=0.01)),
    ("amsgrad", lambda p: nn.Adam(p, lr=0.05, amsgrad=True), lambda p: torch.optim.Adam(p, lr=0.05, amsgrad=True)),
    ("adamw", lambda p: nn.AdamW(p, lr=0.05), lambda p: torch.optim.AdamW(p, lr=0.05)),
])
def test_optimizers_step_as_torchs(name, ours, theirs):
    state, torch_state = _train(ours, theirs)
    for key in state:
        assert all(close(a, b) for a, b in zip(flat(state[key]), flat(torch_state[key]))), (name, key)


@pytest.mark.parametrize("ours, theirs", [
    (lambda o: nn.StepLR(o, step_size=3, gamma=0.5), lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
    (lambda o: nn.ExponentialLR(o, gamma=0.9), lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)),
    (lambda o: nn.CosineAnnealingLR(o, T_max=5, eta_min=0.01),
     lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=5, eta_min=0.01)),
    (lambda o: nn.LambdaLR(o, lambda epoch: 1 / (1 + epoch)),
     lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda epoch: 1 / (1 + epoch))),
])
def test_schedulers_as_torchs(ours, theirs):
    state, torch_state = _train(
        lambda p: nn.SGD(p, lr=0.2, momentum=0.5), lambda p: torch.optim.SGD(p, lr=0.2, momentum=0.5), ours, theirs
    )
    for key in state:
        assert all(math.isclose(a, b, rel_tol=1e-10, abs_tol=1e-12) for a, b in zip(flat(state[key]), flat(torch_state[key])))


def test_to_torch_neuron_and_layer():
    neuron = nn.Neuron(3, "tanh", rng=2)
    neuron.b.data = 0.3
    torch_neuron = nn.to_torch(neuron)
    assert [type(m).__name__ for m in torch_neuron] == ["Linear", "Tanh"]
    x = [0.5, -1.0, 2.0]
    assert close(neuron(x).data, torch_neuron(torch.tensor(x, dtype=torch.float64)).item())
    layer = nn.Layer(3, 2, "leaky_relu", rng=3)
    got = nn.to_torch(layer)(torch.tensor(x, dtype=torch.float64)).tolist()
    assert all(close(a.data, b) for a, b in zip(layer(x), got))


def test_to_torch_refuses_what_it_cannot_convert():
    class Custom(nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match="not Custom"):
        nn.to_torch(Custom())


def test_to_torch_sequential_holding_an_mlp():
    ours = nn.Sequential(nn.MLP(2, [3, 2], activation="tanh", rng=1), nn.Sigmoid(), nn.Linear(2, 1, rng=2))
    theirs = nn.to_torch(ours)
    assert list(theirs.state_dict()) == ["0.0.weight", "0.0.bias", "0.2.weight", "0.2.bias", "2.weight", "2.bias"]
    x = [0.4, -0.9]
    assert close(ours(x)[0].data, theirs(torch.tensor(x, dtype=torch.float64)).item())
