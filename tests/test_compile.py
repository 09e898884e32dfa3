"""engine.compile against eager: the same values and gradients (to 1e-12), re-tracing, refusals."""

import math
import random
import re
import runpy
from pathlib import Path

import pytest

import engine
import nn
from engine import TraceError, Value
from engine.value import tracked_copy


def close(a, b, tolerance=1e-12):
    return a == b or math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance) or (a != a and b != b)


def assert_same(eager, compiled, eager_parameters, compiled_parameters):
    assert close(eager.data, compiled.data), (eager.data, compiled.data)
    for index, (p, q) in enumerate(zip(eager_parameters, compiled_parameters)):
        assert close(p.grad, q.grad), (index, p.grad, q.grad)


def twin_parameters(count, rng):
    numbers = [rng.uniform(-1.5, 1.5) for _ in range(count)]
    return [Value(n, label=f"w{i}") for i, n in enumerate(numbers)], [Value(n, label=f"w{i}") for i, n in enumerate(numbers)]


# ---- random expressions over every op of the op table ---------------------------------------


def positive(v):
    return v * v + 0.5


UNARY = {
    "neg": lambda v: -v,
    "exp": lambda v: engine.exp(v * 0.3),
    "log": lambda v: engine.log(positive(v)),
    "sqrt": lambda v: engine.sqrt(positive(v)),
    "tanh": engine.tanh,
    "sigmoid": engine.sigmoid,
    "softplus": lambda v: v.softplus(),
    "relu": lambda v: v.relu(),
    "abs": abs,
    "sin": engine.sin,
    "cos": engine.cos,
    "leaky_relu": lambda v: v.leaky_relu(0.1),
    "copy": tracked_copy,
    "**": lambda v: v ** 2,
    "**3": lambda v: v ** 3.0,
}
BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / positive(b),
    "**": lambda a, b: positive(a) ** (b * 0.5),
    "r-": lambda a, b: 1.5 - a,
    "r/": lambda a, b: 2.0 / positive(a),
}
NARY = {
    "sum": lambda values: engine.sum(values),
    "dot": lambda values: engine.dot(values[: len(values) // 2], values[len(values) // 2 : 2 * (len(values) // 2)],
                                     bias=values[-1]),
    "max": lambda values: engine.max(values),
}
GROWING = {"exp", "**", "**3", "*", "/", "r/", "dot", "sum", "+", "-", "r-"}
assert {name.rstrip("3") for name in UNARY} | set(BINARY) | set(NARY) >= set(engine.OPS)


def random_expression(seed):
    """A function of (parameters, inputs) using every op at least once, in a random order."""
    rng = random.Random(seed)
    plan = [("u", name) for name in UNARY] + [("b", name) for name in BINARY] + [("n", name) for name in NARY]
    plan += [(kind, name) for kind, name in rng.sample(plan, 12)]
    rng.shuffle(plan)
    choices = [(kind, name, rng.random(), rng.random(), rng.randrange(3, 6)) for kind, name in plan]

    def function(parameters, inputs):
        pool = [*parameters, *(x * p for x, p in zip(inputs, parameters))]
        for kind, name, first, second, width in choices:
            a, b = pool[int(first * len(pool))], pool[int(second * len(pool))]
            if kind == "u":
                pool.append(UNARY[name](a))
            elif kind == "b":
                pool.append(BINARY[name](a, b))
            else:
                start = int(first * (len(pool) - width))
                pool.append(NARY[name](pool[start : start + width]))
            if name in GROWING:  # keep the numbers in range (decided by the plan, never by a traced number)
                pool[-1] = engine.tanh(pool[-1])
        return engine.sum(pool[-6:]) + pool[-1] * pool[-2]

    return function


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("runner", ["code", "tape"])
def test_random_expressions_over_every_op(seed, runner):
    rng = random.Random(seed)
    eager_parameters, compiled_parameters = twin_parameters(4, rng)
    function = random_expression(seed)
    compiled = engine.compile(function, runner=runner)
    for call in range(3):  # new inputs and changed parameters on every call
        inputs = [rng.uniform(-2, 2) for _ in range(4)]
        eager = function(eager_parameters, [Value(x, requires_grad=False) for x in inputs])
        result = compiled(compiled_parameters, inputs)
        eager.backward()
        result.backward()
        assert_same(eager, result, eager_parameters, compiled_parameters)
        for p, q in zip(eager_parameters, compiled_parameters):
            p.data -= 0.1 * p.grad
            q.data -= 0.1 * q.grad
    assert compiled.traces == 1


# ---- nn: losses, MLPs with each activation, training ----------------------------------------


def twin_models(nin, sizes, activation="relu", seed=0):
    return nn.MLP(nin, sizes, activation=activation, rng=seed), nn.MLP(nin, sizes, activation=activation, rng=seed)


def data(count, nin, seed=0):
    rng = random.Random(seed)
    return [[rng.uniform(-1, 1) for _ in range(nin)] for _ in range(count)]


LOSSES = {
    "mse": (1, lambda model, X, t: nn.mse([model(x) for x in X], t), lambda rng, n: [rng.uniform(-1, 1) for _ in range(n)]),
    "quadratic_cost": (3, lambda model, X, t: nn.quadratic_cost([model(x) for x in X], t),
                       lambda rng, n: [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(n)]),
    "hinge": (1, lambda model, X, t: nn.hinge([model(x) for x in X], t),
              lambda rng, n: [rng.choice([-1.0, 1.0]) for _ in range(n)]),
    "binary_cross_entropy": (1, lambda model, X, t: nn.binary_cross_entropy([model(x) for x in X], t),
                             lambda rng, n: [float(rng.randrange(2)) for _ in range(n)]),
    "cross_entropy": (4, lambda model, X, t: nn.cross_entropy([model(x) for x in X], t),
                      lambda rng, n: [rng.randrange(4) for _ in range(n)]),
    "cross_entropy_one_hot": (4, lambda model, X, t: engine.sum(
        [engine.dot(row, nn.log_softmax(model(x))) for x, row in zip(X, t)]) * (-1.0 / len(X)),
        lambda rng, n: [[1.0 if k == rng.randrange(4) else 0.0 for k in range(4)] for _ in range(n)]),
    "softmax_mse": (3, lambda model, X, t: nn.mse([nn.softmax(model(x))[0] for x in X], t),
                    lambda rng, n: [rng.uniform(0, 1) for _ in range(n)]),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_nn_loss(name):
    outputs, loss, targets_of = LOSSES[name]
    eager_model, compiled_model = twin_models(3, [5, outputs], seed=1)
    rng = random.Random(2)

    def with_l2(model):
        return lambda X, t: loss(model, X, t) + nn.l2(model.parameters(), 1e-3)

    compiled = engine.compile(with_l2(compiled_model))
    for call in range(2):
        X, targets = data(6, 3, seed=call), targets_of(rng, 6)
        eager_model.zero_grad()
        compiled_model.zero_grad()
        eager, result = with_l2(eager_model)(X, targets), compiled(X, targets)
        eager.backward()
        result.backward()
        assert_same(eager, result, eager_model.parameters(), compiled_model.parameters())


@pytest.mark.parametrize("activation", nn.ACTIVATIONS)
def test_mlp_training_with_each_activation(activation):
    """Several SGD steps: the parameters change between calls; the losses and parameters stay equal."""
    eager_model, compiled_model = twin_models(2, [8, 8, 1], activation, seed=3)
    X = data(20, 2, seed=4)
    labels = [1.0 if x[0] * x[1] > 0 else -1.0 for x in X]

    def loss_of(model):
        return lambda X, labels: nn.hinge([model(x) for x in X], labels) + nn.l2(model.parameters(), 1e-4)

    compiled = engine.compile(loss_of(compiled_model))
    optimizers = [nn.SGD(model.parameters(), lr=0.1) for model in (eager_model, compiled_model)]
    for _ in range(5):
        losses = [loss_of(eager_model)(X, labels), compiled(X, labels)]
        for loss, optimizer in zip(losses, optimizers):
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        assert close(losses[0].data, losses[1].data)
        for p, q in zip(eager_model.parameters(), compiled_model.parameters()):
            assert close(p.data, q.data)
    assert compiled.traces == 1


def test_adam_and_extra_outputs():
    """fn may return (loss, other Values): those come back differentiable too, as eagerly."""
    eager_model, compiled_model = twin_models(2, [4, 3], seed=5)
    X, y = data(8, 2, seed=6), [k % 3 for k in range(8)]

    def loss_of(model):
        def function(X, y):
            scores = [model(x) for x in X]
            return nn.cross_entropy(scores, y), scores
        return function

    compiled = engine.compile(loss_of(compiled_model))
    optimizers = [nn.Adam(model.parameters(), lr=0.05) for model in (eager_model, compiled_model)]
    for _ in range(3):
        (eager, eager_scores), (result, scores) = loss_of(eager_model)(X, y), compiled(X, y)
        assert all(close(s.data, t.data) for row, eager_row in zip(scores, eager_scores) for s, t in zip(row, eager_row))
        assert scores[0][0].requires_grad and scores[0][0].op == "compiled"
        for loss, optimizer in zip((eager, result), optimizers):
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        assert close(eager.data, result.data)


# ---- accumulation, create_graph, no_grad, the output as a Value -----------------------------


def test_two_backward_calls_accumulate_as_eager():
    a, b = Value(0.7), Value(-0.3)
    a2, b2 = Value(0.7), Value(-0.3)
    function = lambda x: (a * x + b).tanh() * a  # noqa: E731
    compiled = engine.compile(lambda x: (a2 * x + b2).tanh() * a2)
    eager, result = function(1.5), compiled(1.5)
    for _ in range(2):
        eager.backward()
        result.backward()
    assert (a.grad, b.grad) == (a2.grad, b2.grad)
    once = Value(0.7)
    single = engine.compile(lambda x: (once * x).tanh())(1.5)
    single.backward()
    assert a2.grad != 0 and once.grad * 0 == 0


def test_output_takes_part_in_further_ops_and_seeds():
    w = Value(1.3)
    compiled = engine.compile(lambda x: (w * x).sin())
    out = compiled(0.4)
    (out * 3.0 + 1.0).backward()
    assert close(w.grad, 3.0 * math.cos(1.3 * 0.4) * 0.4)
    assert out.op == "compiled" and out.parents == (w,)


def test_create_graph_through_a_compiled_output_works():
    w = Value(0.8)
    compiled = engine.compile(lambda x: (w * x).tanh() * w)
    out = compiled(1.7)
    out.backward(create_graph=True)
    first = w.grad
    w.zero_grad()
    first.backward()
    v = Value(0.8)
    eager = (v * 1.7).tanh() * v
    eager.backward(create_graph=True)
    eager_first = v.grad
    v.zero_grad()
    eager_first.backward()
    assert close(first.data, eager_first.data) and close(w.grad, v.grad)


def test_no_grad_runs_the_forward_only():
    w = Value(2.0)
    compiled = engine.compile(lambda x: w * x)
    with engine.no_grad():
        out = compiled(3.0)
    assert out.data == 6.0 and not out.requires_grad


def test_value_arguments_are_read_each_call():
    compiled = engine.compile(lambda a, b: (a * b).exp())
    for number in (0.5, -0.25):
        a, b = Value(number), Value(2.0)
        out = compiled(a, b)
        out.backward()
        assert close(a.grad, 2.0 * math.exp(2.0 * number)) and close(b.grad, number * math.exp(2.0 * number))
    assert compiled.traces == 1


# ---- re-tracing on a change of structure ----------------------------------------------------


def test_retrace_on_lengths_integers_closures_and_frozen_parameters():
    model = nn.MLP(2, [3, 4], rng=0)
    parameters = model.parameters()
    scale = 1.0

    def loss(X, y):
        return nn.cross_entropy([model(x) for x in X], y) * scale

    compiled = engine.compile(loss)

    def check(X, y):
        model.zero_grad()
        result = compiled(X, y)
        result.backward()
        got = [p.grad for p in parameters]
        model.zero_grad()
        eager = loss(X, y)
        eager.backward()
        assert close(result.data, eager.data)
        assert all(close(g, p.grad) for g, p in zip(got, parameters))
        return got

    X = data(4, 2)
    check(X, [0, 1, 2, 3])
    check(X, [0, 1, 2, 3])
    assert compiled.traces == 1
    check(X, [3, 2, 1, 0])  # integers are structure: a class index picks the logit
    assert compiled.traces == 2
    check(X[:3], [0, 1, 2])  # a different length
    assert compiled.traces == 3
    scale = 2.0  # a number the function closes over
    check(X, [0, 1, 2, 3])
    assert compiled.traces == 4
    parameters[0].requires_grad = False  # a parameter frozen
    parameters[0].grad = 0.0
    assert check(X, [0, 1, 2, 3])[0] == 0.0
    assert compiled.traces == 5


def test_inputs_are_not_baked_in():
    w = Value(1.0)
    compiled = engine.compile(lambda x, y: w * x - y)  # -y of an input stays an op of the trace
    assert compiled(2.0, 1.0).data == 1.0
    assert compiled(3.0, 5.0).data == -2.0
    assert compiled.traces == 1


def test_too_many_structures_run_eagerly_with_a_warning():
    w = Value(1.0)
    compiled = engine.compile(lambda xs: engine.sum(xs) * w, max_traces=2)
    compiled([1.0])
    compiled([1.0, 2.0])
    with pytest.warns(RuntimeWarning, match="running it eagerly"):
        out = compiled([1.0, 2.0, 3.0])
    assert out.data == 6.0
    out.backward()
    assert w.grad == 6.0


# ---- refusals ---------------------------------------------------------------------------------


def branchy(x):
    y = x * 2.0
    if y > 0:  # value-dependent control flow
        return y
    return -y


@pytest.mark.parametrize("function, what", [
    (branchy, "comparison"),
    (lambda x: x * 2.0 if x else x, "branch on a Value"),
    (lambda x: Value(float(x)) * 2.0, "float(v)"),
    (lambda x: (x * 2.0).item() * x, "item()"),
])
def test_value_dependent_control_flow_is_refused_naming_the_line(function, what):
    with pytest.raises(TraceError, match=re.escape(what)) as error:
        engine.compile(function)(1.0)
    assert "test_compile.py" in str(error.value) and "engine.max" in str(error.value)


def test_no_grad_inside_a_trace_is_refused():
    w = Value(2.0)

    def function(x):
        with engine.no_grad():
            scale = w * x
        return w * scale

    with pytest.raises(TraceError, match="no_grad"):
        engine.compile(function)(1.0)
    assert not engine.modes.threads_without_grad  # the mode was left as it was


def test_a_method_compiled_as_a_decorator():
    class Model:
        def __init__(self, number):
            self.w = Value(number)

        @engine.compile
        def loss(self, x):
            return (self.w * x).tanh()

    first, second = Model(0.5), Model(-1.0)
    out = first.loss(2.0)
    out.backward()
    assert close(out.data, math.tanh(1.0)) and close(first.w.grad, 2.0 * (1 - math.tanh(1.0) ** 2))
    assert close(second.loss(2.0).data, math.tanh(-2.0))


def test_bad_arguments_and_outputs():
    with pytest.raises(TypeError, match="needs a function"):
        engine.compile(3)
    with pytest.raises(ValueError, match="runner"):
        engine.compile(abs, runner="fast")
    w = Value(1.0)
    with pytest.raises(TypeError, match="made by op"):
        engine.compile(lambda v: v * 2.0)(w * 3.0)
    with pytest.raises(TypeError, match="must return a Value"):
        engine.compile(lambda x: "loss")(1.0)
    with pytest.raises(TraceError, match="call the compiled function once"):
        engine.compile(abs).source


# ---- users' ops and the generated code ----------------------------------------------------


softsign = engine.Op("softsign", lambda x: x / (1 + abs(x)), lambda x, y: 1 / (1 + abs(x)) ** 2)
gelu = engine.Op("gelu", lambda x: 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0))),
                 lambda x, y: 0.5 * (1.0 + math.erf(number(x) / math.sqrt(2.0)))
                 + x * engine.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi))
