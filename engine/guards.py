"""What a compiled trace depends on beyond its arguments, and the watch kept while `fn` is traced.

`state(roots)` is the guard engine.compile checks on every call, as torch.compile's guards: a
tuple that changes when anything the function can read without an argument changes. It walks from
the function (and the objects among its arguments) to what their code names: closure cells, the
globals each function's code names, defaults, bound instances, the attributes of objects (their
``__dict__`` and slots), the items of lists, tuples and dicts, and the functions and classes of the
user's own code met on the way. It keeps numbers and strings by value (a zero with its sign),
Values and other objects by identity (a Value's number is read by the compiled code on every
call), numpy arrays by their bytes. Modules, and functions and classes of chaingrad itself, are
kept by identity and not walked further. Walked with an explicit stack; each object once.

`watching(recorder)` is the scoped watch on Value while the function is traced (installed when a
thread starts tracing, restored when the last one ends; other threads read Values as usual, a
little slower). Inside `fn` (code outside the engine's folder):

- reading ``.data`` or ``.grad`` of a Value the trace computes (a node made by ops, or a leaf
  standing for an argument) raises TraceError naming the line: the compiled code would repeat
  the number read once;
- reading them on any other Value (a parameter, a frozen constant) records the number: a later
  call with a different number traces again (a guard, as torch.compile's);
- writing them raises TraceError: the compiled code would not repeat the write;
- ``==``, ``!=`` and hashing of a leaf standing for a number argument raise TraceError (on the
  number eagerly, ``label == 1.0`` may be True; on a Value it compares identity);
- ``isinstance(x, ...)`` and ``type(x)`` of such a leaf raise TraceError (Python calls no method of
  x that could refuse: the call is seen by a profile function, and its first argument read off the
  bytecode); where that argument is an expression, the trace warns once, naming the line.
"""

from __future__ import annotations

import dis
import functools
import linecache
import math
import os
import sys
import threading
import types
import warnings
from _thread import get_ident
from typing import Any, Callable

from engine.errors import TraceError
from engine.modes import refuse_inside_trace, threads_tracing
from engine.value import Value

_ENGINE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_LIBRARY = (_ENGINE, os.path.join(os.path.dirname(_ENGINE[:-1]), "nn") + os.sep)  # chaingrad's own code: not walked
_BUDGET = 1_000_000  # objects walked per call at most; beyond, the rest is not guarded (and the trace warns)
_RANDOM_MODULES = ("random", "numpy.random", "secrets")
_NARY = Value._nary_class
_OBJECT_EQ, _OBJECT_HASH = object.__eq__, object.__hash__
_ROW, _VALUES, _VALUES_OR_NARY = {Value, _NARY, float, int, bool}, {Value}, {Value, _NARY}


class Same:
    """An object kept by identity in a guard (not by ==, which may be anything)."""

    __slots__ = ("item",)

    def __init__(self, item: object) -> None:
        self.item = item

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.item is self.item

    def __hash__(self) -> int:
        return id(self.item)


def _library(code: Any) -> bool:
    return code.co_filename.startswith(_LIBRARY)


def _names(code: Any) -> list[str]:
    """The global and attribute names `code` and the functions nested in it load (recursing as deep as
    functions nest in the source: a few levels)."""
    names = list(code.co_names)
    for constant in code.co_consts:
        if constant.__class__ is types.CodeType:
            names += _names(constant)
    return names


def _zero_signed(number: Any) -> Any:
    """A float zero with its sign (0.0 == -0.0 in a tuple); anything else (a Value: never asked) as it is."""
    return number if number.__class__ is not float or number else (number, math.copysign(1.0, number))


