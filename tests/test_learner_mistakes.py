"""Issue 21: the mistakes learners make every week get a clear signal (a typed error or a warning that
names the fix), while micrograd's demo, Karpathy's lecture and micrograd's own tests run without a
single warning. Then the last silent corners, and tests the suite lacked (each checked by hand to fail
under a deliberate mutation of the code it guards)."""

from __future__ import annotations

import builtins
import copy
import math
import pickle
import random
import warnings

import pytest

import engine
import nn
from engine import LostGradientWarning, RebindingWarning, Value

numpy = pytest.importorskip("numpy")


@pytest.fixture
def strict():
    """Every warning is an error inside the test (the demo and the lecture must give none)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ---- micrograd's demo, Karpathy's lecture and micrograd's tests: no warning ----------------------


def test_micrograd_demo_notebook_runs_without_a_warning(strict):
    """micrograd's demo.ipynb (loss, training loop, decision boundary), as written, on a smaller
    dataset: numpy labels y*2 - 1, list(map(Value, xrow)), builtin sum, p.data -= lr * p.grad."""
    X, labels = nn.make_moons(20, noise=0.1, seed=1337)
    X, y = numpy.array(X), numpy.array(labels)
    y = y * 2 - 1  # make y be -1 or 1
    random.seed(1337)
    model = nn.MLP(2, [16, 16, 1])  # 2-layer neural network

    def loss(batch_size=None):
        Xb, yb = X, y
        inputs = [list(map(Value, xrow)) for xrow in Xb]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum((p * p for p in model.parameters()))
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    first = None
    for k in range(5):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        first = total_loss.data if first is None else first
    assert total_loss.data < first
    inputs = [list(map(Value, xrow)) for xrow in numpy.c_[numpy.array([0.0, 1.0]), numpy.array([0.5, -0.5])]]
    Z = numpy.array([s.data > 0 for s in map(model, inputs)])
    assert Z.shape == (2,)


def test_karpathys_lecture_runs_without_a_warning(strict):
    """The lecture's expressions, manual backprop, nudges of .data, tanh written out, and its own
    Neuron/Layer/MLP trained with builtin sum and p.data += -0.1 * p.grad (nn-zero-to-hero,
    lectures/micrograd, both halves)."""
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b; e.label = "e"  # noqa: E702
    d = e + c; d.label = "d"  # noqa: E702
    f = Value(-2.0, label="f")
    L = d * f; L.label = "L"  # noqa: E702
    L.backward()
    a.data += 0.01 * a.grad
    b.data += 0.01 * b.grad
    c.data += 0.01 * c.grad
    f.data += 0.01 * f.grad
    assert (a * b + c) * f > L.data  # a step up the gradient raises L
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    o.backward()
    assert x1.grad == pytest.approx(-1.5, abs=1e-6) and w1.grad == pytest.approx(1.0, abs=1e-6)

    class Neuron:
        def __init__(self, nin):
            self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
            self.b = Value(random.uniform(-1, 1))

        def __call__(self, x):
            act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
            return act.tanh()

        def parameters(self):
            return self.w + [self.b]

    class Layer:
        def __init__(self, nin, nout):
            self.neurons = [Neuron(nin) for _ in range(nout)]

        def __call__(self, x):
            outs = [n(x) for n in self.neurons]
            return outs[0] if len(outs) == 1 else outs

        def parameters(self):
            return [p for neuron in self.neurons for p in neuron.parameters()]

    class MLP:
        def __init__(self, nin, nouts):
            sz = [nin] + nouts
            self.layers = [Layer(sz[i], sz[i + 1]) for i in range(len(nouts))]

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

        def parameters(self):
            return [p for layer in self.layers for p in layer.parameters()]

    random.seed(0)
    n = MLP(3, [4, 4, 1])
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    losses = []
    for k in range(10):
        ypred = [n(x) for x in xs]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
        for p in n.parameters():
            p.grad = 0.0
        loss.backward()
        for p in n.parameters():
            p.data += -0.1 * p.grad
        losses.append(loss.data)
    assert losses[-1] < losses[0] / 2


def test_micrograds_own_tests_run_without_a_warning(strict):
    """micrograd's test_more_ops: += on Values made by ops builds the graph, with no warning."""
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    assert g.data == pytest.approx(24.70408163265306) and a.grad == pytest.approx(138.83381924198252)
    total = Value(0.0)  # an accumulator: += of Values is a graph being built, not an update
    for item in (a, b, c):
        total += item
    total = total + 1.0
    assert total.data == a.data + b.data + c.data + 1.0


