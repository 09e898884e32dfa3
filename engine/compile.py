"""engine.compile(fn): trace a function once through the real engine, then run it as generated code.

    >>> import engine
    >>> w, b = engine.Value(2.0, label="w"), engine.Value(0.5, label="b")
    >>> step = engine.compile(lambda x: (w * x + b).tanh())
    >>> out = step(1.0)
    >>> out.backward()
    >>> round(out.data, 6), round(w.grad, 6)
    (0.986614, 0.026592)
    >>> out = step(-1.0)  # the same code, a new number; w is read from .data again

The first call traces: the numbers among the arguments (floats, and nested lists and tuples of
them) become leaves, `fn` runs on them with the engine's tracing switch on (a branch on a traced
number raises TraceError naming the line), and the graph it builds is written out as straight-line
Python (engine.codegen) or, for graphs too big for that, a tape (engine.tape); the cyclic
collector is paused meanwhile (engine.modes.collector_paused: scoped, and restoring its state).
Later calls with the same structure run that code: arguments' numbers are read anew, parameters
(the tracked leaves `fn` read) from their ``.data``, so optimizers may update them in place.

What is guarded (a change re-traces, up to `max_traces` structures; beyond that the function runs
eagerly with a warning): the nesting and lengths of the arguments, integers and bools among them
(they may pick a class or a length), other objects by identity, whether Value arguments are
tracked, numbers the function closes over or reads from its module's globals, and whether each
parameter still requires grad. no_grad() inside `fn` is refused while tracing. What is not seen
(documented limits): a number read through ``.data`` inside `fn`, and values made inside `fn` by
detach(); both are baked into the trace as constants. The checks Value.__pow__ makes before its op
(0 to a negative power, a tracked exponent of a base <= 0) run on the traced numbers only; later
calls give inf or nan there, as engine.power does. Other domain errors (log of x <= 0, sqrt of
x < 0, x / 0) are raised by the entries' forwards inside the compiled code, as eagerly.

A call returns a Value made by one node, op 'compiled', whose parents are the parameters and whose
local derivatives are d(output)/d(parameter), computed by the compiled backward during the call.
So ``out.backward()`` is the engine's own backward and accumulates exactly as it does; the output
can be used in further ops. ``out.backward(create_graph=True)`` runs `fn` eagerly once more on the
same arguments and differentiates that graph, so higher-order gradients work (at eager speed).
Under no_grad() only the forward runs, and the result is an untracked Value.
"""

from __future__ import annotations

import functools
import inspect
import math
import operator
import warnings
from _thread import get_ident
from numbers import Integral, Real
from typing import Any, Callable

from engine import autograd, codegen, tape
from engine.errors import TraceError
from engine.modes import collector_paused, enable_grad, is_grad_enabled, threads_tracing, tracing
from engine.node import made_by_ops, operand_layout
from engine.ops import Primitive
from engine.value import Value, _constant, _nary_node

CODE_LIMIT = 60_000  # op nodes; above, runner="auto" uses the tape: tracing, generating and compiling cost about
# 0.07 ms of CPU per node (W1: 6,805 nodes, 0.45 s; 27,205 nodes, 2 s), the tape sets up in a third of that
_STRING_LIKE = (str, bytes, type(None), type)
_FLOAT_ONLY = {float}


class _Same:
    """An object of the arguments, guarded by identity (not by ==, which may be anything)."""

    __slots__ = ("item",)

    def __init__(self, item: object) -> None:
        self.item = item

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.item is self.item

    def __hash__(self) -> int:
        return id(self.item)


def _flatten(arguments: tuple) -> tuple[list[float], list[Value], tuple]:
    """The numbers among `arguments` (inputs), the Values among them, and their structure: a tuple
    that two calls share exactly when the same compiled code serves both."""
    numbers: list[float] = []
    values: list[Value] = []
    structure: list[Any] = []
    stack: list[Any] = [arguments]
    while stack:
        item = stack.pop()
        kind = item.__class__
        if kind is float:
            numbers.append(item)
            structure.append(0)
        elif kind is list or kind is tuple:
            if item and {*map(type, item)} == _FLOAT_ONLY:  # a row of floats, read at C speed
                numbers.extend(item)
                structure.append((kind, len(item), float))
            else:
                structure.append((kind, len(item)))
                stack.extend(reversed(item))
        elif kind is Value:
            if not item.is_leaf:
                raise TypeError(
                    f"engine.compile: an argument is a Value made by op '{item.op}' ({item!r}); the compiled "
                    "function reads only leaves and numbers: pass its number (v.data), or compute it inside the function"
                )
            values.append(item)
            structure.append((Value, item._entry is not None))
        elif kind is bool or isinstance(item, Integral):
            structure.append((int, int(item)))  # structure: a class index, a length
        elif isinstance(item, Real):
            numbers.append(float(item))  # numpy's floats and the like
            structure.append(0)
        elif kind is dict:
            keys = sorted(item, key=repr)
            structure.append((dict, tuple(keys)))
            stack.extend(reversed([item[key] for key in keys]))
        elif hasattr(item, "tolist") and hasattr(item, "shape"):  # a numpy array: its numbers
            structure.append(("array", tuple(item.shape)))
            stack.append(item.tolist())
        else:
            structure.append(item if isinstance(item, _STRING_LIKE) else _Same(item))
    return numbers, values, tuple(structure)