def state(roots: list, findings: list | None = None) -> tuple:
    """The guard of `roots` (see the module docstring). With `findings`, also append (what, code,
    name) for each source of random numbers met (named by `name` in `code`), and ('budget', ...)
    if the walk stopped early."""
    found: list[Any] = []
    seen: set[int] = set()
    named: dict[int, tuple] = {}  # id(object) -> (code, name) that named it, for findings
    stack = list(roots)
    budget = _BUDGET
    while stack:
        item = stack.pop()
        kind = item.__class__
        if kind is float:
            found.append(item if item else (item, math.copysign(1.0, item)))
            continue
        if kind is int or kind is bool or kind is str or item is None:
            found.append(item)
            continue
        if kind is Value or kind is _NARY:
            found.append(kind)  # a Value equals a number with its number: the class marks it, so a
            found.append(item)  # float in its place changes the guard; two Values compare by identity
            continue
        if id(item) in seen:
            continue
        seen.add(id(item))
        budget -= 1
        if budget < 0:
            if findings is not None:
                findings.append(("budget", None, ""))
            break
        if kind is list or kind is tuple:
            classes = {*map(type, item)}
            if classes <= _ROW:  # a row of numbers or Values, compared at C speed
                found.append(tuple(item))
                if classes & _VALUES_OR_NARY:  # Value(2.0) == 2.0: the classes tell a Value from a number
                    found.append(tuple(map(type, item)) if len(classes) > 1 else kind)
                if classes != _VALUES and 0.0 in item:  # (a Value(0.0) may answer True: _zero_signed leaves it)
                    found.append(tuple(map(_zero_signed, item)))
            else:
                found.append((kind, len(item)))
                stack.extend(item)
            continue
        if kind is dict:
            found.append(tuple(item))  # the keys
            stack.extend(item.values())
            continue
        # by identity: the object itself where its class compares by identity (no Same to make, no
        # __hash__ of Python's to call on every lookup), else wrapped in Same
        found.append(item if kind.__eq__ is _OBJECT_EQ and kind.__hash__ is _OBJECT_HASH else Same(item))
        if kind is types.ModuleType:
            if findings is not None and item.__name__ in _RANDOM_MODULES and id(item) in named:
                findings.append(("random", *named[id(item)]))
            continue
        if kind is types.FunctionType:
            code = item.__code__
            if _library(code):
                continue
            stack.extend(item.__defaults__ or ())
            stack.extend((item.__kwdefaults__ or {}).values())
            names = _names(code)
            module = item.__globals__
            reached = [(name, module[name]) for name in names if name in module]
            for name, cell in zip(code.co_freevars, item.__closure__ or ()):
                try:
                    reached.append((name, cell.cell_contents))
                except ValueError:  # an empty cell
                    continue
            for name, content in reached:
                named.setdefault(id(content), (code, name))
                stack.append(content)
                if content.__class__ is types.ModuleType and _users_module(content):  # config.scale
                    stack.extend(getattr(content, attribute) for attribute in names if hasattr(content, attribute))
            continue
        if kind is types.MethodType or kind is types.BuiltinMethodType:
            owner = item.__self__
            if findings is not None and _is_random(owner) and id(item) in named:
                findings.append(("random", *named[id(item)]))
            stack.append(owner)
            if kind is types.MethodType:
                stack.append(item.__func__)
            continue
        if isinstance(item, type):
            if item.__module__.split(".")[0] not in ("builtins", "engine", "nn", "chaingrad"):
                stack.extend(value for key, value in vars(item).items() if not key.startswith("__"))
            continue
        if findings is not None and _is_random(item) and id(item) in named:
            findings.append(("random", *named[id(item)]))
        if kind.__module__ == "numpy" and hasattr(kind, "tobytes"):  # a numpy array or number: its bytes
            found.append((item.shape, item.tobytes()))
            continue
        walk = getattr(kind, "guarded", None)  # an object that names what it reads (engine.compile's functions)
        if walk is not None:
            stack.extend(walk(item))
            continue
        if kind.__module__ != "builtins":
            stack.append(kind)
        attributes = getattr(item, "__dict__", None)
        if attributes is not None:
            found.append(tuple(attributes))
            stack.extend(attributes.values())
        slots = _slots.get(kind)
        if slots is None:
            slots = _slots[kind] = _slots_of(kind)
        stack.extend(getattr(item, slot, None) for slot in slots)
    return tuple(found)


_slots: dict[type, tuple] = {}  # each class's slot names, the first time it is met (functools.partial's are func, args, keywords)


def _slots_of(kind: type) -> tuple:
    names: list[str] = []
    for klass in kind.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        names += [slots] if isinstance(slots, str) else list(slots)
    if kind is functools.partial:
        names += ["func", "args", "keywords"]
    return tuple(name for name in names if name not in ("__dict__", "__weakref__"))


def _users_module(module: types.ModuleType) -> bool:
    """A module of the user's own (not the standard library's, an installed package's or chaingrad's)."""
    path = getattr(module, "__file__", None) or ""
    return bool(path) and not path.startswith((sys.prefix, sys.base_prefix, *_LIBRARY)) and "site-packages" not in path


def _is_random(item: object) -> bool:
    module = getattr(item.__class__, "__module__", "") or ""
    return module.split(".")[0] in ("random", "numpy") and "random" in module or module == "_random"


def where(code: Any, name: str) -> str:
    """file:line: source of the first line of `code` that loads `name`."""
    if code is None:
        return "in the compiled function"
    line = code.co_firstlineno
    for instruction in dis.get_instructions(code):
        if instruction.starts_line is not None:
            line = instruction.starts_line
        if instruction.argval == name:
            break
    return f"{code.co_filename}:{line}: {linecache.getline(code.co_filename, line).strip()}"


