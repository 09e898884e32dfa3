"""Python for a traced graph: one line per node forward, one per gradient backward (a loop for a stretch that repeats).

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

A stretch of the graph that repeats (a batch's samples, a chain's links: engine.loops finds them)
is written once, as a ``for`` loop over the repeats, forward and backward (``_Loop``): 100 samples
of W1 are 800 lines instead of 10,853, and Python's compile() takes 1/10 of the time.

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
import sys
import unicodedata
from functools import reduce
from itertools import accumulate, repeat
from typing import Any, Callable, Sequence

from engine import loops
from engine.guards import reads_state
from engine.node import is_nary, operand_layout
from engine.ops import OPS, Primitive, largest

_SUM, _DOT, _MAX = OPS["sum"], OPS["dot"], OPS["max"]
_SUM_ADDS_IN_ORDER = sys.version_info < (3, 12)  # from 3.12 sum() of floats compensates (Neumaier): not eager's +=
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

_RESERVED = {"sum", "map", "mul", "add", "reduce", "max", "abs", "inf", "nan", "inputs", "values", "data_of", "tuple"}


class Namer:
    """Unique Python identifiers for the generated code: Values by label, functions by op name."""

    def __init__(self) -> None:
        self.taken = set(_RESERVED) | set(keyword.kwlist) | set(dir(builtins))
        self.namespace: dict[str, Any] = {"mul": operator.mul, "add": operator.add, "reduce": reduce,
                                          "inf": math.inf, "nan": math.nan,
                                          "data_of": operator.attrgetter("data"),
                                          "max": largest}  # NaN if any is NaN, as ops' entry
        self._functions: dict[int, str] = {}
        self._counts: dict[str, int] = {}

    def new(self, wanted: str) -> str:
        if wanted not in self.taken and wanted.isascii() and wanted.isidentifier():
            self.taken.add(wanted)
            return wanted
        base = re.sub(r"\W", "_", unicodedata.normalize("NFKC", wanted)) or "v"
        if not base.isidentifier():
            base = "v" + base if ("v" + base).isidentifier() else "v"
        name, count = base, self._counts.get(base, 1)
        while name in self.taken:
            count += 1
            name = f"{base}_{count}"
        self._counts[base] = count  # the next one with this base starts here: no walk past the taken ones
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

    def __init__(self, written_out: bool = False) -> None:
        self.written_out = written_out  # inside a loop, where code is written once: sums as arithmetic
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

    def render(self, lines: list[str], namer: Namer, before: list[str] | None = None,
               invariant: Callable[[tuple], bool] | None = None) -> list[str]:
        """`lines` with the tuples written in; inside a loop (`before` given), a tuple `invariant`
        says is the same on every turn is built once, in `before`."""
        out: list[str] = []
        names: dict[int, str] = {}

        def hoisted(number: int) -> str:
            if number not in names:
                names[number] = namer.new("t")
                items = ", ".join(self.items[number])
                target = before if before is not None and invariant is not None and invariant(self.items[number]) else out
                target.append(f"    {names[number]} = {expanded(f'({items},)')}")
            return names[number]

        def expanded(text: str) -> str:  # a tuple may hold a gradient written inline, itself holding a tuple
            while "\x00" in text:
                text = self.marker.sub(replace, text)
            return text

        def replace(match: re.Match) -> str:
            number = int(match.group(1))
            key = self.items[number]
            invariant_here = before is not None and invariant is not None and invariant(key)
            if invariant_here or self.counts[number] >= 2 and not nested:  # (not inside an if block: used after it too)
                return hoisted(number)
            if len(key) > 8 and not nested:
                for head in self.heads:
                    tail = self.index[key[head:]]
                    if self.counts[tail] >= 2:
                        return f"(({', '.join(key[:head])},) + {hoisted(tail)})"
            return f"({', '.join(key)},)"

        nested = False
        for line in lines:
            nested = line.startswith("        ")
            out.append(expanded(line))
        return out


def generate(nodes: Sequence[Any], inputs: Sequence[Any], sources: Sequence[Any], outputs: Sequence[Any],
             runs: list[loops.Run] | None = None) -> Program:
    """The program for `nodes` (every node of the traced graph, each after its parents).

    Args:
        nodes: the traced nodes made by ops, in an order where each comes after its parents.
        inputs: the leaves that stand for the numbers among the arguments, in the order the
            program's ``inputs`` gives their numbers.
        sources: the other Values the graph reads (parameters, untracked constants), in the
            order the program's ``values`` gives their numbers; gradients go to the tracked ones.
        outputs: the Values to give back, the loss first (the one differentiated).
        runs: engine.loops.find_runs of these, if already found.
    """
    runs = loops.find_runs(nodes, inputs, sources) if runs is None else runs
    if runs:
        try:
            return _generate(nodes, inputs, sources, outputs, runs)
        except (_NoLoop, SyntaxError, RecursionError, MemoryError):  # a stretch the loops cannot take after all
            pass  # (or code Python's compile() refuses): every node a line of its own, as without loops
    return _generate(nodes, inputs, sources, outputs, [])


def _generate(nodes: Sequence[Any], inputs: Sequence[Any], sources: Sequence[Any], outputs: Sequence[Any],
              runs: list[loops.Run]) -> Program:
    namer = Namer()
    tuples = _Tuples()
    names: dict[int, str] = {}
    lines = ["def step(inputs, values):"]
    read = _read_outside(nodes, runs, outputs) if runs else None  # inputs a loop picks are not unpacked here
    for kind, leaves, default in (("inputs", inputs, "x"), ("values", sources, "p")):
        leaf_names = []
        picked = []
        for index, leaf in enumerate(leaves):
            if kind == "inputs" and read is not None and id(leaf) not in read:
                continue
            name = names[id(leaf)] = namer.new(leaf._label or f"{default}{index}")
            leaf_names.append(name)
            picked.append(index)
        if leaf_names:
            reader = "inputs" if kind == "inputs" else "map(data_of, values)"
            if kind == "inputs" and len(picked) < len(leaves):
                pick = namer.bind(operator.itemgetter(*picked), "pick")
                reader = f"{pick}(inputs)" if len(picked) > 1 else f"(inputs[{picked[0]}],)"
            comment = "numbers from the arguments" if kind == "inputs" else "read from .data on every call"
            lines.append(f"    # {kind}: {comment}")
            lines.append(f"    {', '.join(leaf_names)}{',' if len(leaf_names) == 1 else ''} = {reader}")

    # the forward, and each node's local derivatives as expressions of forward names
    templates: dict[tuple, tuple[Any, list[Any] | None]] = {}
    locals_of: dict[int, list[tuple[int, str]]] = {}  # node -> (parent id, local derivative code)
    after_gradient: dict[int, str] = {}  # node -> a line to run once its gradient is known
    written: dict[int, _Loop] = {}  # a run's first node -> its loop
    read_after = _read_after(nodes, runs, outputs)
    lines.append("    # forward: one line per node" + (", a loop for each stretch that repeats" if runs else ""))
    run_at = {run.start: run for run in runs}
    position = 0
    while position < len(nodes):
        run = run_at.get(position)
        if run is not None:
            loop = written[run.start] = _Loop(run, nodes, names, namer, templates, inputs)
            loop.forward(lines, read_after[run.start])
            position = run.end
            continue
        node = nodes[position]
        name = names[id(node)] = namer.new(node._label or f"v{position}")
        code, locals_of[id(node)], after = _node_code(node, name, names.__getitem__, templates, namer, tuples)
        lines.append(f"    {name} = {code}")
        if after is not None:
            after_gradient[id(node)] = f"    {after}"
        position += 1
    output_names = [names[id(output)] if id(output) in names else _code(output.data) for output in outputs]
    lines.append(f"    yield ({', '.join(output_names)},)")

    # which Values pass gradient on to a tracked source
    wanted = {id(source) for source in sources if source._entry is not None}
    needs = set(wanted)
    for node in nodes:
        parents = locals_of.get(id(node))  # a node in a loop has none here: its parents from its operands
        if parents is None:
            operands, tracked = operand_layout(node)
            parents = [(id(operand), "") for operand, flag in zip(operands, tracked) if flag]
        if any(parent in needs for parent, _ in parents):
            needs.add(id(node))
    contributions: dict[int, list[tuple[Any, str]]] = {}  # Value -> (consumer's gradient, local derivative)
    root = outputs[0]
    reached = {id(root)}  # the nodes eager backward() visits: the root's, through parents
    if runs:
        for node in reversed(nodes):
            if id(node) in reached:
                operands, tracked = operand_layout(node)
                reached.update(id(operand) for operand, flag in zip(operands, tracked) if flag)
    gradient_names: dict[int, str] = {id(root): "1.0"}
    lines.append("    # backward: each gradient is the sum of its consumers' gradients times their local derivatives")
    run_ending = {run.end - 1: run for run in runs}
    position = len(nodes) - 1
    while position >= 0:
        run = run_ending.get(position)
        if run is not None:
            written[run.start].backward(lines, tuples, contributions, needs & reached, id(root))
            position = run.start - 1
            continue
        node = nodes[position]
        position -= 1
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


def _node_code(node: Any, name: str, name_of: Callable[[int], str], templates: dict, namer: Namer,
               tuples: _Tuples) -> tuple[str, list[tuple[int, str]], str | None]:
    """A node's forward (the right-hand side of its line), its local derivatives as (parent id,
    code), and the line that calls its entry's derivative by name (None if written out)."""
    entry = node._entry
    operands, tracked = operand_layout(node)
    if is_nary(node) and all(tracked):  # n-ary, every operand a parent
        codes = [name_of(id(operand)) for operand in operands]
        key: tuple = (entry, len(operands))
        parents = list(zip(map(id, operands), range(len(operands))))
    else:
        codes = [name_of(id(operand)) if operand.__class__ is not float and hasattr(operand, "_entry") else _code(operand)
                 for operand in operands]
        key = (entry, len(operands), *[None if hasattr(operand, "_entry") else operand if operand else
                                       (operand, math.copysign(1.0, operand)) for operand in operands])
        parents = [(id(operand), position) for position, (operand, flag) in enumerate(zip(operands, tracked)) if flag]
    if key not in templates:  # a constant 0 is keyed with its sign: x + 0.0 and x + -0.0 differ at x = -0.0
        constants = [item[0] if item.__class__ is tuple else item for item in key[2:]] or [None] * key[1]
        templates[key] = _templates_for(entry, constants, namer)
    forward, derivative = templates[key]
    code = _forward_code(entry, codes, forward, name, namer, tuples)
    if derivative is not None:
        return code, [(parent, _fill(derivative[position], codes, name)) for parent, position in parents], None
    # called by name once the node's gradient is known
    local_name = namer.new(f"d_{name}")
    function = namer.bind(entry.derivative, f"{_word(entry)}_derivative")
    single = len(operands) == 1 and _returns_bare(entry, node, list(operands))
    return (code, [(parent, local_name if single else f"{local_name}[{position}]") for parent, position in parents],
            f"{local_name} = {function}({', '.join(codes + [name])})")


