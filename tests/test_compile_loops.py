"""engine.compile's loops: a stretch of the graph that repeats (a batch's samples, a chain's links)
is written once, as a `for` loop (engine.loops finds it, engine.codegen writes it), and gives
eager's values and gradients to the bit."""

from __future__ import annotations

import math
import random

import pytest

import engine
import nn
from engine import Value, loops


@pytest.fixture
def small_loops(monkeypatch):
    """Loops for stretches of any size (the default leaves graphs under 200 nodes straight-line)."""
    monkeypatch.setattr(loops, "MIN_NODES", 4)
    monkeypatch.setattr(loops, "MIN_REPEATS", 2)


def same(a, b) -> bool:
    """Equal to the bit, a zero's sign included (NaN equals NaN)."""
    if a is None or b is None:
        return a is b
    if a != a or b != b:
        return a != a and b != b
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def test_a_batch_is_one_loop_and_its_code_is_short():
    model = nn.MLP(2, [16, 16, 1], rng=0)
    X = [[0.1 * i, -0.05 * i] for i in range(100)]
    labels = [1.0 if i % 3 else -1.0 for i in range(100)]
    compiled = engine.compile(lambda X, labels: nn.hinge([model(x) for x in X], labels))
    compiled(X, labels)
    source = compiled.source
    assert "100 repeats of these" in source
    assert source.count("\n    for ") == 2  # the forward loop and the backward loop
    assert len(source.splitlines()) < 1000  # 10,853 lines written out, sample by sample


def test_a_chain_is_one_loop_carried_from_turn_to_turn():
    def chain(x):
        for _ in range(1000):
            x = (x * 1.0001 + 0.1).tanh()
        return x

    compiled = engine.compile(chain)
    for start in (0.5, -2.0):
        eager_input, compiled_input = Value(start), Value(start)
        eager, result = chain(eager_input), compiled(compiled_input)
        eager.backward()
        result.backward()
        assert same(eager.data, result.data) and same(eager_input.grad, compiled_input.grad)
    assert "repeats of these 3 lines" in compiled.source


def repeating_program(seed: int):
    """A random per-sample body over a batch: each op with a parameter of its own or one of three shared,
    inputs as numbers, a frozen Value, maybe the previous sample's result read (carried), and the
    samples' results summed at once or one by one (a chain across samples)."""
    rng = random.Random(seed)
    plan = [(rng.randrange(11), rng.random(), rng.random()) for _ in range(rng.randrange(2, 8))]
    parameters = [Value(rng.uniform(-1, 1), label=f"w{i}") for i in range(len(plan) + 2)]
    shared = rng.random() < 0.5  # the ops' parameters drawn from three: a repeat reads one by several edges
    chosen = [rng.randrange(3) if shared else index + 2 for index in range(len(plan))]
    frozen = Value(rng.uniform(0.5, 1.5), requires_grad=False)
    carried = rng.random() < 0.5
    one_by_one = rng.random() < 0.5

    def function(rows):
        terms = []
        total = None
        for row in rows:
            pool = [parameters[0] * row[0], row[1] + parameters[1]]
            if carried and terms:
                pool.append(terms[-1])
            for index, (op, first, second) in enumerate(plan):
                u, v = pool[int(first * len(pool))], pool[int(second * len(pool))]
                w = parameters[chosen[index]]
                pool.append([
                    lambda: u * v * w,
                    lambda: u + w,
                    lambda: (u * w).tanh(),
                    lambda: (u * w).relu(),
                    lambda: engine.dot([w, 0.5], [u, v]),
                    lambda: (u * w).sigmoid() - v,
                    lambda: u * frozen + w,
                    lambda: (u * u + w * w + 1.0).log(),
                    lambda: engine.max([u, v * w]),
                    lambda: (u * w) ** 2,
                    lambda: (u * w * 0.1).exp() * v,
                ][op]())
            terms.append(pool[-1])
            total = pool[-1] if total is None else total + pool[-1]
        return total if one_by_one else engine.sum(terms)

    return function, parameters, frozen, rng


@pytest.mark.usefixtures("small_loops")
def test_fuzz_loops_against_eager_to_the_bit():
    looped = 0
    for seed in range(60):
        function, parameters, frozen, rng = repeating_program(seed)
        compiled = engine.compile(function)
        for call in range(3):
            rows = [[rng.uniform(-1.5, 1.5), rng.uniform(-1.5, 1.5)] for _ in range(rng.choice([5, 6]) if call else 5)]
            results = []
            for run in (function, compiled):
                for value in parameters:
                    value.grad = 0.0
                output = run(rows)
                output.backward()
                results.append([output.data] + [value.grad for value in parameters])
            assert all(same(e, c) for e, c in zip(*results)), (seed, call, results)
            frozen.data = rng.uniform(0.5, 1.5)
            for value in parameters:
                value.data += 0.01
        looped += " repeats of these " in compiled.source
    assert looped >= 40  # most programs have a loop (a few repeat nothing the writer can take)