# ---- p -= lr * p.grad ---------------------------------------------------------------------------


def test_rebinding_a_parameter_warns_with_the_fix():
    model = nn.MLP(2, [3, 1], rng=0)
    before = [p.data for p in model.parameters()]
    loss = (model([1.0, 2.0]) - 1.0) ** 2
    loss.backward()
    with pytest.warns(RebindingWarning, match=r"p.data -= lr \* p.grad") as caught:
        for p in model.parameters():
            p -= 0.1 * p.grad
    assert [p.data for p in model.parameters()] == before  # what the mistake does: nothing is trained
    assert len([w for w in caught if w.category is RebindingWarning]) >= 1
    assert caught[0].filename == __file__  # the warning names the learner's line
    for symbol, update in (("+", lambda p: p.__iadd__(0.1)), ("*", lambda p: p.__imul__(0.9)),
                           ("/", lambda p: p.__itruediv__(2.0))):
        with pytest.warns(RebindingWarning, match=rf"p.data \{symbol}= lr"):
            update(Value(1.0))


def test_in_place_ops_that_build_graphs_do_not_warn(strict):
    x = Value(2.0)
    total = x * 1.0
    total -= 0.5  # a Value made by ops: a graph being built
    frozen = Value(3.0, requires_grad=False)
    frozen -= 1.0  # not tracked: not a parameter
    leaf = Value(1.0)
    leaf += x  # a tracked Value added: an accumulation
    assert (total.data, frozen.data, leaf.data) == (1.5, 2.0, 3.0)


# ---- .data takes numbers only ---------------------------------------------------------------------


@pytest.mark.parametrize("where", ["binary", "dot", "no_grad", "tanh", "exp"])
def test_a_value_stored_in_data_is_refused_with_the_fix(where):
    """Met by the next backward() at the latest (a root whose number is a Value), or by the first op
    whose forward reads it as a float (tanh): .data is a slot, so setting it is not checked."""
    model = nn.MLP(2, [3, 1], activation="tanh" if where == "tanh" else "relu", rng=0)
    p = model.parameters()[0] if where == "tanh" else model.parameters()[-1]  # tanh: a first-layer weight
    if where == "no_grad":
        with engine.no_grad():
            p.data -= 0.1 * p  # the .grad forgotten: an untracked Value lands in .data
    else:
        p.data -= 0.1 * p  # the .grad forgotten: a Value lands in .data
    with pytest.raises(TypeError, match=r"a Value was stored in \.data.*p\.data -= lr \* p\.grad"):
        if where == "binary":
            (p * 2.0).backward()
        elif where == "exp":
            p.exp()  # engine.ops' forward reads it with math.exp
        else:
            (model([1.0, 2.0]) - 1.0).backward()


# ---- .grad = None --------------------------------------------------------------------------------


def test_a_gradient_of_none_counts_as_zero():
    x = Value(3.0)
    x.grad = None
    (x * x + x).backward()
    assert x.grad == 7.0
    x.grad = None
    x.backward()  # a leaf as the root
    assert x.grad == 1.0
    a, b = Value(1.0), Value(2.0)
    a.grad = None
    engine.sum([b, a, a * b]).backward()  # n-ary: the None is met mid-node, after b's edge
    assert (a.grad, b.grad) == (3.0, 2.0)
    a.grad = b.grad = None
    engine.dot([a, b], [b, a]).backward(create_graph=True)
    assert (a.grad.data, b.grad.data) == (4.0, 2.0)
    x.grad = None
    assert engine.gradients(x * x, [x]) == [6.0] and x.grad is None  # torch.autograd.grad: .grad untouched


