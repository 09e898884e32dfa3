"""Straight-line Python for a traced graph: one line per node forward, one per gradient backward.

The lines come from the op entries themselves (engine.ops): each entry's forward and derivative
are called once per kind of node on `Symbol`s, stand-ins for numbers whose arithmetic writes the
expression instead of computing it (``lambda a, b, y: (b, a)`` gives ``(b, a)``; tanh's
``1.0 - y * y`` gives ``(1.0 - (y * y))``). A branch on a Symbol (relu's ``x > 0.0``) is explored
both ways and written as a conditional expression, so the branch runs inside the generated code
on every call. An entry that does what a Symbol cannot follow (``math.exp`` of it, a ``raise``
on one path, a user's function of numbers) is called by name instead: the line is ``v3 = exp(v2)``
with ``exp`` bound to the entry's own forward. Only the n-ary entries (sum, dot, max: their
forwards take any number of operands) are written by hand, as the forwards in engine.ops do them:
``sum(map(mul, weights, inputs)) + bias``.

The backward is in pull form: reverse creation order, each node's gradient written once as the
sum of its consumers' gradients times their local derivatives (the consumers are done before it),
so every gradient is a local variable assigned exactly once. The sums run in the order eager
backward() adds them, so the numbers match it.

The program is a generator function: its first ``yield`` gives the outputs, the frame keeps every
forward number as a local, and resuming it runs the backward and yields the gradients of the
value sources (the tracked leaves the function read).
"""

from __future__ import annotations

import builtins
import keyword
import math
import operator
import re
import unicodedata
from itertools import accumulate, repeat
from typing import Any, Callable, Sequence

from engine.guards import reads_state
from engine.node import is_nary, operand_layout
from engine.ops import OPS, Primitive, largest

_SUM, _DOT, _MAX = OPS["sum"], OPS["dot"], OPS["max"]
_MAX_PATHS = 8  # branches explored per entry before it is called by name instead


class _NotSymbolic(Exception):
    """A Symbol was used where a real number is needed (float(), math functions, indexing)."""


# ---- Symbols: numbers that write their expression -----------------------------------------------


class _Context:
    """The state one symbolic evaluation shares between its Symbols: the branch answers to give
    (a path), the conditions met so far, and the namer that binds functions to names."""

    def __init__(self, bind: Callable[[Any, str], str], path: Sequence[bool]) -> None:
        self.bind = bind
        self.path = list(path)
        self.conditions: list[str] = []
        self.unexplored: list[list[bool]] = []
        self.answered: dict[str, bool] = {}

    def answer(self, condition: str) -> bool:
        if condition in self.answered:  # the same test again on this path (``x if x > 0 or ...``)
            return self.answered[condition]
        self.answered[condition] = self._next(condition)
        return self.answered[condition]

    def _next(self, condition: str) -> bool:
        position = len(self.conditions)
        self.conditions.append(condition)
        if position < len(self.path):
            return self.path[position]
        self.path.append(True)
        self.unexplored.append(self.path[:-1] + [False])
        return True


def _code(x: Any) -> str:
    """The source of a Symbol or a number; _NotSymbolic for anything else."""
    if isinstance(x, Symbol):
        return x.code
    if x.__class__ is bool:
        return repr(x)
    if x.__class__ in (int, float):
        if x != x:
            return "nan"
        if x in (math.inf, -math.inf):
            return "inf" if x > 0 else "(-inf)"
        text = repr(x)
        return f"({text})" if text.startswith("-") else text
    raise _NotSymbolic(type(x).__name__)


def _operator(template: str, reflected: bool = False) -> Callable[[Symbol, Any], Symbol]:
    def method(self: Symbol, other: Any) -> Symbol:
        if isinstance(other, Symbol) or other.__class__ in (int, float, bool):
            a, b = (other, self) if reflected else (self, other)
            return Symbol(template.format(_code(a), _code(b)), self.context)
        return NotImplemented

    return method


