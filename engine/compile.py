"""engine.compile(fn): trace a function once through the real engine, then run it as generated code.

    >>> import engine
    >>> w, b = engine.Value(2.0, label="w"), engine.Value(0.5, label="b")
    >>> step = engine.compile(lambda x: (w * x + b).tanh())
    >>> out = step(1.0)
    >>> out.backward()
    >>> round(out.data, 6), round(w.grad, 6)
    (0.986614, 0.026592)
    >>> out = step(-1.0)  # the same code, a new number; w is read from .data again

The first call traces: the numbers among the arguments (floats, and nested lists, tuples, dicts and
dataclasses of them) become leaves, and so does each Value argument (a stand-in, so that the trace
tells it from the same Value reached another way); `fn` runs on them with the engine's tracing
switch on, and the graph it builds is written out as Python (engine.codegen: a line per node, and a
stretch that repeats, as a batch's samples do, once, as a loop: engine.loops) or, for graphs too big
for that, a tape (engine.tape); the cyclic collector is paused meanwhile
(engine.modes.collector_paused: scoped, and restoring its state). Later calls with the same
structure and state run that code: arguments' numbers are read anew, parameters and frozen Values
(the leaves `fn` read) from their ``.data``, so optimizers may update them in place.

Never silently wrong: a compiled call gives what `fn` gives eagerly, the value and every gradient,
or raises TraceError naming the line and the fix, or (random numbers) warns once at the trace.

- Guarded (a change traces again, as torch.compile's guards; after `max_traces` structures `fn`
  runs eagerly with a warning): the nesting and lengths of the arguments, their integers and bools,
  a Value passed twice, whether each Value argument is tracked, other argument objects by identity;
  and everything `fn` reads without an argument (engine.guards.state): its closures, the globals of
  `fn` and of the functions it calls, the attributes of the objects they name (``cfg.scale``, a
  LeakyReLU's slope, a rebuilt or unpickled model), lists of numbers changed in place, attributes
  of the user's modules; whether each parameter still requires grad; a parameter's ``.data`` read
  inside `fn`.
- Refused with TraceError naming the line: a branch or comparison on a traced number (``if v > 0``,
  ``max(a, b)``), ``float(v)``, ``v.item()``, ``math.exp(v)``, ``v.data`` and ``v.grad`` of a
  Value the trace computes, ``label == 1.0``, a dict lookup and ``isinstance(label, float)`` on a
  number argument, writing ``.data`` or ``.grad``, ``no_grad()`` and ``set_grad_enabled(False)``.
- Recomputed on every call, never folded: ops on untracked Values (a frozen parameter) and
  ``detach()`` (it passes no gradient); entries of `engine.Op` whose functions read state (called
  by name in the code). Only true constants (``x * 2.0``) are folded.
- Warned at the trace, naming the line: random numbers drawn inside `fn` (``random``, a
  ``random.Random``, numpy's random), which are baked in; ``isinstance`` or ``type`` of an
  expression (``isinstance(xs[0], float)``) in a frame holding a number argument, which may be it.
- Not seen (the limits that remain): numbers `fn` gets from where the guards do not walk (the
  attributes of chaingrad's own classes and of installed packages' objects, files, clocks, C
  extensions); ``is`` between a Value argument and another Value; the state create_graph's eager
  re-run reads, which is that of the backward, not of the call. Side effects of `fn` (printing,
  appending to a list) happen while tracing only, as under jax.jit; one on what `fn` reads is
  warned about. The safe pattern: pass the model and everything that changes as arguments
  (``step(model, X, y)``): numbers become inputs, the model is guarded by identity and by what it
  holds. A parameter or Value argument that `fn` returns comes back as itself.

The checks Value.__pow__ makes before its op (0 to a negative power, a tracked exponent of a base
<= 0) run on the traced numbers only; later calls give inf or nan there, as engine.power does.
Other domain errors (log of x <= 0, sqrt of x < 0, x / 0) are raised by the entries' forwards
inside the compiled code, as eagerly.

A call returns Values made by one node each, op 'compiled', whose parents are the parameters and
whose local derivatives are d(output)/d(parameter), computed by the compiled backward during the
call (every Value `fn` returns, in tuples, lists or dicts: outputs after the first run a backward of
their own cone; detach() those used only as numbers). So ``out.backward()`` is the engine's own
backward and accumulates exactly as it does, in eager backward()'s order of sums; the output can be
used in further ops. ``out.backward(create_graph=True)`` runs `fn` eagerly once more on the
numbers of that call and differentiates that graph, so higher-order gradients work (at eager
speed). Under no_grad() only the forward runs, and the results are untracked Values.
"""