def reads_state(function: Callable[..., Any]) -> bool:
    """Does `function` (an op's forward or derivative) read anything but modules, functions and
    classes, through its closure, its globals or the functions it names? Such an op is called by
    name in the generated code (it reads that state on every call), never written out."""
    stack: list[Any] = [function]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, (types.ModuleType, type, types.BuiltinFunctionType)) or item.__class__.__name__ in ("Op",):
            continue
        if item.__class__ is not types.FunctionType:
            return True
        code = item.__code__
        if _library(code):
            continue
        for cell in item.__closure__ or ():
            try:
                stack.append(cell.cell_contents)
            except ValueError:
                continue
        stack.extend(item.__globals__[name] for name in _names(code) if name in item.__globals__)
    return False


# ---- the watch on Value while tracing -------------------------------------------------------------


class Recorder:
    """One trace's watch: the leaves standing for arguments, and the numbers read off other Values."""

    def __init__(self, number_inputs: list[Value], value_inputs: list[Value]) -> None:
        self.number_inputs = {id(leaf) for leaf in number_inputs}
        self.inputs = self.number_inputs | {id(leaf) for leaf in value_inputs}
        self.reads: list[tuple[Value, str, Any]] = []  # (Value, 'data' or 'grad', the number read)
        self.warned = False

    def still_read(self) -> bool:
        """Does every Value read through .data or .grad still hold the number read while tracing?"""
        return all(_same(_SLOTS[attribute].__get__(value, Value), number) for value, attribute, number in self.reads)


def _same(now: Any, then: Any) -> bool:
    """The same number to the bit (0.0 is not -0.0, NaN is NaN), or the same object."""
    if now is then:
        return True
    if now.__class__ is not then.__class__ or now.__class__ is not float:
        return now.__class__ is then.__class__ is int and now == then
    return now == then and math.copysign(1.0, now) == math.copysign(1.0, then) or now != now and then != then


_SLOTS = {"data": Value.__dict__["data"], "grad": Value.__dict__["grad"]}
_recorders: dict[int, Recorder] = {}
_lock = threading.Lock()
_watchers = 0


def _user_frame(depth: int) -> bool:
    return not sys._getframe(depth + 1).f_code.co_filename.startswith(_ENGINE)


def _refuse(what: str, fix: str) -> None:
    refuse_inside_trace(f"{what} at {{where}} inside a traced function: {fix}")


def _slot_property(attribute: str) -> property:
    slot = _SLOTS[attribute]

    def get(value: Value) -> Any:
        if threads_tracing and get_ident() in threads_tracing and _user_frame(1):
            recorder = _recorders.get(get_ident())
            if recorder is not None:
                if value._first is not None or id(value) in recorder.inputs:
                    _refuse(f"v.{attribute} of a Value the compiled code computes ({value!r})",
                            "the number would be baked into the compiled code; use ops on the Value itself "
                            "(relu, abs, engine.max, or your own engine.Op), or run this function eagerly")
                recorder.reads.append((value, attribute, slot.__get__(value, Value)))
        return slot.__get__(value, Value)

    def set(value: Value, number: Any) -> None:  # noqa: A001 - the property's setter
        if threads_tracing and get_ident() in threads_tracing and _user_frame(1):
            _refuse(f"setting v.{attribute} ({value!r})",
                    "the compiled code would not repeat it on later calls; move it out of the compiled function")
        slot.__set__(value, number)

    return property(get, set)


def _compared(value: Value, other: Any) -> Any:
    if threads_tracing and get_ident() in threads_tracing and other.__class__ is not Value:
        recorder = _recorders.get(get_ident())
        if recorder is not None and id(value) in recorder.number_inputs and _user_frame(2):
            _refuse(f"== or != between a number argument (a Value while tracing: {value!r}) and {other!r}",
                    "eagerly it compares numbers, while tracing it compares identity; compare outside the compiled "
                    "function and pass the result as an int or bool (which are guarded), or write the test as an op")
    return NotImplemented


_OWN = {name: Value.__dict__[name] for name in ("__eq__", "__ne__", "__hash__") if name in Value.__dict__}


def _equal(value: Value, other: Any) -> Any:
    refused = _compared(value, other)
    return _OWN["__eq__"](value, other) if "__eq__" in _OWN else refused


def _not_equal(value: Value, other: Any) -> Any:
    if "__ne__" in _OWN:
        _compared(value, other)
        return _OWN["__ne__"](value, other)
    equal = _equal(value, other)  # as object.__ne__ does: the inverse of __eq__ (which asks _compared)
    return equal if equal is NotImplemented else not equal


def _hash(value: Value) -> int:
    if threads_tracing and get_ident() in threads_tracing:
        recorder = _recorders.get(get_ident())
        if recorder is not None and id(value) in recorder.number_inputs and _user_frame(1):
            _refuse(f"hashing a number argument (a Value while tracing: {value!r}: a dict key, a set member)",
                    "eagerly it hashes the number; look it up outside the compiled function")
    return object.__hash__(value)