class Symbol:
    """A number of the generated code, by its source text: ops on it build the expression. It is an
    engine.ops.ValueLike, as a Value is, so that the entries' derivative lines run on it."""

    __slots__ = ("code", "context")

    def __init__(self, code: str, context: _Context) -> None:
        self.code = code
        self.context = context

    @property
    def data(self) -> Symbol:  # engine.ops.number() reads .data of a Value
        return self

    def __bool__(self) -> bool:
        return self.context.answer(self.code)

    def __float__(self) -> float:
        raise _NotSymbolic("float()")

    def __index__(self) -> int:
        raise _NotSymbolic("index")

    __int__ = __index__
    __hash__ = object.__hash__

    __add__, __radd__ = _operator("({} + {})"), _operator("({} + {})", True)
    __sub__, __rsub__ = _operator("({} - {})"), _operator("({} - {})", True)
    __mul__, __rmul__ = _operator("({} * {})"), _operator("({} * {})", True)
    __truediv__, __rtruediv__ = _operator("({} / {})"), _operator("({} / {})", True)
    __lt__, __le__ = _operator("({} < {})"), _operator("({} <= {})")
    __gt__, __ge__ = _operator("({} > {})"), _operator("({} >= {})")
    __eq__, __ne__ = _operator("({} == {})"), _operator("({} != {})")  # type: ignore[assignment]

    def __neg__(self) -> Symbol:
        return Symbol(f"(-{self.code})", self.context)

    def __pos__(self) -> Symbol:
        return self

    def __abs__(self) -> Symbol:
        return Symbol(f"abs({self.code})", self.context)

    def __pow__(self, other: Any) -> Symbol:
        raise _NotSymbolic("**")  # the user's ** (the '**' entry of engine.ops): lines use _power

    def _power(self, exponent: Any) -> Symbol:
        return self._call(OPS["**"].forward, "power", self, exponent)

    def _rpower(self, base: Any) -> Symbol:
        return self._call(OPS["**"].forward, "power", base, self)

    def _call(self, function: Callable[..., Any], name: str, *arguments: Any) -> Symbol:
        return Symbol(f"{self.context.bind(function, name)}({', '.join(map(_code, arguments))})", self.context)


def _one_operand_method(name: str, entry: Primitive) -> Callable[[Symbol], Symbol]:
    """Symbol's method `name` (what engine.exp and the like call on a non-number): the entry's forward by name."""

    def method(self: Symbol) -> Symbol:
        return self._call(entry.forward, name, self)

    return method


for _name, _entry in OPS.items():  # engine.exp(x), engine.sigmoid(x), ... in derivative lines
    if _name.isidentifier() and _entry not in (_SUM, _DOT, _MAX) and not hasattr(Symbol, _name):
        setattr(Symbol, _name, _one_operand_method(_name, _entry))


def symbolic(function: Callable[..., Any], operands: Sequence[Any], bind: Callable[[Any, str], str]) -> list[str] | None:
    """The source of function(*operands), one expression per result (a tuple result gives several),
    where operands are numbers or the placeholders '{0}', '{1}', ..., '{y}' (written as given);
    None if the function does what Symbols cannot follow. Branches become conditional expressions."""
    outcomes: dict[tuple, list[str]] = {}
    pending: list[list[bool]] = [[]]
    conditions_at: dict[tuple, str] = {}
    while pending:
        if len(outcomes) >= _MAX_PATHS:
            return None
        context = _Context(bind, pending.pop())
        arguments = [Symbol(operand, context) if isinstance(operand, str) else operand for operand in operands]
        try:
            result = function(*arguments)
            results = list(result) if result.__class__ is tuple else [result]
            codes = [_code(item) for item in results]
        except Exception:  # noqa: BLE001 - anything a Symbol cannot follow: call the entry by name
            return None
        path = tuple(context.path[: len(context.conditions)])
        for depth, condition in enumerate(context.conditions):
            conditions_at[path[:depth]] = condition
        outcomes[path] = codes
        pending.extend(context.unexplored)
    widths = {len(codes) for codes in outcomes.values()}
    if len(widths) != 1:
        return None

    return [_written(_tree(outcomes, conditions_at, (), index)) for index in range(widths.pop())]


