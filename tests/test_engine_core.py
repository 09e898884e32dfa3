"""The engine core: per-thread modes, threads sharing parameters, exceptions mid-backward, IEEE and
PyTorch semantics at the edges, users' own ops, micrograd's names, the chaingrad umbrella, wrong
types, numpy, pickle and deepcopy of deep graphs, graph_mode."""

import copy
import gc
import math
import pickle
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

import engine
import nn
from engine import AnomalyError, Value

ROOT = Path(__file__).resolve().parent.parent


# ---- per-thread modes ---------------------------------------------------------------------------


def test_no_grad_in_one_thread_never_changes_what_another_records():
    inside = threading.Event()
    done = threading.Event()

    def idle_in_no_grad():
        with engine.no_grad():
            inside.set()
            done.wait(timeout=60)

    other = threading.Thread(target=idle_in_no_grad)
    other.start()
    try:
        inside.wait(timeout=60)
        x = Value(0.5)
        untracked = 0
        for _ in range(100_000):
            y = x * 1.0
            untracked += not y.requires_grad
        assert untracked == 0 and engine.is_grad_enabled()
    finally:
        done.set()
        other.join()


def test_nesting_out_of_order_across_threads_restores_each_threads_mode():
    # thread A enters no_grad, then B enters no_grad, then A leaves, then B leaves
    steps = [threading.Event() for _ in range(4)]
    seen = {}

    def a():
        with engine.no_grad():
            steps[0].set()
            steps[1].wait(timeout=60)
        seen["a after"] = engine.is_grad_enabled()
        steps[2].set()

    def b():
        steps[0].wait(timeout=60)
        with engine.no_grad():
            steps[1].set()
            steps[2].wait(timeout=60)
            seen["b inside, a gone"] = engine.is_grad_enabled()
        seen["b after"] = engine.is_grad_enabled()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"a after": True, "b inside, a gone": False, "b after": True}
    assert engine.is_grad_enabled()


def test_anomaly_mode_and_grad_nesting_are_per_thread():
    results = []

    def other():
        results.append((engine.is_anomaly_enabled(), (Value(1e308) * 10).data))

    with engine.detect_anomaly():
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        with pytest.raises(AnomalyError):
            Value(1e308) * 10
    assert results == [(False, math.inf)]


def test_a_thread_that_ends_inside_no_grad_leaves_no_mode_to_a_thread_given_its_identity():
    from engine import modes

    @engine.no_grad
    def untracked_numbers():
        yield Value(1.0) * 2

    ended = []

    def ends_with_modes_on():
        engine.set_grad_enabled(False)  # called alone: stays off until the thread ends
        engine.detect_anomaly().__enter__()  # never left
        generator = untracked_numbers()
        next(generator)  # left suspended inside no_grad
        ended.append(threading.get_ident())

    for _ in range(20):
        thread = threading.Thread(target=ends_with_modes_on)
        thread.start()
        thread.join()
    assert not set(ended) & (modes.threads_without_grad | modes.threads_in_anomaly_mode)
    identities, recorded = [], []

    def records():
        identities.append(threading.get_ident())
        recorded.append(engine.is_grad_enabled() and not engine.is_anomaly_enabled())

    for _ in range(20):  # new threads, some given an ended thread's identity: each starts fresh
        thread = threading.Thread(target=records)
        thread.start()
        thread.join()
    assert all(recorded) and set(identities) & set(ended)