def _rebuild(arguments: tuple, numbers: list[float], names: list[str]) -> tuple[tuple, list[Value]]:
    """`arguments` (args, kwargs) with each number replaced by a new leaf, labelled by where it
    sits (``X_3_1`` for X[3][1], after the function's parameter names); and those leaves, in the
    order _flatten reads the numbers."""
    supply = iter(numbers)
    leaves: list[Value] = []
    args, kwargs = arguments
    new_args = tuple(_rebuilt(item, names[index] if index < len(names) else f"arg{index}", supply, leaves)
                     for index, item in enumerate(args))
    new_kwargs = {key: _rebuilt(kwargs[key], str(key), supply, leaves) for key in sorted(kwargs, key=repr)}
    return (new_args, new_kwargs), leaves


def _rebuilt(item: Any, where: str, supply: Any, leaves: list[Value]) -> Any:
    """One argument rebuilt for _rebuild (recursing as deep as the arguments nest: a few levels)."""
    kind = item.__class__
    if kind is float or (isinstance(item, Real) and not isinstance(item, Integral) and kind is not Value):
        leaves.append(Value(next(supply), label=where))
        return leaves[-1]
    if kind is list or kind is tuple:
        return kind(_rebuilt(part, f"{where}_{index}", supply, leaves) for index, part in enumerate(item))
    if kind is dict:
        return {key: _rebuilt(item[key], f"{where}_{position}", supply, leaves)
                for position, key in enumerate(sorted(item, key=repr))}
    if hasattr(item, "tolist") and hasattr(item, "shape"):
        return _rebuilt(item.tolist(), where, supply, leaves)
    return item