def _tree(outcomes: dict, conditions_at: dict, prefix: tuple, index: int) -> Any:
    """Result `index` after the branch answers `prefix`: a code, or (condition, when true, when
    false) with equal branches merged (recursing as deep as the entry branches: a few levels)."""
    if prefix in outcomes:
        return outcomes[prefix][index]
    condition = conditions_at[prefix]
    when_true = _tree(outcomes, conditions_at, prefix + (True,), index)
    when_false = _tree(outcomes, conditions_at, prefix + (False,), index)
    if when_true == when_false:
        return when_true
    if when_false.__class__ is tuple and when_false[1] == when_true:  # x if a else (x if b else z)
        return (f"({condition} or {when_false[0]})", when_true, when_false[2])
    return (condition, when_true, when_false)


def _written(tree: Any) -> str:
    if tree.__class__ is str:
        return tree
    return f"({_written(tree[1])} if {tree[0]} else {_written(tree[2])})"


# ---- names ---------------------------------------------------------------------------------------

_RESERVED = {"sum", "map", "mul", "max", "abs", "inf", "nan", "inputs", "values", "data_of", "tuple"}


class Namer:
    """Unique Python identifiers for the generated code: Values by label, functions by op name."""

    def __init__(self) -> None:
        self.taken = set(_RESERVED) | set(keyword.kwlist) | set(dir(builtins))
        self.namespace: dict[str, Any] = {"mul": operator.mul, "inf": math.inf, "nan": math.nan,
                                          "data_of": operator.attrgetter("data"),
                                          "max": largest}  # NaN if any is NaN, as ops' entry
        self._functions: dict[int, str] = {}

    def new(self, wanted: str) -> str:
        if wanted not in self.taken and wanted.isascii() and wanted.isidentifier():
            self.taken.add(wanted)
            return wanted
        base = re.sub(r"\W", "_", unicodedata.normalize("NFKC", wanted)) or "v"
        if not base.isidentifier():
            base = "v" + base if ("v" + base).isidentifier() else "v"
        name, count = base, 1
        while name in self.taken:
            count += 1
            name = f"{base}_{count}"
        self.taken.add(name)
        return name

    def bind(self, function: Any, wanted: str) -> str:
        """The name under which `function` is reachable from the generated code."""
        name = self._functions.get(id(function))
        if name is None:
            name = self._functions[id(function)] = self.new(wanted if wanted.isidentifier() else "op")
            self.namespace[name] = function
        return name


def _word(entry: Primitive) -> str:
    """A name for the entry's functions in the code: the op's name, or its forward's ('/' is _divide)."""
    if entry.name.isidentifier():
        return entry.name
    name = getattr(entry.forward, "__name__", "").strip("_")
    return name if name.isidentifier() else "op"


# ---- the program -----------------------------------------------------------------------------


class Program:
    """Generated code and what runs it: ``step(inputs, values)`` is the generator function."""

    def __init__(self, source: str, step: Callable[..., Any], gradient_sources: list[int]) -> None:
        self.source = source
        self.step = step
        self.gradient_sources = gradient_sources  # the value sources whose gradients the second yield gives

    def run(self, inputs: Sequence[float], values: Sequence[Any], backward: bool) -> tuple[Sequence[float], Sequence[float]]:
        """The outputs' numbers, and (if backward) the gradients of the tracked value sources."""
        steps = self.step(inputs, values)
        outputs = next(steps)
        if not backward:
            steps.close()
            return outputs, ()
        return outputs, next(steps)


_PLACEHOLDER = re.compile(r"^\{(\d+|y)\}$")


def _template(code: str) -> Any:
    """A derivative or forward expression as something quick to fill in: the operand's position
    (an int) when it is just that operand, 'y' for the node itself, else the format string."""
    match = _PLACEHOLDER.match(code)
    if match:
        return "y" if match.group(1) == "y" else int(match.group(1))
    if code.startswith("(") and _balanced(code[1:-1]):
        code = code[1:-1]
    return code if "{" in code else ("literal", code)


def _fill(template: Any, codes: list[str], name: str) -> str:
    if template.__class__ is int:
        return codes[template]
    if template == "y":
        return name
    if template.__class__ is tuple:
        return template[1]
    return template.format(*codes, y=name)


