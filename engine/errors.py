"""The exceptions chaingrad raises beyond Python's own (TypeError, ValueError, ZeroDivisionError, ...), and its
warnings (a line that runs but is most likely not what was meant)."""


class NoGradError(RuntimeError):
    """backward() was called on a Value that does not require grad."""


class AnomalyError(ArithmeticError):
    """Under detect_anomaly(): an op or a gradient produced a non-finite number."""


class GradcheckError(AssertionError):
    """gradcheck(): an analytic gradient disagrees with central differences."""


class TraceError(RuntimeError):
    """engine.compile: the function read a traced number (a branch on it, float(), a comparison),
    which the compiled code would not recompute on later calls."""


class LostGradientWarning(UserWarning):
    """A tracked Value was read as a float (float(v), math.exp(v)) with grad mode on: no gradient flows back."""


class RebindingWarning(UserWarning):
    """``p -= lr * p.grad`` on a parameter rebinds the name p; ``p.data -= lr * p.grad`` changes it."""