def test_a_none_gradient_is_mended_only_when_it_is_the_cause():
    broken = Value(1.0)
    node = broken * 2.0
    node._first_local = "not a number"  # a TypeError of another kind: raised, not swallowed
    with pytest.raises(TypeError):
        node.backward()


def train(set_to_none, steps=3):
    model = nn.MLP(2, [4, 4, 1], rng=1)  # relu: some neurons are off, their dot nodes skipped
    optimizer = nn.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=0.1)
    for step in range(steps):
        optimizer.zero_grad(set_to_none=set_to_none)
        loss = nn.mse([model(x) for x in ([1.0, -2.0], [0.5, 0.3])], [1.0, -1.0])
        loss.backward()
        optimizer.step()
    return model


def test_zero_grad_set_to_none_sets_none_and_trains_as_zeros_do():
    model = nn.MLP(2, [3, 1], rng=0)
    model.zero_grad(set_to_none=True)
    assert all(p.grad is None for p in model.parameters())
    assert train(True).state_dict() == train(False).state_dict()  # momentum and weight decay included
    with pytest.raises(TypeError, match="set_to_none"):
        model.zero_grad(set_to_none="yes")


def test_a_parameter_backward_never_reaches_keeps_none_and_is_not_moved():
    used, unused = Value(1.0), Value(5.0)
    optimizer = nn.SGD([used, unused], lr=0.1, weight_decay=0.5)
    optimizer.zero_grad(set_to_none=True)
    (used * 3.0).backward()
    optimizer.step()
    assert used.grad == 3.0 and unused.grad is None and unused.data == 5.0  # as torch: skipped


def test_compile_viz_and_clipping_take_none_gradients():
    f = engine.compile(lambda u, v: (u * v).tanh())
    u, v = Value(0.5), Value(0.2)
    u.grad = v.grad = None
    out = f(u, v)
    out.backward()
    assert u.grad == pytest.approx(0.2 * (1 - math.tanh(0.1) ** 2))
    u.grad = None
    assert nn.utils.clip_grad_norm_([u, v], 1.0) == pytest.approx(abs(v.grad))
    viz = pytest.importorskip("viz")
    assert "None" in viz.format_number(None) and "None" in viz.format_short(None)
    x = Value(1.0, label="x")
    y = (x * 2.0).relu()
    x.grad = None
    assert "x" in viz.draw(y).source  # drawn, gradient shown as None
    model = nn.MLP(2, [2, 1], rng=0)
    root = model([1.0, 1.0])
    model.zero_grad(set_to_none=True)
    viz.draw_layers(root, model)


# ---- a tracked Value read as a float ---------------------------------------------------------------


def test_a_lost_gradient_is_said_once_per_line():
    x = Value(1.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        for _ in range(5):
            y = x * math.exp(x)  # e where 2e is right
        z = math.tanh(x)  # another line
    lost = [w for w in caught if w.category is LostGradientWarning]
    assert len(lost) == 2 and {w.lineno for w in lost} == {lost[0].lineno, lost[1].lineno}
    assert lost[0].filename == __file__ and "x * math.exp(x) gives d/dx = e, not 2e" in str(lost[0].message)
    y.backward()
    assert x.grad == pytest.approx(math.e)  # the mistake's number, now said
    assert z == pytest.approx(math.tanh(1.0))


def test_reading_numbers_on_purpose_does_not_warn(strict):
    x = Value(1.0)
    assert x.data == 1.0 and x.item() == 1.0 and f"{x:.2f}" == "1.00"
    with engine.no_grad():
        assert math.exp(x) == math.e
    assert float(x.detach()) == 1.0 and float(Value(2.0, requires_grad=False)) == 2.0
    assert x < 2 and x == 1.0  # comparisons: derivative 0, as for numbers


# ---- torch habits ------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda: nn.MLP(2, [3, 1], rng=0), lambda: nn.Layer(2, 3, rng=0),
                                  lambda: nn.Neuron(2, rng=0), lambda: nn.Linear(2, 1, rng=0),
                                  lambda: nn.Sequential(nn.Linear(2, 3, rng=0), nn.ReLU(), nn.Linear(3, 1, rng=0))])