class _Tuples:
    """Tuples of names written in the code: one used twice or more (a weight row read by every
    sample, the activations read by every neuron) is built once, as a local, before its first use.
    A long tuple whose first one or two names differ but whose rest is shared (a weight's gradient
    reads its own number twice for the L2 term, then the activations every weight of the column
    reads) is written ``(head,) + shared``: concatenating copies at C speed, in the same order."""

    marker = re.compile("\x00(\\d+)\x00")
    heads = (1, 2)  # how many leading names a shared tail may leave out

    def __init__(self) -> None:
        self.index: dict[tuple, int] = {}
        self.items: list[tuple] = []
        self.counts: list[int] = []

    def _number(self, key: tuple) -> int:
        number = self.index.get(key)
        if number is None:
            number = self.index[key] = len(self.items)
            self.items.append(key)
            self.counts.append(0)
        return number

    def __call__(self, names: Sequence[str]) -> str:
        key = tuple(names)
        number = self._number(key)
        self.counts[number] += 1
        if len(key) > 8:
            for head in self.heads:
                self.counts[self._number(key[head:])] += 1
        return f"\x00{number}\x00"

    def render(self, lines: list[str], namer: Namer) -> list[str]:
        out: list[str] = []
        names: dict[int, str] = {}

        def hoisted(number: int) -> str:
            if number not in names:
                names[number] = namer.new("t")
                items = ", ".join(self.items[number])
                out.append(f"    {names[number]} = {expanded(f'({items},)')}")
            return names[number]

        def expanded(text: str) -> str:  # a tuple may hold a gradient written inline, itself holding a tuple
            while "\x00" in text:
                text = self.marker.sub(replace, text)
            return text

        def replace(match: re.Match) -> str:
            number = int(match.group(1))
            key = self.items[number]
            if self.counts[number] >= 2:
                return hoisted(number)
            if len(key) > 8:
                for head in self.heads:
                    tail = self.index[key[head:]]
                    if self.counts[tail] >= 2:
                        return f"(({', '.join(key[:head])},) + {hoisted(tail)})"
            return f"({', '.join(key)},)"

        for line in lines:
            out.append(expanded(line))
        return out


