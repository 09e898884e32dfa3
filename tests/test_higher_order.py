"""Higher-order gradients: backward(create_graph=True), gradients(), grad(f), hessian(f, xs).

Second and third derivatives of every op against hand formulas and against central differences of
the first derivative, at hypothesis-chosen points; Hessians of quadratic forms; symmetry of mixed
partials; the second derivative of a small MLP's loss; and the semantics users of PyTorch and JAX
rely on (accumulation, no side effects, nesting without perturbation confusion, errors).
"""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ops import BINARY, UNARY

import engine
import nn
from engine import GradcheckError, NoGradError, Value, grad, gradients, hessian

finite = st.floats(min_value=-3.0, max_value=3.0, allow_nan=False)
positive = st.floats(min_value=0.2, max_value=3.0)
off_zero = finite.filter(lambda x: abs(x) > 0.05)


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def close(a, b, rel=1e-9, abs_=1e-12):
    return abs(a - b) <= abs_ + rel * abs(b)


# name, Value function, inputs, f'' and f''' by hand
HAND = [
    ("exp", lambda v: v.exp(), finite, math.exp, math.exp),
    ("log", lambda v: v.log(), positive, lambda x: -1 / x**2, lambda x: 2 / x**3),
    ("tanh", lambda v: v.tanh(), finite,
     lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
     lambda x: (1 - math.tanh(x) ** 2) * (6 * math.tanh(x) ** 2 - 2)),
    ("sigmoid", lambda v: v.sigmoid(), finite,
     lambda x: sigmoid(x) * (1 - sigmoid(x)) * (1 - 2 * sigmoid(x)),
     lambda x: sigmoid(x) * (1 - sigmoid(x)) * (1 - 6 * sigmoid(x) + 6 * sigmoid(x) ** 2)),
    ("softplus", lambda v: v.softplus(), finite,
     lambda x: sigmoid(x) * (1 - sigmoid(x)),
     lambda x: sigmoid(x) * (1 - sigmoid(x)) * (1 - 2 * sigmoid(x))),
    ("sin", lambda v: v.sin(), finite, lambda x: -math.sin(x), lambda x: -math.cos(x)),
    ("cos", lambda v: v.cos(), finite, lambda x: -math.cos(x), math.sin),
    ("sqrt", lambda v: v.sqrt(), positive, lambda x: -0.25 * x**-1.5, lambda x: 0.375 * x**-2.5),
    ("x ** 3", lambda v: v**3, finite, lambda x: 6 * x, lambda x: 6.0),
    ("x ** 2.5", lambda v: v**2.5, positive, lambda x: 3.75 * x**0.5, lambda x: 1.875 * x**-0.5),
    ("x ** -2", lambda v: v**-2, off_zero, lambda x: 6 * x**-4, lambda x: -24 * x**-5),
    ("3 ** x", lambda v: 3**v, finite, lambda x: 3**x * math.log(3) ** 2, lambda x: 3**x * math.log(3) ** 3),
    ("2 / x", lambda v: 2 / v, off_zero, lambda x: 4 / x**3, lambda x: -12 / x**4),
    ("x / 4", lambda v: v / 4, finite, lambda x: 0.0, lambda x: 0.0),
    ("x * x", lambda v: v * v, finite, lambda x: 2.0, lambda x: 0.0),
    ("x ** x", lambda v: v**v, positive,
     lambda x: x**x * ((math.log(x) + 1) ** 2 + 1 / x),
     lambda x: x**x * ((math.log(x) + 1) ** 3 + 3 * (math.log(x) + 1) / x - 1 / x**2)),
    ("relu", lambda v: v.relu(), off_zero, lambda x: 0.0, lambda x: 0.0),
    ("abs", lambda v: abs(v), off_zero, lambda x: 0.0, lambda x: 0.0),
    ("leaky_relu", lambda v: v.leaky_relu(0.1), off_zero, lambda x: 0.0, lambda x: 0.0),
    ("dot(x, x)", lambda v: engine.dot([v, 2.0], [v, v]), finite, lambda x: 2.0, lambda x: 0.0),
    ("sum", lambda v: engine.sum([v * v, v, 1.0]), finite, lambda x: 2.0, lambda x: 0.0),
    ("+, -, neg", lambda v: v * v + v - (-v) * v, finite, lambda x: 4.0, lambda x: 0.0),
    ("max", lambda v: engine.max([v * v * v, 5.0 + v]), finite,  # x^3 only where it is the larger
     lambda x: 6 * x if x**3 > 5 + x else 0.0, lambda x: 6.0 if x**3 > 5 + x else 0.0),
]


