"""Optimizers as torch.optim's: param_groups, state_dict/load_state_dict (a resumed run equals the
uninterrupted one), lr schedulers by hand, clip_grad_norm_, zero_grad."""

import json
import math
import pickle

import pytest

import nn
from engine import Value


def make_model():
    return nn.Sequential(nn.Linear(2, 4, rng=1), nn.Tanh(), nn.Linear(4, 1, rng=2))


X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 0.8], [0.1, 0.1]]
Y = [1.0, -1.0, 0.5, 0.0]


def train(model, optimizer, scheduler, steps):
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.mse([model(x)[0] for x in X], Y)
        loss.backward()
        nn.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
    return model.state_dict()


OPTIMIZERS = {
    "sgd-momentum": lambda p: nn.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-3),
    "nesterov": lambda p: nn.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "adam": lambda p: nn.Adam(p, lr=0.05, amsgrad=True),
    "adamw": lambda p: nn.AdamW(p, lr=0.05),
}
SCHEDULERS = {
    "none": None,
    "step": lambda o: nn.StepLR(o, step_size=3, gamma=0.5),
    "cosine": lambda o: nn.CosineAnnealingLR(o, T_max=8),
}


@pytest.mark.parametrize("schedule", sorted(SCHEDULERS))
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("through", ["json", "pickle"])
def test_a_resumed_run_equals_the_uninterrupted_one(name, schedule, through, tmp_path):
    make_optimizer, make_scheduler = OPTIMIZERS[name], SCHEDULERS[schedule]
    model = make_model()
    optimizer = make_optimizer(model.parameters())
    scheduler = make_scheduler(optimizer) if make_scheduler else None
    uninterrupted = train(model, optimizer, scheduler, 10)

    model = make_model()
    optimizer = make_optimizer(model.parameters())
    scheduler = make_scheduler(optimizer) if make_scheduler else None
    train(model, optimizer, scheduler, 4)
    checkpoint = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                  "scheduler": scheduler.state_dict() if scheduler else None}
    if through == "json":
        checkpoint = json.loads(json.dumps(checkpoint))  # indices become strings; loads take them
    else:
        checkpoint = pickle.loads(pickle.dumps(checkpoint))
    del model, optimizer, scheduler

    model = make_model()  # a fresh process builds everything again, then loads, as with torch
    optimizer = make_optimizer(model.parameters())
    scheduler = make_scheduler(optimizer) if make_scheduler else None
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    if scheduler:
        scheduler.load_state_dict(checkpoint["scheduler"])
    assert train(model, optimizer, scheduler, 6) == uninterrupted  # exactly


def test_optimizer_state_dict_layout_is_torchs():
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    optimizer = nn.SGD([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, momentum=0.9)
    for value in (a, b, c):
        value.grad = 1.0
    optimizer.step()
    state = optimizer.state_dict()
    assert [group["params"] for group in state["param_groups"]] == [[0, 1], [2]]
    assert [group["lr"] for group in state["param_groups"]] == [0.1, 0.5]
    assert state["state"] == {0: {"momentum_buffer": 1.0}, 1: {"momentum_buffer": 1.0}, 2: {"momentum_buffer": 1.0}}
    assert c.data == 3.0 - 0.5 and a.data == 1.0 - 0.1
    optimizer.step()
    assert state["state"][0] == {"momentum_buffer": 1.0}  # a copy, not the live state
    with pytest.raises(ValueError, match="same parameters"):
        nn.SGD([a], lr=0.1).load_state_dict(state)


def test_param_groups_and_add_param_group():
    a, b = Value(1.0), Value(1.0)
    optimizer = nn.Adam([a], lr=0.1)
    optimizer.add_param_group({"params": [b], "lr": 0.01, "betas": (0.5, 0.9)})
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 0.01]
    assert optimizer.param_groups[1]["betas"] == (0.5, 0.9) and optimizer.param_groups[1]["eps"] == 1e-8
    a.grad = b.grad = 1.0
    optimizer.step()
    assert a.data == pytest.approx(0.9, rel=1e-6) and b.data == pytest.approx(0.99, rel=1e-6)
    with pytest.raises(ValueError, match="more than one param group"):
        optimizer.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="unknown hyperparameters"):
        optimizer.add_param_group({"params": [Value(0.0)], "momentum": 0.9})
    optimizer.lr = 0.2
    assert [g["lr"] for g in optimizer.param_groups] == [0.2, 0.2]
    assert "Parameter Group 1" in repr(optimizer)


def test_zero_grad_and_frozen_parameters():
    a, b = Value(1.0), Value(1.0, requires_grad=False)
    optimizer = nn.SGD([a, b], lr=0.1, weight_decay=0.5)
    a.grad, b.grad = 2.0, 2.0
    optimizer.step()
    assert a.data == 1.0 - 0.1 * (2.0 + 0.5) and b.data == 1.0  # frozen: skipped
    optimizer.zero_grad()
    assert a.grad == 0.0 and b.grad == 0.0
    optimizer.zero_grad(set_to_none=True)
    assert a.grad is None and b.grad is None  # as torch's
    before = a.data
    optimizer.step()  # a gradient of None: skipped, not a TypeError
    assert a.data == before and a.grad is None


def test_schedulers_by_hand():
    def lrs(make, steps=7):
        optimizer = nn.SGD([Value(0.0)], lr=1.0)
        scheduler = make(optimizer)
        seen = [optimizer.lr]
        for _ in range(steps):
            optimizer.step()
            scheduler.step()
            seen.append(scheduler.get_last_lr()[0])
        return seen

    assert lrs(lambda o: nn.StepLR(o, step_size=3, gamma=0.1)) == pytest.approx([1, 1, 1, 0.1, 0.1, 0.1, 0.01, 0.01])
    assert lrs(lambda o: nn.ExponentialLR(o, gamma=0.5)) == pytest.approx([0.5 ** k for k in range(8)])
    assert lrs(lambda o: nn.CosineAnnealingLR(o, T_max=4, eta_min=0.1), 4) == pytest.approx(
        [0.1 + 0.9 * (1 + math.cos(math.pi * k / 4)) / 2 for k in range(5)])
    assert lrs(lambda o: nn.LambdaLR(o, lambda epoch: 0.9 ** epoch)) == pytest.approx([0.9 ** k for k in range(8)])
    with pytest.raises(ValueError, match="step_size"):
        nn.StepLR(nn.SGD([Value(0.0)], lr=1.0), step_size=0)


def test_clip_grad_norm_by_hand():
    a, b = Value(0.0), Value(0.0)
    a.grad, b.grad = 3.0, 4.0
    assert nn.clip_grad_norm_([a, b], max_norm=10.0) == 5.0
    assert (a.grad, b.grad) == (3.0, 4.0)  # under the limit: untouched
    assert nn.utils.clip_grad_norm_([a, b], max_norm=1.0) == 5.0
    assert a.grad == pytest.approx(0.6, rel=1e-6) and b.grad == pytest.approx(0.8, rel=1e-6)
    a.grad, b.grad = 3.0, -4.0
    assert nn.clip_grad_norm_([a, b], 2.0, norm_type=math.inf) == 4.0
    assert b.grad == pytest.approx(-2.0, rel=1e-6)
    a.grad = math.nan
    with pytest.raises(RuntimeError, match="error_if_nonfinite=False"):
        nn.clip_grad_norm_([a, b], 1.0, error_if_nonfinite=True)
    a.grad, b.grad = 5.0, -5.0
    nn.clip_grad_value_([a, b], 1.5)
    assert (a.grad, b.grad) == (1.5, -1.5)