def test_two_threads_backward_through_graphs_sharing_parameters_each_add_their_whole_contribution():
    model = nn.MLP(3, [8, 8, 1], activation="tanh", rng=0)
    parameters = model.parameters()
    inputs = [[0.1 * i, -0.2 * i, 0.3] for i in range(8)]
    losses = [model(x) * model(x) for x in inputs]
    single = []
    for loss in losses[:2]:
        engine.zero_grad(parameters)
        loss.backward()
        single.append([p.grad for p in parameters])
    expected = [a + b for a, b in zip(*single)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, so that an interleaving shows
    try:
        run_in_pairs(losses, parameters, expected)
    finally:
        sys.setswitchinterval(interval)


def run_in_pairs(losses, parameters, expected):
    for _ in range(30):
        engine.zero_grad(parameters)
        barrier = threading.Barrier(2)

        def run(loss):
            barrier.wait()
            for _ in range(3):
                loss.backward()

        threads = [threading.Thread(target=run, args=(loss,)) for loss in losses[:2]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [p.grad for p in parameters] == pytest.approx([3 * e for e in expected], rel=1e-12, abs=1e-15)


# ---- exceptions and interrupts in the middle of backward -----------------------------------------


def test_an_exception_mid_backward_drops_no_gradient_accumulated_before():
    w = Value(1.5)
    w.grad = 3.0  # accumulated by earlier passes
    # 1 / (w - 1.5 + 1e-200) is 1e200, finite; its local derivative -1e400 overflows: the pass stops there
    out = 1.0 / (w - 1.5 + 1e-200) + w
    with engine.detect_anomaly(), pytest.raises(AnomalyError, match="op '/'"):
        out.backward()
    assert w.grad == 3.0 + 1.0  # the earlier 3.0, plus the 1.0 the pass gave through "+ w" before it stopped


def test_ctrl_c_mid_backward_drops_no_gradient_accumulated_before():
    def interrupting_derivative(x, y):
        if isinstance(x, Value):  # evaluated again on Values during backward(create_graph=True)
            raise KeyboardInterrupt
        return 1.0

    identity = engine.Op("interrupting_identity", lambda x: x, interrupting_derivative)
    w = Value(2.0)
    w.grad = 3.0
    out = identity(w * w) + w
    with pytest.raises(KeyboardInterrupt):
        out.backward(create_graph=True)
    assert float(w.grad) == 3.0 + 1.0  # the earlier 3.0 and the 1.0 through "+ w"


# ---- IEEE and PyTorch semantics at the edges ---------------------------------------------------


def test_nan_propagates_through_relu_abs_and_the_hinge():
    nan = float("nan")
    assert math.isnan(Value(nan).relu().data)
    assert math.isnan(abs(Value(nan)).data)
    assert math.isnan(Value(nan).leaky_relu().data)
    assert math.isnan(nn.hinge([Value(nan)], [1.0]).data)
    assert Value(-0.0).relu().data == 0.0 and math.copysign(1.0, abs(Value(-0.0)).data) == 1.0


def test_a_zero_gradient_passes_zeros_on_and_nan_where_a_local_derivative_is_not_finite():
    # an n-ary node whose gradient is 0 passes nothing on when its local derivatives are finite
    # (every product would be a zero); with an infinite one, 0 * inf = NaN reaches the parent, as in PyTorch
    w, x, b = Value(2.0), Value(-3.0), Value(0.5)
    dead = engine.dot([w], [x], bias=b).relu()  # relu(-5.5): the dot's gradient is 0
    (dead + w * 1.0).backward()
    assert (w.grad, x.grad, b.grad) == (1.0, 0.0, 0.0)
    w, x = Value(2.0), Value(float("-inf"))
    engine.dot([w], [x]).relu().backward()  # relu(-inf) = 0: gradient 0, local derivative of w is -inf
    assert math.isnan(w.grad) and x.grad == 0.0
    steep = engine.Op("steep3", lambda a, c, d: a + c + d, lambda a, c, d, out: (math.inf, 1.0, 1.0))
    a, c = Value(1.0), Value(2.0)
    (steep(a, c, 3.0) * 0.0).backward()
    assert math.isnan(a.grad) and c.grad == 0.0


def test_detect_anomaly_catches_a_diverged_model():
    model = nn.MLP(2, [4, 1], rng=0)
    model.parameters()[0].data = float("nan")
    with engine.detect_anomaly(), pytest.raises(AnomalyError, match="non-finite"):
        model([1.0, 2.0])


def test_domain_errors_name_the_op_and_the_fix():
    for build, error, words in [
        (lambda: Value(0.0).log(), ValueError, "op 'log'.*shift or clamp"),
        (lambda: Value(-1.0).sqrt(), ValueError, "op 'sqrt'.*abs"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, "op '\\*\\*'.*away from 0"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, "op '/'.*guard the denominator"),
    ]:
        with pytest.raises(error, match=words):
            build()


def test_bool_of_a_value_is_its_numbers_truth():
    assert not Value(0.0) and Value(-2.0) and not Value(0.0, requires_grad=False)


def test_no_grad_works_bare_called_and_on_generators_and_nested_restores_the_outer_mode():
    @engine.no_grad
    def bare(x):
        return x * 2

    @engine.no_grad()
    def called(x):
        return x * 2

    @engine.no_grad
    def generator(x):
        for _ in range(3):
            yield x * 2, engine.is_grad_enabled()

    x = Value(1.0)
    assert not bare(x).requires_grad and not called(x).requires_grad
    steps = []
    for y, enabled in generator(x):
        steps.append((y.requires_grad, enabled, engine.is_grad_enabled()))
    assert steps == [(False, False, True)] * 3  # off inside the generator, on between its steps
    with engine.no_grad():
        with engine.enable_grad():
            assert (x * 2).requires_grad
            with engine.no_grad():
                assert not (x * 2).requires_grad
            assert engine.is_grad_enabled()
        assert not engine.is_grad_enabled()
    assert engine.is_grad_enabled()


def test_no_grad_on_a_method():
    class Model:
        @engine.no_grad
        def predict(self, x):
            return x * 3

    assert not Model().predict(Value(1.0)).requires_grad


def test_set_grad_enabled():
    with engine.set_grad_enabled(False):
        assert not engine.is_grad_enabled()
    with pytest.raises(TypeError, match="True or False"):
        engine.set_grad_enabled("no")


# ---- users' own ops -----------------------------------------------------------------------------


def test_a_users_op_has_first_and_second_derivatives_from_one_line():
    softsign = engine.Op("softsign", lambda x: x / (1 + abs(x)), lambda x, y: 1 / (1 + abs(x)) ** 2)
    for point in (-1.3, 0.4, 2.0):
        assert engine.gradcheck(softsign, [point])
        assert engine.gradgradcheck(softsign, [point])
        second = engine.grad(engine.grad(softsign))(point)
        assert second == pytest.approx(-2 * math.copysign(1.0, point) / (1 + abs(point)) ** 3, rel=1e-12)
    assert softsign(3.0) == 0.75 and softsign(Value(3.0)).op == "softsign"


def test_a_users_op_of_three_operands_is_an_n_ary_node():
    fma = engine.Op("fma", lambda a, b, c: a * b + c, lambda a, b, c, y: (b, a, 1.0))
    a, b = Value(2.0), Value(3.0)
    out = fma(a, b, 4.0)
    assert out.data == 10.0 and out.parents == (a, b) and out.operands == (a, b, 4.0)
    assert engine.gradgradcheck(lambda a, b: fma(a, b, a) * a, [2.0, 3.0])


def test_the_custom_op_example_matches_central_differences_and_gradgradcheck():
    import runpy

    results = runpy.run_path(str(ROOT / "docs" / "examples" / "custom_op.py"))["main"]()
    assert set(results) == {"softsign", "gelu", "hypot", "composed"}
    for name, numbers in results.items():
        assert numbers["grad"] == pytest.approx(numbers["numeric"], rel=1e-6), name
        for row, numeric_row in zip(numbers["hessian"], numbers["numeric_hessian"]):
            assert row == pytest.approx(numeric_row, rel=1e-5, abs=1e-8), name
    hessian = results["hypot"]["hessian"]
    assert hessian[0] + hessian[1] == pytest.approx([0.128, -0.096, -0.096, 0.072], rel=1e-12)


def test_op_arguments_are_checked():
    with pytest.raises(TypeError, match="name"):
        engine.Op("", lambda x: x, lambda x, y: 1.0)
    with pytest.raises(TypeError, match="derivative to be a function"):
        engine.Op("twice", lambda x: 2 * x, 2.0)


# ---- micrograd's lecture runs as written --------------------------------------------------------


def test_the_micrograd_lectures_manual_backprop():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()
    o.grad = 1.0
    o._backward()
    n._backward()
    b._backward()  # a leaf: nothing to do
    x1w1x2w2._backward()
    x2w2._backward()
    x1w1._backward()
    assert n.grad == pytest.approx(0.5, abs=1e-6)
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0), abs=1e-6)
    assert o._op == "tanh" and n._prev == {x1w1x2w2, b} and x1._prev == set()