@pytest.mark.parametrize("name, function, points, second, third", HAND, ids=[row[0] for row in HAND])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_second_and_third_derivatives_match_the_hand_formulas(name, function, points, second, third, data):
    x = data.draw(points)
    assert close(grad(grad(function))(x), second(x)), name
    assert close(grad(grad(grad(function)))(x), third(x), rel=1e-8), name


@pytest.mark.parametrize("name, function, points, second, third", HAND, ids=[row[0] for row in HAND])
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_second_and_third_derivatives_match_central_differences_of_the_lower_one(
    name, function, points, second, third, data
):
    x = data.draw(points)
    h = 1e-5
    first, second_derivative, third_derivative = grad(function), grad(grad(function)), grad(grad(grad(function)))
    assert close(second_derivative(x), (first(x + h) - first(x - h)) / (2 * h), rel=1e-5, abs_=1e-6), name
    assert close(third_derivative(x), (second_derivative(x + h) - second_derivative(x - h)) / (2 * h),
                 rel=1e-5, abs_=1e-5), name


def ops_in(function, *points):
    """The names of the ops in the graph that function builds at points."""
    leaves = [Value(point) for point in points]
    return {node.op for node in engine.topological_order(function(*leaves))} - {""}


def test_the_hand_table_covers_every_entry_of_the_op_table():
    # one table-driven check over the op entries: every op's derivative line is differentiated
    # again above (second and third derivatives against hand formulas)
    covered = set().union(*(ops_in(row[1], 0.7) for row in HAND))
    assert set(engine.OPS) - {"copy"} <= covered, set(engine.OPS) - covered  # copy: grad()'s stand-in, below


def second_derivative_by_backward(function, x):
    """f'' at x with the PyTorch recipe: backward(create_graph=True), then backward on the gradient."""
    leaf = Value(x)
    function(leaf).backward(create_graph=True)
    first = leaf.grad
    leaf.zero_grad()
    if not first.requires_grad:  # a constant first derivative (x + 2, relu, ...): nothing to go back through
        return first.data, 0.0
    first.backward()
    return first.data, leaf.grad


@pytest.mark.parametrize("name, float_function, function, points", UNARY, ids=[row[0] for row in UNARY])
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_create_graph_gives_the_same_first_derivative_as_the_float_path_for_every_op(
    name, float_function, function, points, data
):
    x = data.draw(points)
    leaf = Value(x)
    function(leaf).backward()
    float_path = leaf.grad
    first, second = second_derivative_by_backward(function, x)
    assert close(first, float_path, rel=1e-12), name
    h = 1e-5 * min(1.0, max(abs(x), 1e-3))  # small near 0, where points keep |x| > 1e-3 from kinks and poles
    numeric = (engine.analytic_grad(function, [x + h])[0] - engine.analytic_grad(function, [x - h])[0]) / (2 * h)
    assert close(second, numeric, rel=1e-4, abs_=1e-5), name


@pytest.mark.parametrize("name, float_function, function, left, right", BINARY, ids=[row[0] for row in BINARY])
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_every_binary_op_has_the_hessian_of_central_differences(name, float_function, function, left, right, data):
    a, b = data.draw(left), data.draw(right)
    if name == "a ** b":
        b = max(min(b, 3.0), -3.0)
    assert engine.gradgradcheck(function, [a, b], atol=1e-5, rtol=1e-4), name
    rows = hessian(function, [a, b])
    assert close(rows[0][1], rows[1][0], rel=1e-9), "mixed partials must agree"


