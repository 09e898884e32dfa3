"""chaingrad's engine: scalar reverse-mode autograd in plain Python (standard library only).

    >>> from engine import Value
    >>> a, b = Value(2.0), Value(1.0)
    >>> e = (a + b) * (b + 1)
    >>> e.backward()
    >>> a.grad, b.grad
    (2.0, 5.0)

The files, each with one job, in the order they build on each other:
ops (the op table: one entry per op), modes (per-thread grad and anomaly modes, graph_mode),
node (a Value's slots, described once, and every function that reads them),
autograd (the one graph walk and the chain rule), value (Value and its node builders, Op),
nary (sum, max, dot and linear), guards (what a trace reads beyond its arguments, and the watch on
Value while tracing), codegen and tape (a traced graph as generated Python or as a tape), compile
(engine.compile: trace, guard, run), flat (pickle and deepcopy of deep graphs),
functional (gradients, grad, hessian), check (numerical gradients and gradient checks).
"""

from engine import flat  # noqa: F401 - registers how Values pickle and deep-copy
from engine.compile import compile  # noqa: F401 - engine.compile, kept out of __all__ (a builtin's name)
from engine.check import analytic_grad, gradcheck, gradgradcheck, numerical_grad, numerical_hessian
from engine.errors import (
    AnomalyError,
    GradcheckError,
    LostGradientWarning,
    NoGradError,
    RebindingWarning,
    TraceError,
)
from engine.functional import grad, gradients, hessian, topological_order, value_and_grad, zero_grad
from engine.modes import (
    detect_anomaly,
    enable_grad,
    graph_mode,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from engine.nary import dot, linear, max, sum  # noqa: F401 - engine.max and engine.sum, not in __all__
from engine.ops import OPS, Primitive, cos, exp, log, number, power, relu, sigmoid, sin, sqrt, tanh
from engine.value import Op, Value

# `from engine import *` leaves Python's builtins alone: engine.sum, engine.max and engine.compile
# are reached by name (engine.sum([...])), never by the star.
__all__ = [
    "AnomalyError",
    "GradcheckError",
    "LostGradientWarning",
    "NoGradError",
    "OPS",
    "Op",
    "Primitive",
    "RebindingWarning",
    "TraceError",
    "Value",
    "analytic_grad",
    "cos",
    "detect_anomaly",
    "dot",
    "enable_grad",
    "exp",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "gradients",
    "graph_mode",
    "hessian",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "linear",
    "log",
    "no_grad",
    "number",
    "numerical_grad",
    "numerical_hessian",
    "power",
    "relu",
    "set_grad_enabled",
    "sigmoid",
    "sin",
    "sqrt",
    "tanh",
    "topological_order",
    "value_and_grad",
    "zero_grad",
]