@pytest.mark.usefixtures("small_loops")
@pytest.mark.parametrize("runner", ["code", "tape"])
def test_mlp_training_steps_with_loops_equal_eager(runner):
    eager_model, compiled_model = nn.MLP(3, [6, 6, 2], rng=1), nn.MLP(3, [6, 6, 2], rng=1)
    rng = random.Random(5)

    def loss_of(model):
        return lambda X, labels: nn.cross_entropy([model(x) for x in X], labels) + nn.l2(model.parameters(), 1e-3)

    compiled = engine.compile(loss_of(compiled_model), runner=runner)
    for _ in range(4):
        X = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(12)]
        labels = [rng.randrange(2) for _ in range(12)]
        losses = []
        for model, run in ((eager_model, loss_of(eager_model)), (compiled_model, compiled)):
            model.zero_grad()
            loss = run(X, labels)
            loss.backward()
            losses.append(loss.data)
            for p in model.parameters():
                p.data -= 0.1 * p.grad
        assert same(*losses)
        assert all(same(e.data, c.data) for e, c in zip(eager_model.parameters(), compiled_model.parameters()))


def test_a_parameter_read_twice_in_a_repeat_piles_up_in_eagers_order(small_loops):
    w = Value(0.5)
    compiled = engine.compile(lambda xs: engine.sum([(w * x) * w + w * w for x in xs]))
    xs = [0.1 * i - 0.3 for i in range(10)]
    result = compiled(xs)
    result.backward()
    assert " repeats of these " in compiled.source
    w_eager = Value(0.5)
    eager = engine.sum([(w_eager * x) * w_eager + w_eager * w_eager for x in xs])
    eager.backward()
    assert same(eager.data, result.data) and same(w_eager.grad, w.grad)


def test_find_runs_sees_the_period_of_a_chain():
    x = Value(0.3)
    y = x
    for _ in range(100):
        y = (y * 2.0 + 1.0).tanh()
    nodes = engine.autograd.walk(y)
    runs = loops.find_runs(nodes, [], [x])
    assert [(run.period, run.count) for run in runs] == [(3, 99)]  # the first link reads x, a leaf: not a repeat
    assert runs[0].start == 1


def hinge_program(w1, b1, w2):
    """Per sample: relu(1 - y * w2 * relu(w1 * x + b1)): a sample past the margin passes no gradient."""
    return lambda xs, ys: engine.sum([(1.0 - y * (w2 * (w1 * x + b1).relu())).relu() for x, y in zip(xs, ys)])


@pytest.mark.usefixtures("small_loops")
@pytest.mark.parametrize("xs", [
    [0.5, -0.3, 2.0, 0.1, -1.0, 3.0, 0.2, -0.7],  # some samples past the margin: their turns skip the backward
    [0.5, -0.3, math.inf, 0.1, -1.0, 3.0, 0.2, -0.7],  # past the margin, and inf below: eager's NaN, not a skip
])
def test_a_sample_past_the_margin_skips_its_backward_as_eager_skips_it(xs):
    ys = [1.0, -1.0, 1.0, 1.0, -1.0, 1.0, -1.0, 1.0]
    eager_parameters = [Value(0.8), Value(0.1), Value(1.5)]
    compiled_parameters = [Value(0.8), Value(0.1), Value(1.5)]
    eager = hinge_program(*eager_parameters)(xs, ys)
    compiled = engine.compile(hinge_program(*compiled_parameters))
    result = compiled(xs, ys)
    eager.backward()
    result.backward()
    assert " or not (" in compiled.source  # the turn's lines under the test of its gradient
    assert same(eager.data, result.data)
    assert all(same(e.grad, c.grad) for e, c in zip(eager_parameters, compiled_parameters))
    if math.inf in xs:
        assert math.isnan(compiled_parameters[2].grad)  # inf * 0 in the skipped sample: eager's NaN