@settings(max_examples=30, deadline=None)
@given(x=positive, y=finite)
def test_mixed_partial_of_power_by_hand(x, y):
    # d²(x^y)/dx dy = x^(y-1) (1 + y ln x)
    rows = hessian(lambda a, b: a**b, [x, y])
    expected = x ** (y - 1) * (1 + y * math.log(x))
    assert close(rows[0][1], expected, rel=1e-9) and close(rows[1][0], expected, rel=1e-9)
    assert close(rows[0][0], y * (y - 1) * x ** (y - 2), rel=1e-9)
    assert close(rows[1][1], x**y * math.log(x) ** 2, rel=1e-9, abs_=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=4).flatmap(
    lambda n: st.tuples(
        st.lists(st.lists(finite, min_size=n, max_size=n), min_size=n, max_size=n),
        st.lists(finite, min_size=n, max_size=n),
    )
))
def test_hessian_of_a_quadratic_form_is_a_plus_a_transpose(matrix_and_point):
    matrix, point = matrix_and_point
    n = len(point)

    def quadratic_form(*xs):
        return engine.sum([xs[i] * matrix[i][j] * xs[j] for i in range(n) for j in range(n)])

    rows = hessian(quadratic_form, point)
    for i in range(n):
        for j in range(n):
            assert close(rows[i][j], matrix[i][j] + matrix[j][i], rel=1e-12, abs_=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=-1.5, max_value=1.5), min_size=3, max_size=3))
def test_mixed_partials_are_symmetric(point):
    def f(x, y, z):
        return (x * y).sin() * z.exp() + (x / (1.0 + y * y)).tanh() * z**3 + (x * z).sigmoid() * y

    rows = hessian(f, point)
    for i in range(3):
        for j in range(i):
            assert close(rows[i][j], rows[j][i], rel=1e-9, abs_=1e-12)
    assert engine.gradgradcheck(f, point, atol=1e-6, rtol=1e-4)


def small_mlp_loss():
    """The loss of MLP(2, [3, 1], tanh) on three points, as a function of two of its weights."""
    model = nn.MLP(2, [3, 1], activation="tanh", rng=1)
    points = [[0.5, -1.0], [1.5, 0.3], [-0.7, 0.8]]
    targets = [0.2, -0.4, 0.9]
    first_weight, last_weight = model.layers[0].neurons[1].w, model.layers[1].neurons[0].w

    def loss(u, v):
        first_weight[0], last_weight[2] = u, v
        return nn.mse([model(point) for point in points], targets)

    return loss, (first_weight[0].data, last_weight[2].data)


def test_grad_of_grad_of_a_small_mlp_loss_matches_numerical_second_differences():
    loss, (u, v) = small_mlp_loss()
    with engine.no_grad():
        def value(a, b):
            return loss(Value(a), Value(b)).data
    h = 1e-4
    for argnums, (du, dv) in ((0, (h, 0.0)), (1, (0.0, h))):
        exact = grad(grad(loss, argnums), argnums)(u, v)
        numeric = (value(u + du, v + dv) - 2 * value(u, v) + value(u - du, v - dv)) / h**2
        assert exact != 0.0
        assert close(exact, numeric, rel=1e-5, abs_=1e-6), (argnums, exact, numeric)
    mixed = grad(grad(loss, 0), 1)(u, v)
    numeric_mixed = (value(u + h, v + h) - value(u + h, v - h) - value(u - h, v + h) + value(u - h, v - h)) / (4 * h * h)
    assert close(mixed, numeric_mixed, rel=1e-5, abs_=1e-6)
    assert close(mixed, grad(grad(loss, 1), 0)(u, v), rel=1e-9)
    assert close(mixed, hessian(loss, [u, v])[0][1], rel=1e-9)


# ---- semantics ----


def test_the_default_backward_keeps_float_gradients():
    x = Value(2.0)
    (x * x * x).backward()
    assert type(x.grad) is float and x.grad == 12.0


def test_create_graph_makes_gradients_values_and_second_backward_accumulates_as_in_pytorch():
    x = Value(2.0)
    (x**3).backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value) and first.requires_grad and first.data == 12.0
    first.backward()  # x.grad held 3x^2 = 12; the pass adds 6x = 12 to it, as torch does
    assert x.grad.data == 24.0
    x.zero_grad()
    first.backward()
    assert x.grad == 12.0


def test_third_derivative_by_three_backward_passes():
    x = Value(0.3)
    x.sin().backward(create_graph=True)
    first = x.grad
    x.zero_grad()
    first.backward(create_graph=True)
    second = x.grad
    x.zero_grad()
    second.backward()
    assert close(first.data, math.cos(0.3)) and close(second.data, -math.sin(0.3))
    assert close(x.grad, -math.cos(0.3))