from __future__ import annotations

import copy as _copy
import dataclasses
import functools
import inspect
import math
import operator
import types
import warnings
from _thread import get_ident
from numbers import Integral, Real
from typing import Any, Callable

from engine import autograd, codegen, guards, loops, tape
from engine.errors import TraceError
from engine.modes import collector_paused, enable_grad, is_grad_enabled, threads_tracing, tracing
from engine.node import made_by_ops
from engine.ops import OPS, Primitive
from engine.guards import Same
from engine.value import Value, _constant, _nary_node

CODE_LIMIT = 60_000  # op nodes written out (a loop's repeats once: engine.loops); above, runner="auto" uses the
# tape: tracing, generating and compiling cost about 0.07 ms of CPU per node written out (27,205 nodes, 2 s), the
# tape sets up in a third of that. But the tape runs a node of one or two operands slower than eager does (a
# 30,000-node chain: tape 20.3 ms, eager 16.7 ms, code 1.8 ms per call): a graph made mostly of such nodes gets
# code up to 4 * CODE_LIMIT nodes written out, the tape only above that.
_SUM_OR_DOT = (OPS["sum"], OPS["dot"])
_STRING_LIKE = (str, bytes, type(None), type)
_FLOAT_ONLY = {float}


def _flatten(arguments: tuple) -> tuple[list[float], list[Value], tuple, list]:
    """The numbers among `arguments` (inputs), the Values among them (each once), their structure (a
    tuple that two calls share exactly when the same compiled code serves both: a Value passed twice
    is marked so), and the other objects among them (guarded by identity and by what they hold)."""
    numbers: list[float] = []
    values: list[Value] = []
    objects: list[Any] = []
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
        elif kind is Value or isinstance(item, Value):
            if not item.is_leaf:
                raise TypeError(
                    f"engine.compile: an argument is a Value made by op '{item.op}' ({item!r}); the compiled "
                    "function reads only leaves and numbers: pass its number (v.data), or compute it inside the function"
                )
            for position, value in enumerate(values):
                if value is item:  # the same Value again: the trace shares one leaf for both
                    structure.append((Value, "again", position))
                    break
            else:
                values.append(item)
                structure.append((Value, item._entry is not None))
        elif kind is bool or isinstance(item, Integral):
            structure.append((int, int(item)))  # structure: a class index, a length
        elif isinstance(item, Real):
            numbers.append(float(item))  # numpy's floats and the like
            structure.append(0)
        elif kind is dict:
            structure.append((dict, tuple(item)))
            stack.extend(reversed(item.values()))
        elif hasattr(item, "tolist") and hasattr(item, "shape"):  # a numpy array: its numbers
            structure.append(("array", tuple(item.shape)))
            stack.append(item.tolist())
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):  # a batch: its fields, as a dict's
            fields = [field.name for field in dataclasses.fields(item)]
            structure.append((kind, tuple(fields)))
            stack.extend(reversed([getattr(item, name) for name in fields]))
        elif isinstance(item, _STRING_LIKE):
            structure.append(item)
        else:
            structure.append(Same(item))
            objects.append(item)
    return numbers, values, tuple(structure), objects


