"""chaingrad's engine: scalar reverse-mode autograd in plain Python (standard library only).

    >>> from engine import Value
    >>> a, b = Value(2.0), Value(1.0)
    >>> e = (a + b) * (b + 1)
    >>> e.backward()
    >>> a.grad, b.grad
    (2.0, 5.0)
"""

from engine.check import analytic_grad, gradcheck, gradgradcheck, numerical_grad, numerical_hessian
from engine.errors import AnomalyError, GradcheckError, NoGradError
from engine.functional import grad, hessian, value_and_grad
from engine.value import (
    BINARY_OPS,
    CONSTANT_DERIVATIVES,
    GRAPH_DERIVATIVES,
    UNARY_OPS,
    Value,
    detect_anomaly,
    dot,
    enable_grad,
    gradients,
    is_grad_enabled,
    no_grad,
    sum,
    topological_order,
    zero_grad,
)

__all__ = [
    "AnomalyError",
    "BINARY_OPS",
    "CONSTANT_DERIVATIVES",
    "GRAPH_DERIVATIVES",
    "GradcheckError",
    "NoGradError",
    "UNARY_OPS",
    "Value",
    "analytic_grad",
    "detect_anomaly",
    "dot",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "gradients",
    "hessian",
    "is_grad_enabled",
    "no_grad",
    "numerical_grad",
    "numerical_hessian",
    "sum",
    "topological_order",
    "value_and_grad",
    "zero_grad",
]