def test_create_graph_works_inside_no_grad_as_in_pytorch():
    x = Value(1.5)
    y = x.exp()
    with engine.no_grad():
        y.backward(create_graph=True)
    assert x.grad.requires_grad and close(x.grad.data, math.exp(1.5))


def test_gradient_of_a_linear_function_is_a_constant_whose_derivative_is_zero():
    x = Value(1.0)
    (3 * x + 1).backward(create_graph=True)
    assert x.grad.data == 3.0 and not x.grad.requires_grad
    with pytest.raises(NoGradError, match="depends on no tracked"):
        x.grad.backward()
    assert grad(grad(lambda v: 3 * v + 1))(1.0) == 0.0


def test_numbers_in_floats_out_values_in_values_out():
    assert type(grad(lambda v: v * v)(3.0)) is float
    x = Value(3.0)
    derivative = grad(lambda v: v * v)(x)
    assert isinstance(derivative, Value) and derivative.data == 6.0
    derivative.backward()
    assert x.grad == 2.0


def test_argnums_gives_a_tuple_and_accepts_negative_positions():
    def f(x, y, z):
        return x * y * y + z

    assert grad(f, (0, 1))(2.0, 3.0, 5.0) == (9.0, 12.0)
    assert grad(f, -1)(2.0, 3.0, 5.0) == 1.0
    assert grad(f, 2)(2.0, 3.0, 4) == 1.0


def test_nested_grad_does_not_confuse_an_argument_with_the_same_value_reached_another_way():
    # d/dx [ d/dy (x * y) at y = x ] = d/dx x = 1, not 2 (the classic perturbation confusion)
    assert grad(lambda x: grad(lambda y: x * y)(x))(3.0) == 1.0
    # an inner function closing over the outer argument, called with a number
    assert grad(lambda x: grad(lambda y: x * y * y)(2.0))(3.0) == 4.0


def test_gradients_leaves_every_grad_as_it_was_and_counts_paths_through_other_inputs():
    a, b = Value(2.0), Value(3.0)
    a.grad = 7.0
    middle = a * b
    out = (middle + a).tanh()
    out.backward()
    before = {v: v.grad for v in (a, b, middle, out)}
    d_middle, d_a = gradients(out, [middle, a])
    assert {v: v.grad for v in (a, b, middle, out)} == before
    assert close(d_middle, 1 - math.tanh(8.0) ** 2)
    assert close(d_a, (1 - math.tanh(8.0) ** 2) * 4)  # through middle (b = 3) and directly (1)
    assert gradients(out, [Value(1.0)]) == [0.0]
    assert gradients(out, [out]) == [1.0]


def test_gradients_with_create_graph_are_differentiable():
    x = Value(0.5)
    (first,) = gradients(x.exp() * x, [x], create_graph=True)
    (second,) = gradients(first, [x])
    assert close(first.data, math.exp(0.5) * 1.5) and close(second, math.exp(0.5) * 2.5)
    assert x.grad == 0.0


def test_dot_in_every_layout_has_the_right_second_derivatives():
    untracked = Value(5.0, requires_grad=False)

    def all_values(a, b):
        return engine.dot([a, b, a], [b, b, a], bias=a * b * b)  # ab + b^2 + a^2 + ab^2

    def weights_times_numbers(a, b):
        return engine.dot([a, b], [2.0, untracked]) ** 2  # (2a + 5b)^2

    def mixed(a, b):
        return engine.dot([a, 3.0, b], [b, a, untracked])  # ab + 3a + 5b

    assert hessian(all_values, [1.5, 0.5]) == [[2.0, 2.0], [2.0, 5.0]]  # [[2, 1 + 2b], [1 + 2b, 2 + 2a]]
    assert hessian(weights_times_numbers, [1.5, -0.5]) == [[8.0, 20.0], [20.0, 50.0]]
    assert hessian(mixed, [1.5, -0.5]) == [[0.0, 1.0], [1.0, 0.0]]