def _rebuild(arguments: tuple, numbers: list[float], names: list[str], traced: bool) -> tuple[tuple, list[Value], list[Value]]:
    """`arguments` (args, kwargs) with each number replaced: by a new leaf labelled by where it sits
    (``X_3_1`` for X[3][1], after the function's parameter names) if `traced`, else by the number given
    (a snapshot). Traced, each Value argument is replaced by a new leaf standing for it (the same one
    where it is passed twice), so the trace tells it from the same Value reached another way.
    Returns the arguments, the leaves for the numbers (in _flatten's order), and those for the Values."""
    build = _Rebuilt(iter(numbers), traced)
    args, kwargs = arguments
    new_args = tuple(build(item, names[index] if index < len(names) else f"arg{index}") for index, item in enumerate(args))
    new_kwargs = {key: build(value, str(key)) for key, value in kwargs.items()}
    return (new_args, new_kwargs), build.leaves, list(build.stand_ins.values())


class _Rebuilt:
    """One argument rebuilt for _rebuild (recursing as deep as the arguments nest: a few levels)."""

    def __init__(self, supply: Any, traced: bool) -> None:
        self.supply = supply
        self.traced = traced
        self.leaves: list[Value] = []
        self.stand_ins: dict[int, Value] = {}

    def __call__(self, item: Any, where: str) -> Any:
        kind = item.__class__
        if kind is Value:
            if not self.traced:
                return item
            if id(item) not in self.stand_ins:
                self.stand_ins[id(item)] = Value(item.data, label=item._label or where,
                                                 requires_grad=item._entry is not None)
            return self.stand_ins[id(item)]
        if kind is float or (isinstance(item, Real) and not isinstance(item, Integral)):
            if not self.traced:
                return next(self.supply)
            self.leaves.append(Value(next(self.supply), label=where))
            return self.leaves[-1]
        if kind is list or kind is tuple:
            return kind(self(part, f"{where}_{index}") for index, part in enumerate(item))
        if kind is dict:
            return {key: self(part, f"{where}_{position}") for position, (key, part) in enumerate(item.items())}
        if hasattr(item, "tolist") and hasattr(item, "shape"):
            return self(item.tolist(), where)
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            copy = _copy.copy(item)
            for field in dataclasses.fields(item):
                object.__setattr__(copy, field.name, self(getattr(item, field.name), f"{where}_{field.name}"))
            return copy
        return item