@pytest.mark.usefixtures("small_loops")
@pytest.mark.parametrize("poison", [None, math.inf, -math.inf, math.nan])
def test_a_unit_that_is_off_skips_its_weights_terms_unless_a_number_under_them_is_not_finite(poison):
    """A unit whose ReLU is off passes its weights terms of 0 (skipped); inf or NaN among its inputs
    makes them NaN eagerly (0 * inf), and the compiled code then runs them too."""
    rng = random.Random(3)
    rows = [[rng.uniform(-1, 1) for _ in range(4)] for _ in range(6)]
    if poison is not None:
        rows[2][1] = poison

    def build():
        weights = [[Value(rng_w.uniform(-1, 1)) for _ in range(4)] for _ in range(3)]
        biases = [Value(-0.2), Value(0.1), Value(0.0)]
        return weights, biases

    def loss_of(weights, biases):
        def loss(rows):
            outputs = []
            for row in rows:
                hidden = [engine.dot(w, row, b).relu() for w, b in zip(weights, biases)]
                outputs.append(engine.sum(hidden) * 0.5)
            return engine.sum(outputs)
        return loss

    rng_w = random.Random(4)
    eager_parameters = build()
    rng_w = random.Random(4)
    compiled_parameters = build()
    compiled = engine.compile(loss_of(*compiled_parameters))
    result = compiled(rows)
    eager = loss_of(*eager_parameters)(rows)
    eager.backward()
    result.backward()
    assert " or not finite_turn:" in compiled.source
    flat = [p for group in eager_parameters for row in group for p in (row if isinstance(row, list) else [row])]
    flat_compiled = [p for group in compiled_parameters for row in group for p in (row if isinstance(row, list) else [row])]
    assert same(eager.data, result.data)
    assert all(same(e.grad, c.grad) for e, c in zip(flat, flat_compiled))
    if poison == math.inf or poison != poison:  # 0 * inf or 0 * NaN under a unit that is off: NaN, as eagerly
        assert any(math.isnan(p.grad) for p in flat_compiled)


# ---- found by review: turns the loss's backward never visits, code Python refuses, sum() from 3.12 ----


def eager_and_compiled(function, parameters, calls, pick=lambda result: result):
    """For each call's arguments: the output and every parameter's .grad, eager and compiled, to compare."""
    compiled = engine.compile(function)
    for arguments in calls:
        results = []
        for run in (function, compiled):
            for value in parameters:
                value.grad = 0.0
            output = pick(run(*arguments))
            output.backward()
            results.append([output.data] + [value.grad for value in parameters])
        assert all(same(e, c) for e, c in zip(*results)), (arguments, results)
    return compiled


@pytest.mark.usefixtures("small_loops")
def test_a_carried_statistic_read_through_detach_gets_no_gradient_lines():
    """Eager backward() never visits the running statistic (read through detach()): on the second
    call sqrt's derivative at 0 is inf there, and a loop that ran its lines anyway gave w.grad NaN."""
    w = Value(0.5)

    def function(xs):
        statistic, total = Value(1.0, requires_grad=False), 0.0
        for x in xs:
            statistic = statistic + (w * x).sqrt()
            total = total + (w * x) / (statistic.detach() + 1.0)
        return total

    eager_and_compiled(function, [w], [([1.0 + i for i in range(8)],), ([1.0, 2.0, 0.0, 4.0, 5.0, 6.0, 7.0, 8.0],)])


@pytest.mark.usefixtures("small_loops")
def test_the_loss_and_the_predictions_of_a_batch_it_does_not_read():
    """step returns the training loss and validation predictions: the validation samples' nodes get
    no gradient from the loss (an empty backward loop was a SyntaxError; inf in them gave NaN)."""
    model = nn.MLP(2, [4, 1], rng=0)
    rng = random.Random(0)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(6)]
    y = [rng.uniform(-1, 1) for _ in range(6)]
    validation = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(6)]
    poisoned = [row[:] for row in validation]
    poisoned[3][0] = math.inf

    def step(X, y, validation):
        return nn.mse([model(x) for x in X], y), [model(x) for x in validation]

    eager_and_compiled(step, model.parameters(), [(X, y, validation), (X, y, poisoned)], pick=lambda result: result[0])


@pytest.mark.usefixtures("small_loops")
def test_predictions_returned_as_a_list_with_nan_in_a_later_sample():
    model = nn.MLP(2, [4, 1], rng=1)
    rows = [[0.1 * i, -0.2 * i] for i in range(6)]
    poisoned = [row[:] for row in rows]
    poisoned[4][1] = math.nan
    eager_and_compiled(lambda X: [model(x) for x in X], model.parameters(), [(rows,), (poisoned,)],
                       pick=lambda result: result[0])


@pytest.mark.usefixtures("small_loops")
def test_a_wide_dot_in_a_loop_compiles():
    """A dot of 3,000 products written as one chain of + is too deep for Python's compile()."""
    rng = random.Random(1)
    weights = [Value(rng.uniform(-0.01, 0.01)) for _ in range(3000)]
    rows = [[rng.uniform(-1, 1) for _ in range(3000)] for _ in range(3)]
    compiled = eager_and_compiled(lambda X: engine.sum([engine.dot(weights, x).sigmoid() for x in X]), weights, [(rows,)])
    assert " repeats of these " in compiled.source


@pytest.mark.usefixtures("small_loops")
def test_sums_in_a_loop_add_as_sum_does_with_cancellation():
    """From Python 3.12 sum() of floats compensates: a loop's dot must be summed as engine.dot sums it."""
    weights = [Value(1.0), Value(1.0), Value(1.0)]
    eager_and_compiled(lambda X: engine.sum([engine.dot(weights, x) for x in X]), weights,
                       [([[1.0, 1.0, 1.0]] * 8,), ([[1e16, 1.0, -1e16]] * 8,)])