def test_chaingrad_umbrella_finds_ours_beside_a_learners_own_engine_and_nn(tmp_path):
    (tmp_path / "engine.py").write_text("class Value:\n    MINE = True\n")
    (tmp_path / "nn.py").write_text("MINE = True\n")
    script = textwrap.dedent("""
        from chaingrad.engine import Value
        import chaingrad
        import chaingrad.nn as cnn
        import engine, nn
        assert engine.Value.MINE and nn.MINE  # the learner's files are untouched
        x = Value(2.0)
        y = (x * x).tanh()
        y.backward()
        model = cnn.MLP(2, [3, 1], rng=0)
        assert isinstance(model([1.0, 2.0]), Value)
        a, b = Value(2.0, label="a"), Value(1.0, label="b")
        e = (a + b) * (b + 1)
        e.label = "e"
        assert "2 + 3 = 5" in str(chaingrad.viz.trace_backward(e))
        print(x.grad)
    """)
    completed = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert float(completed.stdout) == pytest.approx(4 * (1 - math.tanh(4.0) ** 2))


def test_models_and_optimizers_pickle_and_load_beside_a_learners_own_nn(tmp_path):
    (tmp_path / "engine.py").write_text("class Value:\n    MINE = True\n")
    (tmp_path / "nn.py").write_text("MINE = True\n")
    save = textwrap.dedent("""
        import pickle
        import chaingrad.nn as cnn
        model = cnn.MLP(2, [3, 1], rng=0)
        optimizer = cnn.SGD(model.parameters(), lr=0.1, momentum=0.9)
        loss = (model([1.0, 2.0]) - 1.0) ** 2
        loss.backward()
        optimizer.step()
        with open("saved.pickle", "wb") as file:
            pickle.dump((model, optimizer, cnn.StepLR(optimizer, 2), loss), file)
        print(model([0.5, -1.0]).data)
    """)
    load = textwrap.dedent("""
        import pickle
        import nn
        assert nn.MINE
        with open("saved.pickle", "rb") as file:
            model, optimizer, scheduler, loss = pickle.load(file)
        assert optimizer.param_groups[0]["params"][0] is model.parameters()[0] and scheduler.optimizer is optimizer
        assert nn.MINE and type(model).__name__ == "MLP"
        print(model([0.5, -1.0]).data)
    """)
    saved = subprocess.run([sys.executable, "-c", save], cwd=tmp_path, capture_output=True, text=True)
    assert saved.returncode == 0, saved.stderr
    loaded = subprocess.run([sys.executable, "-c", load], cwd=tmp_path, capture_output=True, text=True)
    assert loaded.returncode == 0, loaded.stderr
    assert float(loaded.stdout) == float(saved.stdout)