def test_ops_with_untracked_value_operands_keep_what_their_second_derivative_needs():
    c = Value(2.0, requires_grad=False)
    k = Value(3.0, requires_grad=False)
    assert close(grad(grad(lambda x: c / x))(0.5), 2 * 2.0 / 0.5**3)
    assert close(grad(grad(lambda x: x**k))(0.5), 6 * 0.5)
    assert close(grad(grad(lambda x: c**x))(0.5), 2**0.5 * math.log(2) ** 2)
    assert close(grad(grad(lambda x: x / c))(0.5), 0.0)


def test_infinite_derivatives_at_zero_have_infinite_derivatives_as_in_pytorch():
    # x^0.5: the first three derivatives are 0.5 x^-0.5, -0.25 x^-1.5, 0.375 x^-2.5, infinite at 0
    for root in (lambda x: x**0.5, lambda x: x.sqrt()):
        assert [grad(root)(0.0), grad(grad(root))(0.0), grad(grad(grad(root)))(0.0)] == [math.inf, -math.inf, math.inf]
    # x^1.5: 1.5 x^0.5 = 0, then 0.75 x^-0.5 = inf, then -0.375 x^-1.5 = -inf
    power = lambda x: x**1.5  # noqa: E731
    assert [grad(power)(0.0), grad(grad(power))(0.0), grad(grad(grad(power)))(0.0)] == [0.0, math.inf, -math.inf]
    assert grad(grad(lambda x: x**0.5))(-0.0) == -math.inf  # (-0)^-1.5 is +inf: no sign flip


def test_kinks_and_constant_powers_have_zero_second_derivative():
    assert grad(grad(lambda x: x**0))(0.0) == 0.0
    assert grad(grad(lambda x: x**0))(2.0) == 0.0
    assert grad(grad(lambda x: x.relu()))(0.0) == 0.0
    assert grad(grad(lambda x: abs(x)))(0.0) == 0.0


def test_create_graph_gradients_are_freed_by_reference_counting(count_values):
    before = count_values()
    x = Value(0.7)
    y = x
    for _ in range(50):  # every kind of node: operands kept (/ and ** with numbers), a dot with numbers
        y = ((y * 1.1).tanh() + x.sin()) ** 2 / 2.0 + 0.5 / (1.0 + x * x) + engine.dot([y, x], [0.1, 2**x])
        y = y.tanh()
    y.backward(create_graph=True)
    first = x.grad
    x.zero_grad()
    first.backward()
    assert count_values() > before + 300
    del x, y, first
    assert count_values() == before, "a create_graph graph outlived its last reference: a reference cycle"


def test_optimizers_read_value_gradients_as_numbers():
    parameter = Value(1.0)
    (parameter * parameter).backward(create_graph=True)
    nn.SGD([parameter], lr=0.1).step()
    assert type(parameter.data) is float and close(parameter.data, 0.8)


# ---- bad input ----


def test_grad_errors_name_the_problem_and_the_fix():
    with pytest.raises(TypeError, match="argnums"):
        grad(lambda x: x, argnums="0")
    with pytest.raises(TypeError, match="argnums"):
        grad(lambda x: x, argnums=())
    with pytest.raises(ValueError, match="twice"):
        grad(lambda x, y: x, argnums=(0, 0))
    with pytest.raises(IndexError, match="called with 1 argument"):
        grad(lambda x, y: x, argnums=1)(1.0)
    with pytest.raises(TypeError, match="return one scalar"):
        grad(lambda x: [x, x])(1.0)
    with pytest.raises(TypeError, match="needs a number"):
        grad(lambda x: x)("1.0")
    with pytest.raises(TypeError, match="return one scalar"):
        hessian(lambda x: (x, x), [1.0])
    with pytest.raises(TypeError, match=r"hessian\(f, \[x\]\)"):
        hessian(lambda x: x * x, 1.0)
    with pytest.raises(TypeError, match="needs a function"):
        grad(Value(1.0))


def test_gradients_errors_name_the_problem_and_the_fix():
    x = Value(1.0)
    with pytest.raises(TypeError, match="inputs"):
        gradients(x * x, [1.0])
    with pytest.raises(TypeError, match="output"):
        gradients(1.0, [x])
    with pytest.raises(TypeError, match=r"gradients\(output, \[x\]\)"):
        gradients(x * x, x)
    with pytest.raises(NoGradError, match="requires_grad=True"):
        gradients(Value(1.0, requires_grad=False) * 2, [x])