def _profile(recorder: Recorder, previous: Any) -> Callable[..., Any]:
    def profile(frame: Any, event: str, argument: Any) -> None:
        if previous is not None:
            previous(frame, event, argument)
        if event == "c_call" and (argument is isinstance or argument is type) \
                and not frame.f_code.co_filename.startswith(_LIBRARY):
            values = frame.f_locals
            if not any(id(local) in recorder.number_inputs for local in values.values()):
                return
            line = frame.f_lineno
            where = f"{frame.f_code.co_filename}:{line}: {linecache.getline(frame.f_code.co_filename, line).strip()}"
            tested = _first_argument(frame)
            if tested is not None and id(values.get(tested)) not in recorder.number_inputs:
                return  # it tests something else
            if tested is not None:
                raise TraceError(
                    f"engine.compile: {argument.__name__}({tested}) at {where} inside a traced function: {tested} is a "
                    "number argument, which is a Value while tracing (isinstance(x, float) is False there, True "
                    "eagerly), so the compiled code would keep the branch the trace took; test the type outside "
                    "the compiled function and pass the result as a bool (which is guarded), or run it eagerly"
                )
            if not recorder.warned:  # the argument is an expression: it may be the number, or not
                recorder.warned = True
                warnings.warn(
                    f"engine.compile: {argument.__name__}() at {where} may test a number argument, which is a Value "
                    "while tracing (isinstance(x, float) is False there, True eagerly), and the compiled code keeps "
                    "the branch the trace took; test the type outside the compiled function",
                    RuntimeWarning, stacklevel=2,
                )

    return profile


_LOADS = {"LOAD_FAST", "LOAD_DEREF", "LOAD_NAME", "LOAD_CLASSDEREF"}


def _first_argument(frame: Any) -> str | None:
    """The name of the local whose value is the first argument of the call the frame is making,
    when the bytecode loads it by name just before the call's other arguments (``isinstance(x, float)``);
    None when it is an expression."""
    instructions = list(dis.get_instructions(frame.f_code))
    index = next((i for i, instruction in enumerate(instructions) if instruction.offset == frame.f_lasti), None)
    if index is None or instructions[index].opname != "CALL":
        return None
    count = instructions[index].arg or 0
    end = index - 1 if instructions[index - 1].opname == "PRECALL" else index  # (PRECALL: Python 3.11)
    loads = instructions[max(end - count, 0):end]  # the loads of the arguments, one instruction each
    if count < 1 or len(loads) != count or not all(load.opname.startswith("LOAD_") for load in loads):
        return None
    return loads[0].argval if loads[0].opname in _LOADS else None


class watching:
    """Install the watch on Value for this thread's trace (see the module docstring); restore it after."""

    def __init__(self, recorder: Recorder, types_tested: bool) -> None:
        self.recorder = recorder
        self.types_tested = types_tested
        self.previous: Any = None

    def __enter__(self) -> None:
        global _watchers
        with _lock:
            if _watchers == 0:
                Value.data = _slot_property("data")  # type: ignore[assignment]
                Value.grad = _slot_property("grad")
                Value.__eq__ = _equal  # type: ignore[method-assign]
                Value.__ne__ = _not_equal  # type: ignore[method-assign, assignment]
                Value.__hash__ = _hash  # type: ignore[method-assign, assignment]
            _watchers += 1
            _recorders[get_ident()] = self.recorder
        if self.types_tested:
            self.previous = sys.getprofile()
            sys.setprofile(_profile(self.recorder, self.previous))

    def __exit__(self, *exc_info: object) -> None:
        global _watchers
        if self.types_tested:
            sys.setprofile(self.previous)
        with _lock:
            _recorders.pop(get_ident(), None)
            _watchers -= 1
            if _watchers == 0:
                Value.data = _SLOTS["data"]
                Value.grad = _SLOTS["grad"]
                for name in ("__eq__", "__ne__", "__hash__"):  # Value's own methods back, or none as before
                    if name in _OWN:
                        setattr(Value, name, _OWN[name])
                    else:
                        delattr(Value, name)


def names_type_tests(roots: list) -> bool:
    """Does the user's code reachable from `roots` name isinstance or type (so the trace watches them)?"""
    stack, seen = list(roots), set[int]()
    while stack:
        item = stack.pop()
        if id(item) in seen or len(seen) > 10_000:
            continue
        seen.add(id(item))
        if item.__class__ is types.MethodType:
            item = item.__func__
        if item.__class__ is types.FunctionType and not _library(item.__code__):
            names = _names(item.__code__)
            if "isinstance" in names or "type" in names:
                return True
            module = item.__globals__
            stack.extend(module[name] for name in names if name in module and callable(module[name]))
            stack.extend(cell.cell_contents for cell in item.__closure__ or () if _filled(cell))
    return False


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True