@pytest.mark.parametrize("size", [5, 2])  # a batch of 5; a batch of 2 the size of one sample
def test_a_whole_batch_names_the_loop(make, size):
    X = [[0.1 * i, -0.2 * i] for i in range(size)]
    with pytest.raises(ValueError, match=rf"got {size} items each of length 2: a batch\?.*\[model\(x\) for x in X\]"):
        make()(X)
    with pytest.raises(ValueError, match=r"batch"):
        make()(numpy.array(X))


def test_mse_of_lists_points_to_the_first_element():
    model = nn.Sequential(nn.Linear(2, 1, rng=0))
    outputs = [model([1.0, 2.0]), model([0.0, 1.0])]
    with pytest.raises(TypeError, match=r"predictions\[0\] is a list of 1.*\[p\[0\] for p in predictions\]"):
        nn.mse(outputs, [1.0, 0.0])
    with pytest.raises(TypeError, match=r"targets\[0\] is a list of 1"):
        nn.mse([out[0] for out in outputs], [[1.0], [0.0]])
    assert nn.mse([out[0] for out in outputs], [1.0, 0.0]).data > 0


def test_loss_modules_and_functional_as_in_torch():
    import nn.functional as F

    predictions, targets = [Value(1.0), Value(3.0)], [0.0, 1.0]
    assert nn.MSELoss()(predictions, targets).data == nn.mse(predictions, targets).data == F.mse_loss(predictions, targets).data
    assert nn.MSELoss(reduction="sum")(predictions, targets).data == 5.0
    logits = [[Value(1.0), Value(2.0)], [Value(0.5), Value(-1.0)]]
    assert nn.CrossEntropyLoss()(logits, [1, 0]).data == F.cross_entropy(logits, [1, 0]).data
    scores = [Value(0.3), Value(-2.0)]
    assert nn.BCEWithLogitsLoss()(scores, [1.0, 0.0]).data == F.binary_cross_entropy_with_logits(scores, [1.0, 0.0]).data
    assert not hasattr(F, "binary_cross_entropy")  # torch's takes probabilities; ours logits: not offered
    assert repr(nn.CrossEntropyLoss(reduction="sum")) == "CrossEntropyLoss(reduction='sum')"
    with pytest.raises(ValueError, match=r"reduction='none'.*for one loss per sample"):
        nn.MSELoss(reduction="none")


@pytest.mark.parametrize("module", ["engine", "nn", "viz", "chaingrad"])
def test_star_imports_leave_the_builtins_alone(module):
    namespace: dict = {}
    exec(f"from {module} import *", namespace)
    assert not (set(namespace) - {"__builtins__"}) & set(dir(builtins))
    exec("total = sum([1, 2, 3]); largest = max([1, 3])", namespace)
    assert namespace["total"] == 6 and type(namespace["total"]) is int and namespace["largest"] == 3
    if module == "engine":
        assert engine.sum([1.0, 2.0]).data == 3.0 and engine.max([1.0, 2.0]).data == 2.0  # by name


def test_equality_with_a_number_compares_numbers_and_values_stay_identities():
    a, b = Value(2.0), Value(2.0)
    assert a == 2 and a == 2.0 and 2 == a and a != 3 and not (a != 2)  # as torch's t == 2
    assert a != b and not (a == b) and a == a  # two Values: the same one, or not
    assert len({a, b}) == 2 and {a: 1, b: 2}[b] == 2 and hash(a) != hash(b)
    assert [b, a].index(a) == 1 and a in [b, a] and Value(2.0) not in [a, b]
    assert a != "2" and a != None  # noqa: E711


# ---- corners ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("numbers, expected", [([1.0, math.nan], 1), ([math.nan, 1.0], 0), ([2.0, math.nan, math.nan], 1)])
def test_max_gives_nan_if_any_is_nan_and_its_gradient_goes_to_the_first_nan(numbers, expected):
    values = [Value(number) for number in numbers]
    largest = engine.max(values)
    largest.backward()
    assert math.isnan(largest.data)
    assert [value.grad for value in values] == [1.0 if index == expected else 0.0 for index in range(len(values))]
    compiled = engine.compile(lambda *xs: engine.max(list(xs)))
    assert math.isnan(compiled(*[Value(number) for number in numbers]).data)
    assert math.isnan(engine.max(numbers).data)