clamp = engine.Op("clamp", lambda x, low, high: min(max(x, low), high),
                  lambda x, low, high, y: (1.0 if low < number(x) < high else 0.0, 0.0, 0.0))
number = engine.number


@pytest.mark.parametrize("runner", ["code", "tape"])
def test_users_ops(runner):
    w1, w2 = twin_parameters(3, random.Random(7))

    def function(w, x):
        return softsign(w[0] * x) + gelu(w[1] - x) * clamp(w[2] * x, -0.5, 0.5)

    compiled = engine.compile(function, runner=runner)
    for x in (0.3, -1.2, 2.0):
        for p, q in zip(w1, w2):
            p.grad = q.grad = 0.0
        eager, result = function(w1, Value(x, requires_grad=False)), compiled(w2, x)
        eager.backward()
        result.backward()
        assert_same(eager, result, w1, w2)
    if runner == "code":
        assert "softsign" in compiled.source and "gelu(" in compiled.source


def test_source_reads_like_backprop_by_hand():
    x1, w1, b = Value(2.0, label="x1"), Value(-3.0, label="w1"), Value(6.88, label="b")
    compiled = engine.compile(lambda: (x1 * w1 + b).tanh())
    compiled().backward()
    source = compiled.source
    forward, backward = source.split("# backward", 1)
    assert "x1, w1, b = map(data_of, values)" in forward and "tanh(" in forward and "grad_" in backward
    assert "relu" not in source
    relu = engine.compile(lambda: (x1 * w1 + b).relu() * (x1 - 1.0).relu())
    relu().backward()
    forward, backward = relu.source.split("# backward", 1)
    assert " if " in forward and "> 0.0)" in backward  # relu's branch runs inside the code, both ways