def test_a_learners_own_modules_built_on_chaingrads_pickle_as_their_own(tmp_path):
    (tmp_path / "nn.py").write_text(textwrap.dedent("""
        import chaingrad.nn as cnn

        class MLP(cnn.Module):  # the learner's own, named as chaingrad's
            def __init__(self):
                self.inner = cnn.MLP(2, [1], rng=0)

            def forward(self, x):
                return self.inner(x)

        class Tiny(cnn.Module):
            def __init__(self):
                self.w = cnn.Linear(1, 1)
    """))
    script = textwrap.dedent("""
        import copy, pickle
        import nn
        mine = nn.MLP()
        assert type(copy.deepcopy(mine)) is nn.MLP and type(pickle.loads(pickle.dumps(mine))) is nn.MLP
        assert type(pickle.loads(pickle.dumps(nn.Tiny()))) is nn.Tiny
        assert type(pickle.loads(pickle.dumps(mine)).inner).__module__ == "nn.mlp"  # chaingrad's, inside
        print("ok")
    """)
    completed = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "ok"


def test_chaingrad_names_are_the_packages_themselves():
    import chaingrad.engine

    assert chaingrad.engine is engine and chaingrad.nn is nn


# ---- wrong types, numpy, copies -----------------------------------------------------------------


@pytest.mark.parametrize("call, words", [
    (lambda: engine.zero_grad([1.0]), "zero_grad"),
    (lambda: engine.zero_grad(Value(1.0)), "v.zero_grad"),
    (lambda: engine.topological_order(5), "topological_order"),
    (lambda: engine.exp("x"), "engine.exp"),
    (lambda: engine.tanh(None), "engine.tanh"),
    (lambda: engine.number([1.0]), "engine.number"),
    (lambda: engine.dot(5, [1.0]), "engine.dot"),
    (lambda: engine.sum("abc"), "engine.sum"),
    (lambda: engine.gradients(Value(1.0), 5), "gradients"),
    (lambda: Value(1.0).backward("1"), "backward"),
    (lambda: Value(1.0) + "x", "unsupported operand"),
])
def test_wrong_types_raise_type_error_naming_the_argument(call, words):
    with pytest.raises(TypeError, match=words):
        call()