def test_max_ties_go_to_the_first_largest():
    a, b, c = Value(3.0), Value(1.0), Value(3.0)
    largest = engine.max([a, b, c])
    largest.backward()
    assert (a.grad, b.grad, c.grad) == (1.0, 0.0, 0.0)  # as torch.max's gradient


class Tagged(Value):
    """A learner's subclass of Value."""


def test_a_subclass_of_value_takes_part_in_arithmetic():
    x, y = Tagged(2.0), Value(3.0)
    out = x * y + x / y - 1.0 + 2.0 * x - y ** 2.0 + x ** y + 2.0 ** x + (1.0 - x) + (4.0 / x)
    out.backward()
    expected = y.data + 1 / y.data + 2.0 + y.data * x.data ** (y.data - 1) + math.log(2.0) * 2.0 ** x.data - 1 - 4.0 / x.data ** 2
    assert x.grad == pytest.approx(expected)
    assert (x - Tagged(1.0)).data == 1.0 and x == 2.0 and x < 3


def test_copy_of_the_end_of_a_long_chain_shares_its_parents():
    x = Value(1.0)
    end = x
    for _ in range(100_000):
        end = end * 1.0
    twin = copy.copy(end)
    assert twin is not end and twin.data == end.data and twin.parents[0] is end.parents[0]
    twin.backward()
    assert x.grad == 1.0


def test_api_edges_name_the_argument():
    with pytest.raises(TypeError, match=r"LambdaLR\(optimizer\) needs an nn optimizer"):
        nn.LambdaLR([Value(1.0)], lambda epoch: 1.0)
    with pytest.raises(TypeError, match=r"LambdaLR\(lr_lambda\) needs a function"):
        nn.LambdaLR(nn.SGD([Value(1.0)], lr=0.1), 0.5)
    with pytest.raises(TypeError, match=r"requires_grad=...\) needs True or False, got str: 'no'"):
        Value(1, requires_grad="no")
    with pytest.raises(TypeError, match=r"requires_grad = ...\) needs True or False|requires_grad = ... needs True"):
        Value(1.0).requires_grad = 0
    parameters = [Value(1.0), Value(-2.0)]
    assert nn.l2((p for p in parameters), 0.5).data == nn.l2(parameters, 0.5).data == 1.25
    with pytest.raises(TypeError, match=r"l2\(parameters\).*pass model.parameters\(\)"):
        nn.l2(nn.Linear(1, 1), 0.5)
    optimizer = nn.SGD(parameters, lr=numpy.float32(0.5))
    assert optimizer.lr == pytest.approx(0.5) and type(optimizer.lr) is float


def test_plot_decision_boundary_names_bad_input():
    pytest.importorskip("matplotlib")
    from viz import plot_decision_boundary

    model = nn.MLP(2, [3, 1], rng=0)
    X, y = nn.make_moons(10)
    for arguments, error, match in [
        ((model, [[1.0]] * 3, [0, 1, 0]), TypeError, r"X\[0\] is \[1.0\], not a point of two numbers"),
        ((model, X, y[:-1]), ValueError, "10 points and y 9 labels"),
        ((model, X, [0.5] * 10), TypeError, r"y\[0\] is 0.5; labels are class indices"),
        ((model, [], []), ValueError, "at least one"),
        ((3, X, y), TypeError, r"plot_decision_boundary\(model\) needs a model"),
        ((model, X, y, None, 1), ValueError, r"resolution\) needs an int >= 2"),
    ]:
        with pytest.raises(error, match=match):
            plot_decision_boundary(*arguments)
    plot_decision_boundary(model, X, [2 * label - 1 for label in y], resolution=4)  # micrograd's -1/+1


# ---- the tests the suite lacked ----------------------------------------------------------------------