def test_tape_and_code_agree_on_a_larger_graph():
    model = nn.MLP(3, [6, 6, 2], activation="tanh", rng=8)
    X, y = data(10, 3, seed=9), [k % 2 for k in range(10)]
    loss = lambda X, y: nn.cross_entropy([model(x) for x in X], y)  # noqa: E731
    results = []
    for runner in ("code", "tape"):
        model.zero_grad()
        out = engine.compile(loss, runner=runner)(X, y)
        out.backward()
        results.append([out.data] + [p.grad for p in model.parameters()])
    assert all(close(a, b) for a, b in zip(*results))


def test_digits_example_trains_through_compile():
    """docs/examples/digits.py (scikit-learn's digits, MLP(64, [32, 10])), shortened: one trace, eager's losses."""
    pytest.importorskip("sklearn")
    example = Path(__file__).resolve().parent.parent / "docs" / "examples" / "digits.py"
    numbers = runpy.run_path(str(example))["main"](epochs=2, eager_steps=3, quiet=True)
    assert numbers["traces"] == 1 and numbers["difference"] <= 1e-12
    assert numbers["accuracy"] >= 0.9, numbers["accuracy"]


def test_auto_takes_the_tape_for_big_graphs(monkeypatch):
    import sys

    monkeypatch.setattr(sys.modules["engine.compile"], "CODE_LIMIT", 5)
    w = Value(0.3)
    small = engine.compile(lambda x: w * x)
    chain = engine.compile(lambda x: ((w * x).tanh() * w + x).sin() * w)  # one- and two-operand nodes: code
    big = engine.compile(lambda x: engine.sum([engine.dot([w, w], [x, x * 2.0]) for _ in range(6)]))  # dots: tape
    small(1.0), chain(1.0), big(1.0)
    assert small.source.startswith("def step") and chain.source.startswith("def step")
    assert big.source.startswith("# engine.compile's tape runner")