def _read_outside(nodes: Sequence[Any], runs: list[loops.Run], outputs: Sequence[Any]) -> set[int]:
    """The ids of the Values read by the nodes outside the runs, and of the outputs."""
    inside = {position for run in runs for position in range(run.start, run.end)}
    found = {id(output) for output in outputs}
    for position, node in enumerate(nodes):
        if position not in inside:
            found.update(map(id, operand_layout(node)[0]))
    return found


def _read_after(nodes: Sequence[Any], runs: list[loops.Run], outputs: Sequence[Any]) -> dict[int, dict[int, set[int]]]:
    """For each run (by its first node): the places in a repeat of its nodes read after the run (or
    returned), each with the turns read."""
    found: dict[int, dict[int, set[int]]] = {run.start: {} for run in runs}
    if not runs:
        return found
    where = {id(node): (run, divmod(position - run.start, run.period))
             for run in runs for position, node in enumerate(nodes[run.start:run.end], run.start)}
    for position, node in enumerate(nodes):
        for operand in operand_layout(node)[0]:
            found_at = where.get(id(operand))
            if found_at is not None and position >= found_at[0].end:
                run, (turn, place) = found_at
                found[run.start].setdefault(place, set()).add(turn)
    for output in outputs:
        if id(output) in where:
            run, (turn, place) = where[id(output)]
            found[run.start].setdefault(place, set()).add(turn)
    return found