def test_hessian_at_a_stationary_point():
    """f = (x + y)^2 at (0, 0): the gradient is 0 there, and the sum node's gradient too, yet the
    Hessian is [[2, 2], [2, 2]]: the zero-gradient skip must stay off under create_graph."""
    hessian = engine.hessian(lambda x, y: engine.sum([x, y]) ** 2, [0.0, 0.0])
    assert hessian == [[2.0, 2.0], [2.0, 2.0]]


@pytest.mark.parametrize("numbers", [(), (1.0,)])  # all tracked (one node layout), and with a constant (another)
def test_a_tracked_start_of_sum(numbers):
    x, y = Value(2.0), Value(3.0)
    total = engine.sum([x, *numbers], start=y * 2.0)  # start made by ops: the walk must descend into it
    total.backward()
    assert total.data == 8.0 + sum(numbers) and (x.grad, y.grad) == (1.0, 2.0)
    leaf_start = Value(5.0)
    engine.sum([x], start=leaf_start).backward()
    assert leaf_start.grad == 1.0


@pytest.mark.parametrize("a, b, sign", [(1e308, 1e-308, 1), (-1e308, 1e-308, -1), (1e308, -1e-308, -1), (-1e308, -1e-308, 1)])
def test_the_sign_of_an_overflowing_quotient(a, b, sign):
    quotient = Value(a) / Value(b)
    assert quotient.data == sign * math.inf
    # integers too large for a float (Python raises OverflowError there): the IEEE result, signed
    assert engine.OPS["/"].forward(int(math.copysign(1, a)) * 10**400, int(math.copysign(3, b))) == sign * math.inf


def test_d_dk_of_power_at_a_negative_base_is_nan():
    x, k = Value(-2.0), Value(2.0)
    out = engine.power(x, k)  # the derivative lines' form: no domain check
    out.backward()
    assert out.data == 4.0 and x.grad == -4.0 and math.isnan(k.grad)  # d/dx = k x^(k-1); d/dk = y ln x: nan
    base, exponent = engine.OPS["**"].derivative(-2.0, 3.0, -8.0)
    assert base == 12.0 and math.isnan(exponent)


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_gradients_survive_unpickling_and_deepcopy(how):
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    hidden = x * w
    out = hidden.tanh() + hidden
    out.backward()
    twin = pickle.loads(pickle.dumps(out)) if how == "pickle" else copy.deepcopy(out)
    order = engine.topological_order(twin)
    assert [value.grad for value in order] == [value.grad for value in engine.topological_order(out)]
    assert {value.label: value.grad for value in order if value.label} == {"x": x.grad, "w": w.grad}
    leaf = copy.deepcopy(x) if how == "deepcopy" else pickle.loads(pickle.dumps(x))
    assert leaf.grad == x.grad != 0.0


# ---- more mistakes found while trying these (beyond the list) --------------------------------


def test_more_torch_and_micrograd_habits_name_their_fix():
    model = nn.MLP(2, [1], rng=0)
    with pytest.raises(TypeError, match=r"nouts is the list of layer sizes.*write MLP\(2, \[1\]\)"):
        nn.MLP(2, 1)
    with pytest.raises(TypeError, match=r"MLP takes one sample, a list of 2 numbers or Values, got Value"):
        model(Value(1.0))
    with pytest.raises(TypeError, match=r"Linear takes one sample, a list of 3 numbers or Values, got float"):
        nn.Linear(3, 1)(1.0)
    with pytest.raises(TypeError, match=r"SGD takes an iterable of Values .*got MLP; pass model.parameters\(\)"):
        nn.SGD(model, lr=0.1)
    with pytest.raises(TypeError, match=r"mse takes lists, one item per sample: predictions is a Value"):
        nn.mse(Value(1.0), 2.0)
    with pytest.raises(TypeError, match=r"targets is a float.*mse\(\[output\], \[target\]\)"):
        nn.mse([Value(1.0)], 2.0)
    assert isinstance(nn.MLP(2, (3, 1), rng=0)([1.0, 2.0]), Value)  # a tuple of sizes is fine
