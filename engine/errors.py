"""The exceptions chaingrad raises beyond Python's own (TypeError, ValueError, ZeroDivisionError, ...)."""


class NoGradError(RuntimeError):
    """backward() was called on a Value that does not require grad."""


class AnomalyError(ArithmeticError):
    """Under detect_anomaly(): an op or a gradient produced a non-finite number."""


class GradcheckError(AssertionError):
    """gradcheck(): an analytic gradient disagrees with central differences."""