def _parameter_names(function: Callable[..., Any]) -> list[str]:
    """The names of `function`'s positional parameters, for the labels of the inputs."""
    try:
        return [parameter.name for parameter in inspect.signature(function).parameters.values()
                if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return []


def _roots(function: Callable[..., Any]) -> list:
    """Where the state walk (engine.guards.state) starts: the function, or for a callable object the
    object and its class."""
    if isinstance(function, (types.FunctionType, types.MethodType, functools.partial)):
        return [function]
    return [function, type(function)]


_entry_of = operator.attrgetter("_entry")


class _Trace:
    """One traced structure: its runners, the Values it reads, and how to rebuild the outputs."""

    def __init__(self, runners: list, captured: list[Value], output_shape: Any, nodes: int,
                 recorder: guards.Recorder, leaf_outputs: dict[int, int]) -> None:
        self.leaf_outputs = leaf_outputs  # output index -> index among the sources, for outputs that are one
        self.runners = runners  # one per output Value: the first also gives every output's number
        self.runner = runners[0]
        self.captured = captured  # parameters and untracked constants the function read
        self.entries = list(map(_entry_of, captured))  # LEAF (tracked) or None (untracked) for each
        self.output_shape = output_shape
        self.nodes = nodes
        self.recorder = recorder

    def still_valid(self) -> bool:
        """Every captured Value is still as tracked (or untracked) as when traced, and every number read
        off a Value through .data or .grad is the same."""
        return list(map(_entry_of, self.captured)) == self.entries and self.recorder.still_read()


def _no_forward(*operands: Any) -> Any:
    """The forward of op 'compiled': its node is made by a compiled call, never by the op itself."""
    raise TraceError(
        "op 'compiled' has no forward of its own: its nodes come from calls of an engine.compile function; "
        "call that function instead"
    )


_no_forward.replayable = False  # type: ignore[attr-defined]  # the explorer's nudge view cannot run it again


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
        self._warned_effects = False
        self._roots = _roots(function)
        self.__name__ = getattr(function, "__name__", "compiled")
        self.__doc__ = getattr(function, "__doc__", None)

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        """As a method decorator: the instance is an argument (guarded by identity and what it holds)."""
        return self if instance is None else functools.partial(self.__call__, instance)

    def guarded(self) -> list:
        """What engine.guards.state walks for this object (its function, not its traces and counters)."""
        return self._roots

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
        numbers, values, structure, objects = _flatten(arguments)
        key = (structure, guards.state(self._roots + objects))
        trace = self._cache.get(key)
        if trace is not None and not trace.still_valid():
            del self._cache[key]
            trace = None
        if trace is None:
            if len(self._cache) >= self.max_traces or self.traces >= 4 * self.max_traces:
                if not self._warned:
                    warnings.warn(
                        f"engine.compile: {self.__name__} was traced for {self.traces} different structures or states "
                        "(argument lengths, integers, objects, numbers it reads outside its arguments); running it "
                        "eagerly from now on for new ones. Pass numbers that vary as arguments, or raise max_traces",
                        RuntimeWarning, stacklevel=2,
                    )
                    self._warned = True
                return self.function(*args, **kwargs)
            trace = self._trace(args, kwargs, numbers, values, objects)
            if guards.state(self._roots + objects) != key[1] and not self._warned_effects:
                self._warned_effects = True
                warnings.warn(
                    f"engine.compile: {self.__name__} changed, while it was traced, what it reads outside its "
                    "arguments (a side effect: an attribute set, a list appended to); the compiled code does not "
                    "repeat side effects, and each call will trace again. Move them out of the compiled function",
                    RuntimeWarning, stacklevel=2,
                )
            self._cache[key] = trace
        self._latest = trace
        sources = trace.captured + values if values else trace.captured
        backward = is_grad_enabled()
        outputs, gradients = trace.runner.run(numbers, sources, backward)
        call = (args, kwargs, numbers, structure)  # for create_graph: this call's arguments and numbers
        leaf_outputs = trace.leaf_outputs
        if 0 in leaf_outputs:  # fn returned a parameter or a Value argument itself: that Value, as eagerly
            loss = sources[leaf_outputs[0]]
        else:
            loss = self._output(trace.runner, 0, outputs[0], gradients, sources, backward, call)
        if trace.output_shape is None:
            return loss
        made = [loss]
        for index, runner in enumerate(trace.runners[1:], 1):
            if index in leaf_outputs:
                made.append(sources[leaf_outputs[index]])
            elif runner is None or not backward:
                made.append(_constant(outputs[index]))
            else:
                _, more = runner.run(numbers, sources, True)
                made.append(self._output(runner, index, outputs[index], more, sources, backward, call))
        return _unflatten(trace.output_shape, iter(made))

    def _output(self, runner: Any, index: int, data: float, gradients: Any, sources: list, backward: bool,
                call: tuple) -> Value:
        """Output `index` as a Value: one node of op 'compiled' whose parents are the tracked sources
        and whose local derivatives are `gradients`; an untracked Value without any."""
        parents = tuple(sources[position] for position in runner.gradient_sources)
        if not (backward and parents):
            return _constant(data)
        function = self.function

        def eager_locals(*operands: Any) -> Any:  # for create_graph: the eager graph's gradients
            args, kwargs, numbers, structure = call
            if _flatten((args, kwargs) if kwargs else args)[2] != structure:
                raise TraceError(
                    f"backward(create_graph=True) of a call of {self.__name__}: its arguments changed shape since "
                    "the call, and create_graph runs it again on the numbers of the call; call backward first"
                )
            snapshot = _rebuild((args, kwargs), numbers, [], False)[0]  # the numbers of the call, not of now
            output = _outputs_of(function(*snapshot[0], **snapshot[1]))[index]
            return tuple(autograd.gradients(output, list(operands[:-1]), _constant(1.0), True))

        return _nary_node(data, Primitive("compiled", _no_forward, eager_locals),
                          parents, parents, tuple(gradients), made_by_ops(parents))

    def _trace(self, args: tuple, kwargs: dict, numbers: list[float], values: list[Value], objects: list) -> _Trace:
        with collector_paused():  # the trace holds no cycles; the collector would rescan it again and again
            return self._trace_unpaused(args, kwargs, numbers, values, objects)

    def _trace_unpaused(self, args: tuple, kwargs: dict, numbers: list[float], values: list[Value],
                        objects: list) -> _Trace:
        (traced_args, traced_kwargs), inputs, stand_ins = _rebuild((args, kwargs), numbers,
                                                                   _parameter_names(self.function), True)
        findings: list = []
        guards.state(self._roots + objects, findings)
        for what, code, name in findings:
            if what == "random":
                warnings.warn(
                    f"engine.compile: {self.__name__} draws random numbers ({name} at {guards.where(code, name)}); "
                    "the trace bakes the numbers it drew into the compiled code, and later calls repeat them. "
                    "Draw them outside and pass them as arguments, or run this function eagerly",
                    RuntimeWarning, stacklevel=4,
                )
            else:
                warnings.warn(
                    f"engine.compile: {self.__name__} reads more objects than the guards walk on each call "
                    f"({guards._BUDGET:,}); a change to the rest is not seen. Pass the model as an argument",
                    RuntimeWarning, stacklevel=4,
                )
        recorder = guards.Recorder(inputs, stand_ins)
        with tracing(), enable_grad(), guards.watching(recorder, guards.names_type_tests(self._roots)):
            result = self.function(*traced_args, **traced_kwargs)
        outputs, output_shape = _split_outputs(result, self.__name__)
        nodes, leaves = _graph_of(outputs)
        stand_in_ids = {id(value) for value in stand_ins} | {id(leaf) for leaf in inputs}
        captured: list[Value] = []
        seen: set[int] = set(stand_in_ids)
        for value in leaves:
            if id(value) not in seen:
                seen.add(id(value))
                captured.append(value)
        graph_sources = captured + stand_ins
        runner_kind = self.runner
        runs = loops.find_runs(nodes, inputs, graph_sources) if runner_kind != "tape" else []
        if runner_kind == "auto":
            written = len(nodes) - sum(run.period * (run.count - 1) for run in runs)  # the nodes the code writes out
            runner_kind = "code" if written <= CODE_LIMIT else "tape"
            if runner_kind == "tape" and written <= 4 * CODE_LIMIT:
                inner_loops = sum(1 for node in nodes if node._entry in _SUM_OR_DOT)  # what the tape runs at C speed
                runner_kind = "code" if 2 * inner_loops < len(nodes) else "tape"
        build = codegen.generate if runner_kind == "code" else tape.Tape
        runners: list[Any] = [codegen.generate(nodes, inputs, graph_sources, outputs, runs) if runner_kind == "code"
                              else tape.Tape(nodes, inputs, graph_sources, outputs)]
        for output in outputs[1:]:  # every other output differentiable too: a runner of its own cone
            if output._entry is None or not autograd.parents_of(output):  # a constant, a detach(): no gradient
                runners.append(None)
                continue
            cone, _ = _graph_of([output])
            runner = build(cone, inputs, graph_sources, [output])
            runners.append(runner if runner.gradient_sources else None)
        self.traces += 1
        for index, runner in enumerate(runners):
            if runner is not None:
                _verify(runner, numbers, graph_sources, outputs if index == 0 else [outputs[index]], self.__name__)
        position = {id(source): index for index, source in enumerate(graph_sources)}
        leaf_outputs = {index: position[id(output)] for index, output in enumerate(outputs) if id(output) in position}
        return _Trace(runners, captured, output_shape, len(nodes), recorder, leaf_outputs)


def _outputs_of(result: Any) -> list:
    """The Values (and numbers) among what `fn` returned, in order: tuples, lists and dicts walked."""
    found: list = []
    stack = [result]
    while stack:
        item = stack.pop()
        if item.__class__ in (list, tuple):
            stack.extend(reversed(item))
        elif item.__class__ is dict:
            stack.extend(reversed(item.values()))
        else:
            found.append(item)
    return found


def _split_outputs(result: Any, name: str) -> tuple[list[Value], Any]:
    """What `fn` returned as a list of Values (numbers as untracked Values), the first one being
    differentiated by the main runner, and the shape to rebuild it in (None for a lone Value)."""
    if isinstance(result, (Value, Real)) and not isinstance(result, bool):
        return [_as_value(result)], None
    items = _outputs_of(result) if result.__class__ in (list, tuple, dict) else []
    if not items or not all(isinstance(item, (Value, Real)) and not isinstance(item, bool) for item in items):
        raise TypeError(
            f"engine.compile: {name} must return a Value (the loss), or tuples, lists or dicts of Values and "
            f"numbers; it returned {type(result).__name__}: {result!r}"
        )
    return [_as_value(item) for item in items], _shape_of(result)


def _as_value(result: Any) -> Value:
    return result if isinstance(result, Value) else _constant(float(result))


def _shape_of(result: Any) -> Any:
    if result.__class__ in (list, tuple):
        return (result.__class__, [_shape_of(item) for item in result])
    if result.__class__ is dict:
        return (dict, [(key, _shape_of(item)) for key, item in result.items()])
    return None


def _unflatten(shape: Any, made: Any) -> Any:
    """The outputs in the shape `fn` returned them, from `made` (an iterator of Values in order)."""
    if shape is None:
        return next(made)
    kind, parts = shape
    if kind is dict:
        return {key: _unflatten(part, made) for key, part in parts}
    return kind(_unflatten(part, made) for part in parts)


def _graph_of(outputs: list[Value]) -> tuple[list, list[Value]]:
    """Every node made by ops below the outputs, each after its operands, and the leaf Values they
    read, tracked or not, in the order first reached (outputs that are leaves too). The nodes come
    in autograd.walk's order (merged over the outputs), so that the generated backward adds in eager
    backward()'s order; a node the walk does not reach (an operand that is not a parent: a node on
    untracked Values, a detach()) is put just before the first node that reads it."""
    nodes: list = []
    leaves: list = []
    seen: set[int] = set()
    for output in outputs:
        walked = autograd.walk(output)
        for node in walked or [output]:
            if id(node) in seen:
                continue
            stack = [node]
            while stack:
                top = stack[-1]
                pending = [operand for operand in top.operands if isinstance(operand, Value)
                           and id(operand) not in seen and operand._first is not None]
                if pending:
                    stack.extend(reversed(pending))
                    continue
                stack.pop()
                if id(top) in seen:
                    continue
                seen.add(id(top))
                if top._first is None:  # a leaf output
                    leaves.append(top)
                    continue
                nodes.append(top)
                for operand in top.operands:
                    if isinstance(operand, Value) and operand._first is None and id(operand) not in seen:
                        seen.add(id(operand))
                        leaves.append(operand)
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
    """`function` traced once and run as generated Python (see engine.compile's module docstring).

    Args:
        function: returns a Value (the loss), or tuples, lists or dicts of Values and numbers
            (every Value differentiable; the first is the one the main compiled backward serves).
        runner: 'code' (generated Python, fastest), 'tape' (no code generated: for graphs too big
            to compile), or 'auto' (code up to engine.compile.CODE_LIMIT op nodes, or 4 times that
            for graphs made mostly of one- and two-operand nodes, which the tape runs slower than eager).
        max_traces: how many different argument structures to trace before running eagerly.
    """
    return Compiled(function, runner, max_traces)