def test_no_graph_outlives_its_call(count_values):
    """The trace's graph is freed once compiled; each call leaves one node, freed with its output."""
    before = count_values()  # Values other tests' modules hold
    model = nn.MLP(2, [4, 1], rng=0)
    compiled = engine.compile(lambda X: engine.sum([model(x) for x in X]))
    X = data(5, 2)
    out = compiled(X)
    out.backward()
    del out
    baseline = count_values()
    for _ in range(3):
        out = compiled(X)
        out.backward()
    del out
    assert count_values() == baseline == before + len(model.parameters())


def test_keyword_arguments_and_numpy_arrays_are_inputs():
    numpy = pytest.importorskip("numpy")
    w = Value(0.5)
    compiled = engine.compile(lambda X, scale=1.0: engine.sum([w * x for x in X]) * scale)
    assert close(compiled(numpy.array([1.0, 2.0]), scale=2.0).data, 3.0)
    assert close(compiled(numpy.array([3.0, 4.0]), scale=0.5).data, 1.75)
    assert compiled.traces == 1
    compiled(numpy.array([1.0, 2.0, 3.0]), scale=1.0)
    assert compiled.traces == 2


def test_domain_errors_are_raised_inside_the_compiled_code():
    w = Value(1.0)
    compiled = engine.compile(lambda x: (w * x).log() + (w / x))
    assert close(compiled(2.0).data, math.log(2.0) + 0.5)
    with pytest.raises(ValueError, match="log needs x > 0"):
        compiled(-1.0)
    divide = engine.compile(lambda x: w / x)
    assert divide(4.0).data == 0.25
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        divide(0.0)  # traced at 4.0; the compiled code raises as eager does
    assert divide.traces == 1


def test_a_compiled_function_inside_another_is_traced_into_it():
    w = Value(0.7)
    inner = engine.compile(lambda x: (w * x).tanh())
    outer = engine.compile(lambda x: inner(x) * inner(x * 2.0))
    out = outer(0.5)
    out.backward()
    v = Value(0.7)
    eager = (v * 0.5).tanh() * (v * 1.0).tanh()
    eager.backward()
    assert close(out.data, eager.data) and close(w.grad, v.grad)
    assert inner.traces == 0 and outer.traces == 1


def test_threads_share_a_compiled_function():
    import threading

    w = Value(0.9)
    compiled = engine.compile(lambda x: (w * x).tanh() * x)
    results, errors = {}, []

    def work(offset):
        try:
            with engine.no_grad():  # forward only: the threads share w, whose .grad backward would race on
                results[offset] = [compiled(offset + 0.01 * k).data for k in range(50)]
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(offset,)) for offset in (0.0, 1.0, 2.0)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for offset, numbers in results.items():
        assert numbers == [math.tanh(0.9 * (offset + 0.01 * k)) * (offset + 0.01 * k) for k in range(50)]
