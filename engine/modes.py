"""Grad mode, anomaly mode and the cycle collector's pause: the engine's switches.

Grad mode and anomaly mode are per thread, as in PyTorch: one thread's ``no_grad()`` never changes
what another thread records, and leaving blocks in any order across threads restores each
thread's own mode. Every switch is a context manager that also works as a decorator, bare or
called (``@no_grad`` or ``@no_grad()``), on functions and on generator functions.

``graph_mode()`` pauses the cyclic garbage collector while a large graph is built. That collector
is process-wide; the pause is re-entrant and counted across threads, and the collector's previous
state comes back when the last pause ends. ``gc.freeze()`` is never used.
"""

from __future__ import annotations

import functools
import gc
import inspect
import threading
from _thread import get_ident
from typing import Any, Callable, Iterator, TypeVar

from engine.errors import TraceError

F = TypeVar("F", bound=Callable[..., Any])


# The threads (by identity) whose grad mode is off, and those in anomaly mode. Ops ask "is this
# set empty?" first, which costs a fraction of a thread-local lookup (measured: a relu node 5,200
# instructions with threading.local, ~4,500 with this), and only then look for their own thread.
threads_without_grad: set[int] = set()
threads_in_anomaly_mode: set[int] = set()
threads_tracing: set[int] = set()  # inside engine.compile's trace: reading a number is refused


def refuse_inside_trace(message: str) -> None:
    """Raise TraceError with `message` (its {where} filled with the user's file, line and code) if this
    thread is tracing for engine.compile; do nothing otherwise."""
    if get_ident() not in threads_tracing:
        return
    import traceback  # only on this error path

    engine_folder = __file__.rsplit("/", 1)[0]
    frames = [frame for frame in traceback.extract_stack() if not frame.filename.startswith(engine_folder)]
    where = f"{frames[-1].filename}:{frames[-1].lineno}: {frames[-1].line}" if frames else "in the traced function"
    raise TraceError("engine.compile: " + message.format(where=where))


class _ThreadEnd:
    """Kept in a thread's own state once the thread joins one of the sets above. Python clears that
    state when the thread ends, and then this takes the thread's identity out of the sets, so that
    a new thread given the same identity starts with grad on (a thread may end inside no_grad(), or
    after set_grad_enabled(False))."""

    __slots__ = ("thread", "sets")

    def __init__(self, thread: int) -> None:
        self.thread = thread
        self.sets = (threads_without_grad, threads_in_anomaly_mode, threads_tracing)  # held: safe at exit

    def __del__(self) -> None:
        for threads in self.sets:
            threads.discard(self.thread)


class _ThreadModes(threading.local):
    """Each thread's other state; the class attributes are every new thread's defaults."""

    grad_depth = 0  # how many engine.grad() functions this thread is evaluating
    end: _ThreadEnd | None = None  # see _ThreadEnd


modes = _ThreadModes()


def _join(threads: set[int], thread: int) -> None:
    """Put `thread` in `threads`, and have it taken out of every such set when the thread ends."""
    if modes.end is None:
        modes.end = _ThreadEnd(thread)
    threads.add(thread)


def is_grad_enabled() -> bool:
    """True unless this thread is inside no_grad()."""
    return get_ident() not in threads_without_grad


def is_anomaly_enabled() -> bool:
    """True inside detect_anomaly() in this thread."""
    return get_ident() in threads_in_anomaly_mode


class _Switch:
    """A context manager that puts this thread in `threads` (or takes it out) and restores its
    membership on exit; also a decorator (bare or called), for functions and generator functions."""

    threads: set[int] = set()
    member = True

    def __init__(self, function: Callable[..., Any] | None = None) -> None:
        self._saved: list[Any] = []  # a stack: the same object may be entered again while inside
        self._function = function
        if function is not None:
            functools.update_wrapper(self, function)

    def __enter__(self) -> None:
        thread = get_ident()
        self._saved.append(thread in self.threads)
        if self.member:
            _join(self.threads, thread)
        else:
            self.threads.discard(thread)

    def __exit__(self, *exc_info: object) -> None:
        if self._saved.pop():
            _join(self.threads, get_ident())
        else:
            self.threads.discard(get_ident())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._function is None:  # @no_grad(): decorate the function given now
            (function,) = args
            return type(self)(function)
        return _run_switched(type(self), self._function, args, kwargs)

    def __get__(self, instance: object, owner: type | None = None) -> Any:  # decorating a method
        if instance is None or self._function is None:
            return self
        return functools.partial(self.__call__, instance)