def test_constant_functions_have_zero_derivatives():
    assert grad(lambda x: 4.0)(1.0) == 0.0
    assert hessian(lambda x, y: Value(1.0, requires_grad=False), [1.0, 2.0]) == [[0.0, 0.0], [0.0, 0.0]]


def test_gradgradcheck_catches_a_wrong_second_derivative():
    # right first derivative, wrong second: the derivative line reads the output's number, so it is
    # cut from the graph (a constant to create_graph)
    cut_tanh = engine.Op("tanh", math.tanh, lambda x, y: 1.0 - engine.number(y) ** 2)
    assert close(grad(cut_tanh)(0.4), 1 - math.tanh(0.4) ** 2)
    with pytest.raises(GradcheckError, match="d²f/dx0dx0"):
        engine.gradgradcheck(cut_tanh, [0.4])
    assert engine.gradgradcheck(engine.Op("tanh", math.tanh, lambda x, y: 1.0 - y * y), [0.4])


def test_second_derivative_through_a_deep_chain_without_recursion():
    def chain(x):
        for _ in range(20_000):  # 40,000 nodes; the gradient's graph is deeper still
            x = (x * 0.99995).sin()
        return x

    first, second = second_derivative_by_backward(chain, 0.8)
    h = 1e-5
    numeric = (engine.analytic_grad(chain, [0.8 + h])[0] - engine.analytic_grad(chain, [0.8 - h])[0]) / (2 * h)
    assert first == pytest.approx(engine.analytic_grad(chain, [0.8])[0], rel=1e-12)
    assert second != 0.0 and second == pytest.approx(numeric, rel=1e-4)


def test_a_value_gradient_formats_like_a_number():
    x = Value(1.5)
    (x * x).backward(create_graph=True)
    assert f"{x.grad:.2f}" == "3.00" and f"{x.grad}" == repr(x.grad)


def test_value_and_grad_gives_both_from_one_pass_and_passes_keywords_on():
    def f(x, y, scale=1.0):
        return scale * x * y.exp()

    value, derivatives = engine.value_and_grad(f, (0, 1))(2.0, 0.0, scale=3.0)
    assert (value, derivatives) == (6.0, (3.0, 6.0)) and type(value) is float
    assert grad(f, 1)(2.0, 0.0, scale=3.0) == 6.0
    # nested: the inner value and derivative are Values, so the outer grad sees through both
    assert grad(lambda x: engine.value_and_grad(lambda y: y**3)(x)[1])(2.0) == 12.0
    assert grad(lambda x: engine.value_and_grad(lambda y: y**3)(x)[0])(2.0) == 12.0


def test_second_derivatives_through_the_nn_losses():
    def cross_entropy(a, b, c):
        return nn.cross_entropy([[a, b * a, c], [c.tanh(), b, a * c]], [2, 0])

    def binary_cross_entropy(a, b):
        return nn.binary_cross_entropy([a * b, a - b], [1.0, 0.0])

    assert engine.gradgradcheck(cross_entropy, [0.3, -1.2, 0.8], atol=1e-6, rtol=1e-4)
    assert engine.gradgradcheck(binary_cross_entropy, [0.7, -0.4], atol=1e-6, rtol=1e-4)
    assert engine.gradgradcheck(lambda a, b: nn.mse([a * b, a], [1.0, 2.0]) + nn.l2([a, b], 0.1), [0.5, 1.5])


def test_the_functional_api_makes_no_cycle_and_a_create_graph_leaf_is_freed_by_zero_grad(count_values):
    before = count_values()
    x = Value(0.4)
    (first,) = gradients((x * x).tanh() * x, [x], create_graph=True)
    hessian(lambda a, b: (a * b).sin() / b, [0.3, 0.7])
    del x, first
    assert count_values() == before, "gradients() or hessian() left a reference cycle"
    x = Value(0.4)
    square = x * x
    (square.tanh() * x).backward(create_graph=True)
    assert type(square.grad) is float and isinstance(x.grad, Value)  # only leaves keep Value gradients
    del square
    x.zero_grad()  # x.grad held a graph containing x: zero_grad() breaks the cycle
    del x
    assert count_values() == before