class _NoLoop(Exception):
    """A run the loop writer cannot write (generate falls back to a line per node)."""


_ASSIGNED = re.compile(r"^\s*(\w+) = ", re.MULTILINE)
_GUARDED = 4  # a place piling onto this many parameters skips them when its gradient is 0


def _is_number(code: str) -> bool:
    try:
        float(code)
    except ValueError:
        return False
    return True


_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


class _Loop:
    """A run (engine.loops) written once: the forward as a ``for`` loop over its repeats, keeping
    what the backward reads, and the backward as a ``for`` loop over them in reverse. The lines
    of a repeat are written from its second (whose reads back land in the first), one per node as
    a straight-line node's, but with sums and dots as arithmetic on locals (written once, they
    cost nothing to compile, and a float op on locals is cheaper than sum(map(mul, ...))'s). A
    parameter gets one term per turn, piled onto its gradient as the turns go: in the turns'
    reverse order, eager backward()'s, after the terms of the nodes that come after the run.
    A turn whose gradient is 0 below a node (a sample past the hinge's margin) skips the lines
    under it when their local derivatives are finite, as eager backward() skips an n-ary node
    of gradient 0: every term there is a zero (see _skippable)."""

    def __init__(self, run: loops.Run, nodes: Sequence[Any], names: dict[int, str], namer: Namer,
                 templates: dict, inputs: Sequence[Any]) -> None:
        self.run, self.nodes, self.names, self.namer = run, nodes, names, namer
        self._outer = set(names.values())  # the names the loop reads and never writes (parameters)
        start, period = run.start, run.period
        repeat = nodes[start + period:start + 2 * period]
        self.body = [namer.new(node._label or f"v{start + offset}") for offset, node in enumerate(repeat)]
        self.place = {}  # id of a node of the second repeat -> its place; of the first -> ~place (the repeat before)
        for offset, node in enumerate(repeat):
            self.place[id(node)] = offset
            self.place[id(nodes[start + offset])] = ~offset
        input_index = {id(leaf): index for index, leaf in enumerate(inputs)}
        slots: dict[tuple, str] = {}
        slot_of: dict[int, str] = {}
        for offset, node in enumerate(repeat):
            read = [which for which, operand in enumerate(operand_layout(node)[0]) if id(operand) in input_index]
            if not read:
                continue
            turns = [operand_layout(nodes[start + turn * period + offset])[0] for turn in range(run.count)]
            for which in read:
                positions = tuple(input_index[id(operands[which])] for operands in turns)
                slot = slots.get(positions) or slots.setdefault(positions, namer.new("x"))
                if slot_of.setdefault(id(turns[1][which]), slot) != slot:
                    raise _NoLoop("an input read in two patterns")
        self.slots = [(slot, namer.bind(operator.itemgetter(*positions), "pick")) for positions, slot in slots.items()]
        carried = {~place for node in repeat for operand in operand_layout(node)[0]
                   if (place := self.place.get(id(operand), 0)) < 0}
        self.carried = {place: namer.new(f"{self.body[place]}_before") for place in sorted(carried)}
        self.copied = dict(self.carried)  # carried places whose value the backward reads: a variable of their own
        self._write(repeat, names, slot_of, templates)
        derivatives = " ".join([code for local_derivatives in self.locals for _, code in local_derivatives]
                               + [after for after in self.after if after is not None])
        self.copied = {place: before for place, before in self.carried.items() if re.search(rf"\b{before}\b", derivatives)}
        if len(self.copied) < len(self.carried):
            # the others are read before this turn writes them (engine.loops.valid): the body's own names
            self._write(repeat, names, slot_of, templates)
        self.saved_at = -1
        self.saved = ""
        self._forward_names = set(self.body) | set(self.carried.values()) | set(slot_of.values())

    def _write(self, repeat: Sequence[Any], names: dict[int, str], slot_of: dict[int, str], templates: dict) -> None:
        """The lines of one repeat (from the second), and each node's local derivatives."""
        body_names = dict(slot_of)
        for identity, place in self.place.items():
            if place >= 0:
                body_names[identity] = self.body[place]
            elif ~place in self.carried:
                body_names[identity] = self.copied.get(~place, self.body[~place])

        def name_of(identity: int) -> str:
            return body_names.get(identity) or names[identity]

        self.tuples = _Tuples(written_out=True)
        self.lines: list[str] = []
        self.locals: list[list[tuple[int, str]]] = []
        self.after: list[str | None] = []
        for offset, node in enumerate(repeat):
            code, local_derivatives, after = _node_code(node, self.body[offset], name_of, templates, self.namer, self.tuples)
            self.lines.append(f"    {self.body[offset]} = {code}")
            self.locals.append(local_derivatives)
            self.after.append(None if after is None else f"    {after}")

    def _local(self, text: str) -> set[str]:
        return (set(_ASSIGNED.findall(text)) | set(self.body) | set(self.carried.values())
                | {slot for slot, _ in self.slots})

    def _render(self, lines: list[str], loop_names: set[str]) -> tuple[list[str], list[str]]:
        """The loop's lines (tuples put in), indented into the loop, and the tuples to build before it:
        those of parameters and constants only (the same on every turn)."""
        local = loop_names | self._local("\n".join(lines))

        def invariant(items: tuple) -> bool:
            return not any(word in local for item in items for word in _IDENTIFIER.findall(item))

        before: list[str] = []
        body = self.tuples.render(lines, self.namer, before, invariant)
        self.tuples = _Tuples(written_out=True)
        return before, ["    " + line for line in body]

    def forward(self, lines: list[str], read_after: dict[int, set[int]]) -> None:
        run, names, namer = self.run, self.names, self.namer
        start, period, count = run.start, run.period, run.count
        lines.append(f"    # nodes {start}-{run.end - 1}: {count} repeats of these {period} lines")
        for place in self.carried:  # the first turn reads the nodes just before the run
            first = self.copied.get(place, self.body[place])
            lines.append(f"    {first} = {names[id(self.nodes[start - period + place])]}")
        body = list(self.lines)
        last = start + (count - 1) * period
        last_names: dict[int, str] = {}
        for place in sorted(read_after):
            if read_after[place] == {count - 1}:  # only the last turn's is read: kept after the loop
                # (in a name of its own: the backward loop writes the body's names again, turn by turn)
                last_names[place] = names[id(self.nodes[last + place])] = namer.new(f"{self.body[place]}_last")
                continue
            kept = namer.new(f"{self.body[place]}_turns")
            lines.append(f"    {kept} = []")
            body.append(f"    {kept}.append({self.body[place]})")
            for turn in range(count):
                names[id(self.nodes[start + turn * period + place])] = f"{kept}[{turn}]"
        self.saved = namer.new("saved")
        lines.append(f"    {self.saved} = []")
        before, body = self._render(body, set())
        lines.extend(before)
        slots = [slot for slot, _ in self.slots]
        if slots:
            lines.append(f"    for {', '.join(slots)}, in zip({', '.join(f'{pick}(inputs)' for _, pick in self.slots)}):")
        else:
            lines.append(f"    for _ in range({count}):")
        lines.extend(body)
        self.saved_at = len(lines)
        lines.append("")  # the line that keeps what the backward reads, once that is known
        # the next turn reads this one's: copied last, after the line above kept what this turn read
        lines.extend(f"        {before} = {self.body[place]}" for place, before in self.copied.items())
        lines.extend(f"    {name} = {self.body[place]}" for place, name in last_names.items())

    def _per_turn(self, code: str) -> bool:
        """Does `code` read a number of the turn (not only parameters and constants)?"""
        return not set(_IDENTIFIER.findall(code)) <= self._outer

    def _skippable(self, lines_of: dict[int, list[str]], readers: dict[int, set[int]], roots: set[int],
                   passes: Callable[[int], bool], piled_at: dict[int, set[int]]) -> tuple[int, set[int], list[str]]:
        """The place whose gradient every gradient of most other places of the repeat passes through
        (a sample's output: every gradient of its network passes through it), those places, and the
        local derivatives of all of them: when that gradient is 0 and they are finite, every term of
        those places is a zero (an inactive sample's), and the turn skips their lines, as eager
        backward() skips an n-ary node of gradient 0. (-1, set(), []) if there is none worth it."""
        nothing: tuple[int, set[int], list[str]] = (-1, set(), [])
        if len(lines_of) > 2000:
            return nothing
        dominators: dict[int, frozenset] = {}
        for place in sorted(lines_of, reverse=True):
            after = [dominators[reader] for reader in readers.get(place, ()) if reader in dominators]
            dominators[place] = frozenset([place]) if place in roots or not after else \
                frozenset.intersection(*after) | {place}
        below: dict[int, set[int]] = {}
        for place, found in dominators.items():
            for dominator in found - {place}:
                below.setdefault(dominator, set()).add(place)
        for cut in sorted(below, key=lambda place: -len(below[place])):
            if cut in roots:  # its gradient comes from after the run (a loss term's, rarely 0)
                continue
            region = below[cut]
            if len(region) < 4:
                return nothing
            closed = all(not (readers.get(place, set()) & region) for place in lines_of if place not in region)
            # the lines under the test come at the cut's place: a parameter piled onto there and by a place
            # below the cut outside them would get its terms out of eager's order
            inside = region | {cut}
            ordered = all(places <= inside or not places & inside or min(places - inside) > cut
                          for places in piled_at.values())
            if not (closed and ordered) or any(self.after[place] is not None for place in region):
                continue
            checks: dict[str, None] = {}
            carries = False
            for place in region | {cut}:
                for parent, local in self.locals[place]:
                    where = self.place.get(parent)
                    if not passes(parent):
                        continue
                    if where is not None and where < 0:
                        carries = True  # a term for the turn before: never skipped
                    elif _as_factor(local) == local and local != "1.0":  # (a comparison is 0 or 1)
                        checks[local] = None
            if not carries:
                return cut, region, list(checks)
        return nothing

    def backward(self, lines: list[str], tuples: _Tuples, contributions: dict, needs: set[int], root: int) -> None:
        run, nodes, namer = self.run, self.nodes, self.namer
        start, period, count = run.start, run.period, run.count
        needed = set()  # the places whose gradients matter (`needs`: reached from the root, reaching a parameter)
        for place in range(period):
            on = [id(nodes[start + turn * period + place]) in needs for turn in range(count)]
            if any(on) and not all(on):  # eager's backward visits it on some turns only (an output of one sample)
                raise _NoLoop("a place the backward visits on some turns only")
            if on[0]:
                needed.add(place)
        if not needed:
            lines[self.saved_at] = ""
            return
        upstream: dict[int, str] = {}  # place -> the name, on each turn, of its gradient from after the run
        first_carry: dict[int, str] = {}
        for place in sorted(needed):
            codes = []
            for turn in reversed(range(count)):
                identity = id(nodes[start + turn * period + place])
                codes.append("1.0" if identity == root else
                             _gradient_code(tuples, contributions[identity]) if identity in contributions else None)
            if place in self.carried and all(code is None for code in codes[1:]):
                first_carry[place] = codes[0] or "0.0"  # the last turn's only: where the carry starts
            elif any(code is not None for code in codes):
                upstream[place] = namer.new(f"up_{self.body[place]}")
                lines.append(f"    {upstream[place]} = ({', '.join(code or '0.0' for code in codes)},)")
        carry = {place: namer.new(f"carry_{self.body[place]}") for place in self.carried if place in needed}
        for place, name in carry.items():
            lines.append(f"    {name} = {first_carry.get(place, '0.0')}")

        def passes(parent: int) -> bool:
            place = self.place.get(parent)
            return parent in needs if place is None else (place if place >= 0 else ~place) in needed

        lines_of: dict[int, list[str]] = {}  # place -> the lines of its gradient
        gradient_of: dict[int, str] = {}
        readers: dict[int, set[int]] = {}  # place -> the places of this repeat whose gradients pass it some
        terms_of: dict[int, list[tuple[Any, str]]] = {}
        carried_terms: dict[int, list[tuple[Any, str]]] = {}
        parameter_terms: list[tuple[int, str, str, int]] = []  # (parameter, gradient, local derivative, place)
        pile_locals: dict[int, dict[str, None]] = {}  # place -> the local derivatives its parameters' terms read
        for place in reversed(range(period)):
            if place not in needed:
                continue
            terms: list[tuple[Any, str]] = [(upstream[place], "1.0")] if place in upstream else []
            if place in carry:
                terms.append((carry[place], "1.0"))
            terms += terms_of.get(place, [])
            if not terms:
                continue
            code = _gradient_code(self.tuples, terms)
            passed_on = [parent for parent, _ in self.locals[place] if passes(parent)]
            own = lines_of[place] = []
            if len(passed_on) == 1 and self.after[place] is None and len(code) < 100:
                gradient = _atom(code)
            else:
                gradient = _gradient_line(own, namer, self.body[place], code)
            gradient_of[place] = gradient
            after = self.after[place]
            if after is not None:
                own.append(after)
            for parent, local in self.locals[place]:
                if not passes(parent):
                    continue
                term = (gradient, _as_factor(local))
                where = self.place.get(parent)
                if where is None:
                    parameter_terms.append((parent, *term, place))
                    if _as_factor(local) == local and local != "1.0":  # (a comparison is 0 or 1: finite)
                        pile_locals.setdefault(place, {})[local] = None
                elif where >= 0:
                    terms_of.setdefault(where, []).append(term)
                    readers.setdefault(where, set()).add(place)
                else:
                    carried_terms.setdefault(~where, []).append(term)
        # each parameter's gradient piles up turn by turn, in the turns' reverse order (eager's), from
        # the terms of the nodes after the run
        piles = {parent: namer.new(f"grad_{self.names[parent]}") for parent, *_ in parameter_terms}
        piles_of: dict[int, list[str]] = {}
        for parent, gradient, local, place in parameter_terms:  # in eager's order: places down, operands along
            piles_of.setdefault(place, []).append(f"    {piles[parent]} = {piles[parent]} + {_product(gradient, local)}")
        piled_at: dict[int, set[int]] = {}  # parameter -> the places whose terms pile onto it
        for parent, _, _, place in parameter_terms:
            piled_at.setdefault(parent, set()).add(place)
        cut, region, checks = self._skippable(lines_of, readers, set(upstream) | set(carry), passes, piled_at)
        # a place with many parameters (a unit's weights) skips their terms when its gradient is 0 (a ReLU
        # that is off) and their local derivatives are finite (tested once a turn): every term a zero
        guarded = {place for place, found in piles_of.items()
                   if len(found) >= _GUARDED and place != cut and not _is_number(gradient_of[place])}
        guard_checks = list(dict.fromkeys(code for place in guarded for code in pile_locals.get(place, {})))
        finite = namer.bind(math.isfinite, "isfinite")
        invariant_checks = list(dict.fromkeys(code for code in checks + guard_checks if not self._per_turn(code)))
        if invariant_checks:
            fixed = namer.new("finite_parameters")
            lines.append(f"    {fixed} = {finite}({_written_sum(list(map(_atom, invariant_checks)))})")

        def finite_test(codes: list[str]) -> str:
            per_turn = [code for code in codes if self._per_turn(code)]
            tests = ([fixed] if invariant_checks else []) + (
                [f"{finite}({_written_sum(list(map(_atom, per_turn)))})"] if per_turn else [])
            return " and ".join(tests) or "True"

        body: list[str] = []
        if guarded:
            turn_finite = namer.new("finite_turn")
            body.append(f"    {turn_finite} = {finite_test(guard_checks)}")

        def piled(place: int) -> list[str]:
            if place not in guarded:
                return piles_of.get(place, [])
            return [f"    if {gradient_of[place]} or not {turn_finite}:", *("    " + line for line in piles_of[place])]

        for place in reversed(range(period)):
            if place in region:
                continue
            body.extend(lines_of.get(place, []))
            if place != cut:
                body.extend(piled(place))
            else:  # its gradient 0, and every local derivative below it finite: each term below a zero
                body.append(f"    if {gradient_of[cut]} or not ({finite_test(checks)}):")
                body.extend("    " + line for line in piles_of.get(cut, []))
                body.extend("    " + line for inner in reversed(range(period)) if inner in region
                            for line in lines_of.get(inner, []) + piled(inner))
        if carry:  # last, all at once: the lines above (and each other's codes) may read this turn's carries
            carried_codes = [_gradient_code(self.tuples, carried_terms.get(place, [])) for place in carry]
            body.append(f"    {', '.join(carry.values())}, = {', '.join(carried_codes)},")
        if not body:
            raise _NoLoop("a backward loop with no lines")
        loop_names = set(upstream.values()) | set(carry.values())
        before, rendered = self._render(body, loop_names)
        text = "\n".join(rendered)
        kept = [name for name in dict.fromkeys(_IDENTIFIER.findall(text)) if name in self._forward_names]
        if kept:
            row = kept[0] if len(kept) == 1 else f"({', '.join(kept)},)"
            lines[self.saved_at] = f"        {self.saved}.append({row})"
        else:
            lines[self.saved_at] = ""
        for parent, pile in piles.items():
            lines.append(f"    {pile} = {_gradient_code(tuples, contributions[parent]) if parent in contributions else '0.0'}")
        lines.extend(before)
        targets = [kept[0] if len(kept) == 1 else f"({', '.join(kept)},)"] if kept else []
        targets += [upstream[place] for place in sorted(upstream)]
        sources = ([f"reversed({self.saved})"] if kept else []) + [upstream[place] for place in sorted(upstream)]
        if not targets:
            lines.append(f"    for _ in range({count}):")
        elif len(targets) == 1:
            lines.append(f"    for {targets[0]} in {sources[0]}:")
        else:
            lines.append(f"    for {', '.join(targets)} in zip({', '.join(sources)}):")
        lines.extend(rendered)
        for parent, pile in piles.items():
            contributions[parent] = [(pile, "1.0")]
        for place, name in carry.items():  # the first turn's reads back: the nodes just before the run
            before_run = id(nodes[start - period + place])
            if before_run in needs:
                contributions.setdefault(before_run, []).append((name, "1.0"))


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
        if tuples.written_out:  # the products on locals (a loop's lines are written once), added as sum() adds them
            text = _written_sum(list(map(_product, codes[:count], codes[count:2 * count])))
        else:
            text = f"sum(map(mul, {tuples(codes[:count])}, {tuples(codes[count:2 * count])}))"
        return text + f" + {codes[-1]}" if len(codes) % 2 else text
    if entry is _SUM:
        return _written_sum(codes) if tuples.written_out else f"sum({tuples(codes)})"
    if entry is _MAX:
        return f"max({tuples(codes)})"
    if forward is not None:
        return _fill(forward, codes, name)
    function = namer.bind(entry.forward, _word(entry))
    return f"{function}({', '.join(codes)})"