def _run_switched(switch: type, function: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    """Call function with the switch on; for a generator function, keep it on while the generator runs."""
    if not inspect.isgeneratorfunction(function):
        with switch():
            return function(*args, **kwargs)
    return _switched_generator(switch, function(*args, **kwargs))


def _switched_generator(switch: type, generator: Any) -> Iterator[Any]:
    """Run each step of `generator` with the switch on, and the caller's mode between steps."""
    sent: Any = None
    thrown: BaseException | None = None
    while True:
        try:
            with switch():
                item = generator.send(sent) if thrown is None else generator.throw(thrown)
        except StopIteration as stop:
            return stop.value
        sent, thrown = None, None
        try:
            sent = yield item
        except GeneratorExit:
            generator.close()
            raise
        except BaseException as error:  # thrown in by the caller: pass it on, as PyTorch's decorator does
            thrown = error


class no_grad(_Switch):
    """Inside this block (or function) ops record no graph: results are untracked, as torch.no_grad."""

    threads, member = threads_without_grad, True

    def __enter__(self) -> None:
        if threads_tracing:
            refuse_inside_trace(
                "no_grad() at {where} inside a traced function: what it computes would be baked into the "
                "compiled code as constants; move it out of the compiled function, or run this function eagerly"
            )
        super().__enter__()


class enable_grad(_Switch):
    """Record graphs again inside a no_grad() block, as torch.enable_grad."""

    threads, member = threads_without_grad, False


class detect_anomaly(_Switch):
    """Raise AnomalyError at the first non-finite value or gradient, naming the op and its inputs."""

    threads, member = threads_in_anomaly_mode, True


class tracing(_Switch):
    """Inside engine.compile's trace: bool(), float(), comparisons of Values raise TraceError."""

    threads, member = threads_tracing, True


def _set_grad_mode(enabled: bool) -> None:
    if enabled:
        threads_without_grad.discard(get_ident())
    else:
        _join(threads_without_grad, get_ident())


class set_grad_enabled:
    """Grad mode on or off by a flag, as torch.set_grad_enabled: called alone it sets this thread's
    mode at once; as a context manager (or decorator) it also puts the earlier mode back at the end."""

    def __init__(self, enabled: bool) -> None:
        if not isinstance(enabled, bool):
            raise TypeError(f"set_grad_enabled() needs True or False, got {type(enabled).__name__}: {enabled!r}")
        if not enabled and threads_tracing:
            refuse_inside_trace(
                "set_grad_enabled(False) at {where} inside a traced function: what it computes would be baked "
                "into the compiled code as constants; move it out of the compiled function, or run it eagerly"
            )
        self._was_enabled = is_grad_enabled()
        self._switch = enable_grad() if enabled else no_grad()
        _set_grad_mode(enabled)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        _set_grad_mode(self._was_enabled)

    def __call__(self, function: F) -> F:
        """As a decorator: the function runs in that mode, and the mode before the decoration comes back."""
        self.__exit__(None, None, None)
        return self._switch(function)


# ---- the cycle collector ----------------------------------------------------------------------

_pause_lock = threading.Lock()
_pauses = 0
_collector_was_enabled = False


class collector_paused:
    """Pause the cyclic garbage collector inside this block (re-entrant, across threads too): the
    collector's state before the first pause comes back when the last one ends."""

    def __enter__(self) -> None:
        global _pauses, _collector_was_enabled
        with _pause_lock:
            if _pauses == 0:
                _collector_was_enabled = gc.isenabled()
                gc.disable()
            _pauses += 1

    def __exit__(self, *exc_info: object) -> None:
        global _pauses
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _collector_was_enabled:
                gc.enable()


class graph_mode(collector_paused):
    """Build large graphs faster: the cyclic collector is paused inside this block.

    chaingrad's graphs hold no reference cycles and are freed by reference counting, so the
    collector finds nothing in them; without the pause it rescans the growing graph again and
    again (about half the time of building a 1,000,000-node chain). Re-entrant and counted across
    threads; the collector's earlier state is restored when the last block ends. Garbage cycles
    made elsewhere inside the block are collected after it.

        >>> import engine
        >>> with engine.graph_mode():
        ...     x = engine.Value(0.5)
        ...     for _ in range(1000):
        ...         x = (x * 1.0001 + 0.1).tanh()
    """