def _parameter_names(function: Callable[..., Any]) -> list[str]:
    """The names of `function`'s positional parameters, for the labels of the inputs."""
    try:
        return [parameter.name for parameter in inspect.signature(function).parameters.values()
                if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return []


def _free_numbers(function: Callable[..., Any]) -> tuple:
    """The numbers `function` closes over or reads from its module's globals: baked into a trace, so guarded."""
    function = getattr(function, "__func__", function)
    code = getattr(function, "__code__", None)
    if code is None:
        return ()
    found = []
    for name, cell in zip(code.co_freevars, function.__closure__ or ()):
        try:
            content = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if isinstance(content, (Real, str)) and not isinstance(content, Value):
            found.append((name, content))
    module = getattr(function, "__globals__", {})
    for name in code.co_names:
        content = module.get(name)
        if isinstance(content, Real) and content.__class__ is not Value:
            found.append((name, content))
    return tuple(found)


_entry_of = operator.attrgetter("_entry")


class _Trace:
    """One traced structure: its runner, the Values it reads, and how to rebuild the outputs."""

    def __init__(self, runner: Any, captured: list[Value], output_shape: Any, nodes: int) -> None:
        self.runner = runner
        self.captured = captured  # parameters and untracked constants the function read
        self.entries = list(map(_entry_of, captured))  # LEAF (tracked) or None (untracked) for each
        self.output_shape = output_shape
        self.nodes = nodes

    def still_valid(self) -> bool:
        """Every captured Value is still as tracked (or untracked) as when traced."""
        return list(map(_entry_of, self.captured)) == self.entries


def _no_forward(*operands: Any) -> Any:
    """The forward of op 'compiled': its node is made by a compiled call, never by the op itself."""
    raise TraceError(
        "op 'compiled' has no forward of its own: its nodes come from calls of an engine.compile function; "
        "call that function instead"
    )


class Compiled:
    """`fn` compiled (see the module docstring). Attributes: `source` (the generated code of the
    latest trace), `traces` (how many structures were traced), `runner` ('code', 'tape' or 'auto')."""

    def __init__(self, function: Callable[..., Any], runner: str = "auto", max_traces: int = 8) -> None:
        if not callable(function):
            raise TypeError(f"engine.compile() needs a function, got {type(function).__name__}: {function!r}")
        if runner not in ("auto", "code", "tape"):
            raise ValueError(f"engine.compile(runner={runner!r}): choose 'auto', 'code' (generated Python) or 'tape'")
        if not isinstance(max_traces, int) or max_traces < 1:
            raise ValueError(f"engine.compile(max_traces={max_traces!r}) needs a positive int")
        self.function = function
        self.runner = runner
        self.max_traces = max_traces
        self.traces = 0
        self._cache: dict[tuple, _Trace] = {}
        self._latest: _Trace | None = None
        self._warned = False
        self.__name__ = getattr(function, "__name__", "compiled")
        self.__doc__ = getattr(function, "__doc__", None)

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        """As a method decorator: the instance is an argument (guarded by identity)."""
        return self if instance is None else functools.partial(self.__call__, instance)

    @property
    def source(self) -> str:
        """The generated Python of the latest trace: forward lines, then backward lines."""
        if self._latest is None:
            raise TraceError("compiled.source: nothing is compiled yet; call the compiled function once first")
        return self._latest.runner.source

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if threads_tracing and get_ident() in threads_tracing:  # inside another compiled function's trace:
            return self.function(*args, **kwargs)  # its ops become part of that trace (as jax.jit nests)
        arguments = (args, kwargs) if kwargs else args
        numbers, values, structure = _flatten(arguments)
        key = (structure, _free_numbers(self.function))
        trace = self._cache.get(key)
        if trace is not None and not trace.still_valid():
            del self._cache[key]
            trace = None
        if trace is None:
            if len(self._cache) >= self.max_traces:
                if not self._warned:
                    warnings.warn(
                        f"engine.compile: {self.__name__} was traced for {self.max_traces} different structures "
                        "(argument lengths, integers, objects); running it eagerly from now on for new ones. "
                        "Pass numbers that vary as floats, or raise max_traces",
                        RuntimeWarning, stacklevel=2,
                    )
                    self._warned = True
                return self.function(*args, **kwargs)
            trace = self._trace(args, kwargs, numbers, values)
            self._cache[key] = trace
        self._latest = trace
        sources = trace.captured + values if values else trace.captured
        backward = is_grad_enabled()
        outputs, gradients = trace.runner.run(numbers, sources, backward)
        return self._outputs(trace, outputs, gradients, sources, backward, args, kwargs)

    def _outputs(self, trace: _Trace, outputs: list, gradients: list, sources: list, backward: bool,
                 args: tuple, kwargs: dict) -> Any:
        data = outputs[0]
        parents = tuple(sources[index] for index in trace.runner.gradient_sources)
        if backward and parents:
            function, arguments = self.function, (args, kwargs)

            def eager_locals(*operands: Any) -> Any:  # for create_graph: the eager graph's gradients
                output = function(*arguments[0], **arguments[1])
                output = output if isinstance(output, Value) else output[0]
                return tuple(autograd.gradients(output, list(operands[:-1]), _constant(1.0), True))

            loss: Value = _nary_node(data, Primitive("compiled", _no_forward, eager_locals),
                                     parents, parents, tuple(gradients), made_by_ops(parents))
        else:
            loss = _constant(data)
        if trace.output_shape is None:
            return loss
        rest = iter(outputs[1:])
        kind, shape = trace.output_shape
        return kind([loss, *(_unflatten(part, rest) for part in shape)])

    def _trace(self, args: tuple, kwargs: dict, numbers: list[float], values: list[Value]) -> _Trace:
        with collector_paused():  # the trace holds no cycles; the collector would rescan it again and again
            return self._trace_unpaused(args, kwargs, numbers, values)

    def _trace_unpaused(self, args: tuple, kwargs: dict, numbers: list[float], values: list[Value]) -> _Trace:
        (traced_args, traced_kwargs), inputs = _rebuild((args, kwargs), numbers, _parameter_names(self.function))
        with tracing(), enable_grad():
            result = self.function(*traced_args, **traced_kwargs)
        loss, aux, output_shape = _split_outputs(result, self.__name__)
        outputs = [loss, *aux]
        nodes, leaves = _graph_of(outputs)
        input_ids = {id(leaf) for leaf in inputs}
        argument_ids = {id(value) for value in values}
        captured: list[Value] = []
        seen: set[int] = set(input_ids) | argument_ids
        for value in leaves:
            if id(value) not in seen:
                seen.add(id(value))
                captured.append(value)
        sources = captured + values
        runner_kind = self.runner
        if runner_kind == "auto":
            runner_kind = "code" if len(nodes) <= CODE_LIMIT else "tape"
        runner = (codegen.generate if runner_kind == "code" else tape.Tape)(nodes, inputs, sources, outputs)
        self.traces += 1
        _verify(runner, numbers, sources, outputs, self.__name__)
        return _Trace(runner, captured, output_shape, len(nodes))


def _split_outputs(result: Any, name: str) -> tuple[Any, list, Any]:
    """The loss, the other outputs flattened, and the shape to rebuild them in (None for a lone Value)."""
    if isinstance(result, (Value, Real)) and not isinstance(result, bool):
        return _as_value(result), [], None
    if isinstance(result, (list, tuple)) and result and isinstance(result[0], (Value, Real)):
        aux: list = []
        shape = [_flatten_output(part, aux) for part in result[1:]]
        return _as_value(result[0]), aux, (result.__class__, shape)
    raise TypeError(
        f"engine.compile: {name} must return a Value (the loss), or a tuple whose first item is the loss "
        f"and whose others are Values or lists of them; it returned {type(result).__name__}: {result!r}"
    )


def _as_value(result: Any) -> Value:
    return result if isinstance(result, Value) else _constant(float(result))


def _flatten_output(part: Any, into: list) -> Any:
    """A shape for `part` (a Value, a number, or a list or tuple of them), appending its Values to `into`."""
    if isinstance(part, (list, tuple)):
        return (part.__class__, [_flatten_output(item, into) for item in part])
    into.append(_as_value(part) if isinstance(part, Real) else part)
    if not isinstance(into[-1], Value):
        raise TypeError(f"engine.compile: an extra output is {type(part).__name__}: {part!r}; return Values or numbers")
    return None


def _unflatten(shape: Any, numbers: Any) -> Any:
    if shape is None:
        return _constant(next(numbers))
    kind, parts = shape
    return kind(_unflatten(part, numbers) for part in parts)


def _graph_of(outputs: list[Value]) -> tuple[list, list[Value]]:
    """Every node made by ops below the outputs, each after its parents (autograd.walk, merged), and
    the leaf Values they read, tracked or not, in the order first reached (outputs that are leaves too)."""
    nodes: list = []
    leaves: list = []
    seen: set[int] = set()
    for output in outputs:
        found = autograd.walk(output)
        tracked_leaves = autograd.leaves_of(found) if found else [output]
        for node in found:
            if id(node) not in seen:
                seen.add(id(node))
                nodes.append(node)
        leaves += [leaf for leaf in tracked_leaves if leaf._entry is not None]
    for node in nodes:  # untracked Values among the operands (never parents)
        operands, is_parent = operand_layout(node)
        if not all(is_parent):
            leaves += [operand for operand, parent in zip(operands, is_parent)
                       if not parent and isinstance(operand, Value) and operand._entry is None]
    return nodes, leaves


def _verify(runner: Any, numbers: list[float], sources: list[Value], outputs: list[Value], name: str) -> None:
    """The first run of new code against the trace itself: the same outputs and gradients, or an error."""
    results, gradients = runner.run(numbers, sources, True)
    expected = [output.data for output in outputs]
    tracked = [sources[index] for index in runner.gradient_sources]
    if tracked and outputs[0]._entry is not None and not outputs[0].is_leaf:
        expected_gradients = autograd.gradients(outputs[0], tracked, 1.0, False)
    else:
        expected_gradients = list(gradients)
    for got, want in zip([*results, *gradients], [*expected, *expected_gradients]):
        if not (got == want or math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12) or (got != got and want != want)):
            raise TraceError(
                f"engine.compile: the code generated for {name} disagrees with the traced graph ({got!r} against "
                f"{want!r}); this is a bug in engine.compile: please report it, and run the function eagerly"
            )


def compile(function: Callable[..., Any], runner: str = "auto", max_traces: int = 8) -> Compiled:  # noqa: A001
    """`function` traced once and run as straight-line Python (see engine.compile's module docstring).

    Args:
        function: returns the loss (a Value), or a tuple (loss, other Values...).
        runner: 'code' (generated Python, fastest), 'tape' (no code generated: for graphs too big
            to compile), or 'auto' (code up to engine.compile.CODE_LIMIT op nodes).
        max_traces: how many different argument structures to trace before running eagerly.
    """
    return Compiled(function, runner, max_traces)