def _written_sum(codes: list[str]) -> str:
    """sum() of these, written as eager's ops compute it: on Python < 3.12 (where sum() of floats adds
    in order from 0) a chain of + on locals, cheaper than a call; else, or for a long one (too deep
    for Python's compile()), sum() of a tuple."""
    if _SUM_ADDS_IN_ORDER and len(codes) <= 64:
        return " + ".join(["0.0", *codes])
    return f"sum(({', '.join(codes)},))"


_DEPTH = {"(": 1, ")": -1}.get


def _balanced(text: str) -> bool:
    """Do the parentheses of `text` pair up, never closing more than are open (counted at C speed)?"""
    depths = list(accumulate(map(_DEPTH, text, repeat(0))))
    return not depths or min(depths) >= 0 and depths[-1] == 0


def _gradient_code(tuples: _Tuples, terms: list[tuple[str, str]]) -> str:
    """The code of a gradient from its terms (consumer's gradient, local derivative), summed in
    their order (eager backward's): a few products added, or sum(map(mul, ...)) over tuples (in a
    loop, the products added from 0.0, as sum() adds them)."""
    if not terms:
        return "0.0"
    if len(terms) == 1 and terms[0][0] == "1.0":
        return terms[0][1]  # the loss's own consumer: the local derivative itself
    products = [_product(gradient, local) for gradient, local in terms]
    if len(terms) <= 4:
        return " + ".join(products)
    if tuples.written_out and len(terms) <= 64:  # (a longer chain of + is too deep for Python's compile())
        return " + ".join(["0.0", *products])
    adding = "sum(" if _SUM_ADDS_IN_ORDER else "reduce(add, "  # eager adds one term at a time: += in order
    start = ")" if _SUM_ADDS_IN_ORDER else ", 0.0)"
    if tuples.written_out:
        return f"{adding}({', '.join(products)},){start}"
    if all(local == "1.0" for _, local in terms):
        return f"{adding}{tuples([gradient for gradient, _ in terms])}{start}"
    left, right = zip(*terms)
    return f"{adding}map(mul, {tuples(left)}, {tuples(right)}){start}"


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