def generate(nodes: Sequence[Any], inputs: Sequence[Any], sources: Sequence[Any], outputs: Sequence[Any]) -> Program:
    """The program for `nodes` (every node of the traced graph, each after its parents).

    Args:
        nodes: the traced nodes made by ops, in an order where each comes after its parents.
        inputs: the leaves that stand for the numbers among the arguments, in the order the
            program's ``inputs`` gives their numbers.
        sources: the other Values the graph reads (parameters, untracked constants), in the
            order the program's ``values`` gives their numbers; gradients go to the tracked ones.
        outputs: the Values to give back, the loss first (the one differentiated).
    """
    namer = Namer()
    tuples = _Tuples()
    names: dict[int, str] = {}
    lines = ["def step(inputs, values):"]
    for kind, leaves, default in (("inputs", inputs, "x"), ("values", sources, "p")):
        leaf_names = []
        for index, leaf in enumerate(leaves):
            name = names[id(leaf)] = namer.new(leaf._label or f"{default}{index}")
            leaf_names.append(name)
        if leaf_names:
            reader = "inputs" if kind == "inputs" else "map(data_of, values)"
            comment = "numbers from the arguments" if kind == "inputs" else "read from .data on every call"
            lines.append(f"    # {kind}: {comment}")
            lines.append(f"    {', '.join(leaf_names)}{',' if len(leaf_names) == 1 else ''} = {reader}")

    # the forward, and each node's local derivatives as expressions of forward names
    templates: dict[tuple, tuple[Any, list[Any] | None]] = {}
    locals_of: dict[int, list[tuple[int, str]]] = {}  # node -> (parent id, local derivative code)
    after_gradient: dict[int, str] = {}  # node -> a line to run once its gradient is known
    lines.append("    # forward: one line per node")
    for index, node in enumerate(nodes):
        entry = node._entry
        name = names[id(node)] = namer.new(node._label or f"v{index}")
        operands, tracked = operand_layout(node)
        if is_nary(node) and all(tracked):  # n-ary, every operand a parent
            codes = [names[id(operand)] for operand in operands]
            key: tuple = (entry, len(operands))
            parents = list(zip(map(id, operands), range(len(operands))))
        else:
            codes = [names[id(operand)] if operand.__class__ is not float and hasattr(operand, "_entry") else _code(operand)
                     for operand in operands]
            key = (entry, len(operands), *[None if hasattr(operand, "_entry") else operand if operand else
                                           (operand, math.copysign(1.0, operand)) for operand in operands])
            parents = [(id(operand), position) for position, (operand, flag) in enumerate(zip(operands, tracked)) if flag]
        if key not in templates:  # a constant 0 is keyed with its sign: x + 0.0 and x + -0.0 differ at x = -0.0
            constants = [item[0] if item.__class__ is tuple else item for item in key[2:]] or [None] * key[1]
            templates[key] = _templates_for(entry, constants, namer)
        forward, derivative = templates[key]
        lines.append(f"    {name} = {_forward_code(entry, codes, forward, name, namer, tuples)}")
        if derivative is not None:
            locals_of[id(node)] = [(parent, _fill(derivative[position], codes, name)) for parent, position in parents]
        else:  # called by name once the node's gradient is known
            local_name = namer.new(f"d_{name}")
            function = namer.bind(entry.derivative, f"{_word(entry)}_derivative")
            after_gradient[id(node)] = f"    {local_name} = {function}({', '.join(codes + [name])})"
            single = len(operands) == 1 and _returns_bare(entry, node, list(operands))
            locals_of[id(node)] = [(parent, local_name if single else f"{local_name}[{position}]")
                                   for parent, position in parents]
    output_names = [names[id(output)] if id(output) in names else _code(output.data) for output in outputs]
    lines.append(f"    yield ({', '.join(output_names)},)")

    # which Values pass gradient on to a tracked source
    wanted = {id(source) for source in sources if source._entry is not None}
    needs = set(wanted)
    for node in nodes:
        if any(parent in needs for parent, _ in locals_of[id(node)]):
            needs.add(id(node))
    contributions: dict[int, list[tuple[str, str]]] = {}  # Value -> (consumer's gradient, local derivative)
    root = outputs[0]
    gradient_names: dict[int, str] = {id(root): "1.0"}
    lines.append("    # backward: each gradient is the sum of its consumers' gradients times their local derivatives")
    for node in reversed(nodes):
        node_id = id(node)
        if node_id not in needs:
            continue
        if node_id != id(root):
            if node_id not in contributions:  # no path to the root passes gradient to it (a detach()'s operand)
                continue
            terms = contributions[node_id]
            passed_on = [parent for parent, _ in locals_of[node_id] if parent in needs]
            code = _gradient_code(tuples, terms)
            if len(passed_on) == 1 and node_id not in after_gradient and len(code) < 100:
                # one parent to pass it on to: the gradient goes on as an expression, no line of its own
                gradient_names[node_id] = _atom(code)
            else:
                gradient_names[node_id] = _gradient_line(lines, namer, names[node_id], code)
        gradient = gradient_names[node_id]
        if node_id in after_gradient:
            lines.append(after_gradient[node_id])
        for parent, local in locals_of[node_id]:
            if parent in needs:
                contributions.setdefault(parent, []).append((gradient, _as_factor(local) if gradient != "1.0" else local))
    gradient_sources = []
    results = []
    for index, source in enumerate(sources):
        # a source the output reaches through no differentiable path is no parent: its .grad stays as it
        # was (None after zero_grad(set_to_none=True)), as eagerly, so an optimizer skips it
        if id(source) in wanted and (id(source) == id(root) or id(source) in contributions):
            gradient_sources.append(index)
            if id(source) == id(root):
                results.append("1.0")
            else:
                code = _gradient_code(tuples, contributions.get(id(source), []))
                results.append(_gradient_line(lines, namer, names[id(source)], code))
    lines.append(f"    yield ({', '.join(results)}{',' if results else ''})")
    source_text = "\n".join(tuples.render(lines, namer)) + "\n"
    namespace = dict(namer.namespace)
    exec(compile(source_text, "<engine.compile>", "exec"), namespace)
    return Program(source_text, namespace["step"], gradient_sources)