def test_numpy_arrays_and_numbers_are_accepted_where_sequences_and_numbers_are():
    weights = [Value(1.0), Value(2.0)]
    out = engine.dot(weights, np.array([3.0, 4.0]), bias=np.float64(0.5))
    out.backward()
    assert out.data == 11.5 and [w.grad for w in weights] == [3.0, 4.0]
    assert engine.sum(np.array([1.0, 2.0])).data == 3.0
    assert (Value(2.0) * np.float64(3.0)).data == 6.0 and engine.exp(np.float32(0.0)) == 1.0


def chain(length):
    x = start = Value(0.5, label="start")
    with engine.graph_mode():
        for _ in range(length):
            x = (x * 1.0001).tanh()
    return start, x


def test_pickle_and_deepcopy_of_the_end_of_a_million_node_chain():
    start, end = chain(500_000)  # 1,000,000 nodes
    for copied in (pickle.loads(pickle.dumps(end)), copy.deepcopy(end)):
        assert copied.data == end.data and copied is not end
        copied.backward()
        first = engine.topological_order(copied)[0]
        assert first.label == "start" and first is not start and first.grad != 0.0
    assert start.grad == 0.0  # the original graph is untouched


def test_copies_keep_shared_leaves_shared_and_the_graph_intact():
    w = Value(0.3, label="w")
    loss = (w * w + w.exp()).tanh()
    copied_w, copied_loss = copy.deepcopy([w, loss])
    copied_loss.backward()
    loss.backward()
    assert copied_w.grad == w.grad and copied_w is not w
    unpickled_w, unpickled_loss = pickle.loads(pickle.dumps([w, loss]))
    assert unpickled_loss.parents[0].parents[0].parents[0] is unpickled_w
    assert unpickled_loss.op == "tanh" and unpickled_loss.data == loss.data


def twice_forward(x):
    return 2 * x


def twice_derivative(x, y):
    return 2.0


def test_a_graph_with_a_users_op_copies_and_pickles_when_its_functions_can_be():
    twice = engine.Op("twice", twice_forward, twice_derivative)  # module-level functions pickle by name
    out = twice(Value(1.0)) + 1
    assert copy.deepcopy(out).data == 3.0 and pickle.loads(pickle.dumps(out)).parents[0].op == "twice"
    anonymous = engine.Op("twice", lambda x: 2 * x, lambda x, y: 2.0)
    out = anonymous(Value(1.0)) + 1
    assert copy.deepcopy(out).data == 3.0  # deepcopy keeps the op itself
    with pytest.raises((pickle.PicklingError, AttributeError), match="lambda"):
        pickle.dumps(out)


# ---- graph_mode --------------------------------------------------------------------------------


def test_graph_mode_pauses_the_collector_re_entrantly_and_restores_its_state():
    was_enabled = gc.isenabled()
    try:
        gc.enable()
        with engine.graph_mode():
            assert not gc.isenabled()
            with engine.graph_mode():
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled()
        gc.disable()
        with engine.graph_mode():
            pass
        assert not gc.isenabled()  # the state before, not "enabled"
    finally:
        (gc.enable if was_enabled else gc.disable)()


def test_graph_mode_across_threads_restores_when_the_last_one_ends():
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
        seen = []

        def first():
            with engine.graph_mode():
                first_in.set()
                second_in.wait(timeout=60)
            first_out.set()

        def second():
            first_in.wait(timeout=60)
            with engine.graph_mode():
                second_in.set()
                first_out.wait(timeout=60)
                seen.append(gc.isenabled())  # the first left, this one is still inside

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert seen == [False] and gc.isenabled()
    finally:
        (gc.enable if was_enabled else gc.disable)()
