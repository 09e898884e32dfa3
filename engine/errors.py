"""The exceptions chaingrad raises beyond Python's own (TypeError, ValueError, ZeroDivisionError, ...)."""


class NoGradError(RuntimeError):
    """backward() was called on a Value that does not require grad."""


class AnomalyError(ArithmeticError):
    """Under detect_anomaly(): an op or a gradient produced a non-finite number."""


class GradcheckError(AssertionError):
    """gradcheck(): an analytic gradient disagrees with central differences."""


class TraceError(RuntimeError):
    """engine.compile: the function read a traced number (a branch on it, float(), a comparison),
    which the compiled code would not recompute on later calls."""