def _templates_for(entry: Primitive, constants: Sequence[Any], namer: Namer) -> tuple[Any, list[Any] | None]:
    """The forward and the local derivatives of a kind of node (an entry with these constant
    operands), from the entry by Symbols; None where the entry must be called by name."""
    placeholders = [f"{{{position}}}" if constant is None else constant for position, constant in enumerate(constants)]
    forward = None
    if entry not in (_SUM, _DOT, _MAX) and not reads_state(entry.forward):
        codes = symbolic(entry.forward, placeholders, namer.bind)
        forward = _template(codes[0]) if codes is not None and len(codes) == 1 else None
    # an entry that reads state (a global, a closure's list) is called by name: it reads it on every call
    derivative = None if reads_state(entry.derivative) else symbolic(entry.derivative, placeholders + ["{y}"], namer.bind)
    if derivative is not None and len(derivative) != len(constants):
        derivative = None
    return forward, None if derivative is None else [_template(code) for code in derivative]


def _returns_bare(entry: Primitive, node: Any, operands: list[Any]) -> bool:
    """Does this one-operand entry's derivative return a bare value (not a 1-tuple)? Asked once, on the trace's numbers."""
    numbers = [getattr(operand, "data", operand) for operand in operands]
    return entry.derivative(*numbers, node.data).__class__ is not tuple


def _forward_code(entry: Primitive, codes: list[str], forward: Any, name: str, namer: Namer, tuples: _Tuples) -> str:
    """The right-hand side of a node's forward line."""
    if entry is _DOT:  # as engine.ops' dot: sum(map(mul, weights, inputs)) (+ bias)
        count = len(codes) // 2
        text = f"sum(map(mul, {tuples(codes[:count])}, {tuples(codes[count:2 * count])}))"
        return text + f" + {codes[-1]}" if len(codes) % 2 else text
    if entry is _SUM:
        return f"sum({tuples(codes)})"
    if entry is _MAX:
        return f"max({tuples(codes)})"
    if forward is not None:
        return _fill(forward, codes, name)
    function = namer.bind(entry.forward, _word(entry))
    return f"{function}({', '.join(codes)})"


_DEPTH = {"(": 1, ")": -1}.get


def _balanced(text: str) -> bool:
    """Do the parentheses of `text` pair up, never closing more than are open (counted at C speed)?"""
    depths = list(accumulate(map(_DEPTH, text, repeat(0))))
    return not depths or min(depths) >= 0 and depths[-1] == 0


def _gradient_code(tuples: _Tuples, terms: list[tuple[str, str]]) -> str:
    """The code of a gradient from its terms (consumer's gradient, local derivative), summed in
    their order (eager backward's): a few products added, or sum(map(mul, ...)) over tuples."""
    if not terms:
        return "0.0"
    if len(terms) == 1 and terms[0][0] == "1.0":
        return terms[0][1]  # the loss's own consumer: the local derivative itself
    if len(terms) <= 4:
        return " + ".join(_product(gradient, local) for gradient, local in terms)
    if all(local == "1.0" for _, local in terms):
        return f"sum({tuples([gradient for gradient, _ in terms])})"
    left, right = zip(*terms)
    return f"sum(map(mul, {tuples(left)}, {tuples(right)}))"


def _gradient_line(lines: list[str], namer: Namer, name: str, code: str) -> str:
    """Write the line of `name`'s gradient (`code`); return the gradient's name, or the code when
    that is a name or a number already (one consumer, local derivative 1: no line)."""
    if re.fullmatch(r"[\w.]+", code):
        return code
    gradient = namer.new(f"grad_{name}")
    lines.append(f"    {gradient} = {code}")
    return gradient


_STEP = re.compile(r"^\(?1\.0 if (\(.*\)) else 0\.0\)?$")


def _as_factor(local: str) -> str:
    """A local derivative ``1.0 if c else 0.0`` as a factor: the comparison itself, since g * True is
    g * 1.0 and g * False is g * 0.0 (signed zero and NaN alike), with no branch to compile or run."""
    match = _STEP.match(local) if " else 0.0" in local else None
    if match is None or not _balanced(match.group(1)):
        return local
    return match.group(1)


def _product(gradient: str, local: str) -> str:
    """gradient times local derivative, as code (the gradient first: eager backward's product)."""
    if local == "1.0":
        return gradient
    if gradient == "1.0":
        return _atom(local)
    return f"{gradient} * {_atom(local)}"


def _atom(code: str) -> str:
    """`code` safe to multiply by: a name, a number or an indexing as it is, else in parentheses."""
    if re.fullmatch(r"[\w.\[\]]+", code) or code.startswith("(") and code.endswith(")") and _balanced(code[1:-1]):
        return code
    return f"({code})"
