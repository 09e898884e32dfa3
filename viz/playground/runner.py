"""Running a student's program in the playground: checked (viz.playground.check), run with a small
set of names (Value, nn, engine, math, print, ...), its printout captured, its output explored.

    >>> result = run("a = Value(2.0)\\nb = Value(1.0)\\ne = (a + b) * (b + 1)\\ne.backward()\\nprint(a.grad, b.grad)",
    ...              explore=False)
    >>> result["output"], result["root"], [leaf["name"] for leaf in result["leaves"]]
    ('2.0 5.0\\n', 'e', ['a', 'b'])

The explored Value is the one given to `show(x)`, else the last Value the program assigned to a
name at its top level. Values assigned to names at the top level are labelled with those names
(unless labelled already), so that the drawing speaks the program's words. Its leaves written as
`name = Value(number)` are returned with their lines, so that the page can offer them as fields:
`with_leaf(code, name, number)` writes the new number into the program, which then runs again (its
forward pass, and the explorer, with the new number).
In the browser the graph is laid out by viz-js through viz.files.use_layout (`browser_layout`).
"""

from __future__ import annotations

import ast
import builtins
import io
import json
import math
import traceback
import warnings
from contextlib import nullcontext
from typing import Any

import engine
import nn
from engine import Value
from viz.explore import explore as explore_graph
from viz.files import Layout, use_layout
from viz.playground.check import ProgramError, check, say

RANGE_LIMIT = 100_000  # a loop longer than this would freeze the page (the program runs in the page itself)
SAFE_BUILTINS = ("abs", "bool", "dict", "enumerate", "float", "int", "len", "list", "max", "min", "reversed",
                 "round", "sorted", "str", "sum", "tuple", "zip", "isinstance")


def _range(*arguments: int) -> range:
    numbers = range(*arguments)
    if len(numbers) > RANGE_LIMIT:
        raise ValueError(f"range{arguments} has {len(numbers):,} numbers; the playground runs at most "
                         f"{RANGE_LIMIT:,} per loop so that the page stays responsive: use a smaller range")
    return numbers


def _leaf_number(statement: ast.stmt) -> tuple[str, ast.expr] | None:
    """(name, the number's node) of a top-level `name = Value(number, ...)`, else None."""
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name) and isinstance(statement.value, ast.Call)
            and isinstance(statement.value.func, ast.Name) and statement.value.func.id == "Value"
            and statement.value.args):
        return None
    number = statement.value.args[0]
    inner = number.operand if isinstance(number, ast.UnaryOp) and isinstance(number.op, (ast.USub, ast.UAdd)) else number
    if not (isinstance(inner, ast.Constant) and isinstance(inner.value, (int, float)) and not isinstance(inner.value, bool)):
        return None
    if number.lineno != number.end_lineno:
        return None
    return statement.targets[0].id, number


def _where(code: str, node: ast.expr) -> tuple[int, int, int]:
    """(line, first character, end character) of `node` in `code` (ast counts UTF-8 bytes, a line may hold Chinese)."""
    line = code.splitlines()[node.lineno - 1].encode("utf-8")
    start = len(line[:node.col_offset].decode("utf-8"))
    return node.lineno, start, start + len(line[node.col_offset:node.end_col_offset].decode("utf-8"))


def with_leaf(code: str, name: str, number: float) -> str:
    """`code` with the number of the top-level `name = Value(...)` replaced by `number`."""
    if not math.isfinite(number):
        raise ProgramError(None, f"{name}: {number!r} is not a finite number")
    tree = check(code)
    for statement in tree.body:
        found = _leaf_number(statement)
        if found and found[0] == name:
            line, start, end = _where(code, found[1])
            lines = code.splitlines(keepends=True)
            lines[line - 1] = lines[line - 1][:start] + repr(float(number)) + lines[line - 1][end:]
            return "".join(lines)
    raise ProgramError(None, f"no line 'name = Value(number)' for {name!r} in the program")


def _error_line(error: BaseException) -> int | None:
    """The line of the student's program where `error` was raised (the innermost frame of it)."""
    lines = [frame.lineno for frame in traceback.extract_tb(error.__traceback__) if frame.filename == "<playground>"]
    return lines[-1] if lines else None


def run(code: str, lang: str = "en", explore: bool = True, layout: Layout | None = None) -> dict[str, Any]:
    """Check and run `code`; return what it printed and, when it made one, the explorer page of its output.

    Returns a dict: output (the printout), error (None or {line, message}), root (the explored Value's
    name), leaves ([{name, value, line}]), explorer (the explorer's HTML, or None), explorer_error.
    """
    printed = io.StringIO()
    result: dict[str, Any] = {"output": "", "error": None, "root": None, "leaves": [], "explorer": None,
                              "explorer_error": None}
    chosen: list[Value] = []

    def show(value: Any) -> None:
        """Explore this Value (instead of the last one assigned)."""
        if not isinstance(value, Value):
            raise TypeError(f"show() needs a Value, got {type(value).__name__}: {value!r}")
        chosen.append(value)

    def write(*items: Any, sep: str = " ", end: str = "\n") -> None:
        printed.write(sep.join(map(str, items)) + end)

    names: dict[str, Any] = {name: getattr(builtins, name) for name in SAFE_BUILTINS}
    names.update(Value=Value, nn=nn, engine=engine, math=math, print=write, range=_range, show=show)
    scope: dict[str, Any] = {"__builtins__": names}  # the program's own names go here
    heard: list[warnings.WarningMessage] = []
    try:
        tree = check(code, lang)
        with warnings.catch_warnings(record=True) as heard:  # scoped: the filters are restored after the run
            warnings.simplefilter("default")  # once per line, as a terminal shows them
            exec(compile(tree, "<playground>", "exec"), scope)  # noqa: S102 (checked above)
    except ProgramError as error:
        result["error"] = {"line": error.line, "message": str(error)}
    except Exception as error:  # the student's own error, shown with its line
        line = _error_line(error)
        where = say("line", lang, line=line) if line else ""
        result["error"] = {"line": line, "message": f"{where}{type(error).__name__}: {error}"}
    for warning in heard:  # the learners' mistakes engine warns about (LostGradientWarning, ...) in the printout
        where = say("line", lang, line=warning.lineno) if warning.filename == "<playground>" else ""
        printed.write(f"{where}{warning.category.__name__}: {warning.message}\n")
    result["output"] = printed.getvalue()
    if result["error"] is not None:
        return result
    root: Value | None = chosen[-1] if chosen else None
    root_name: str | None = None
    for statement in tree.body:
        found = _leaf_number(statement)
        leaf = scope.get(found[0]) if found else None
        if found and isinstance(leaf, Value) and not leaf.parents:  # still that leaf (not a name used again)
            number = ast.literal_eval(found[1])
            result["leaves"].append({"name": found[0], "value": number, "line": statement.lineno})
        for target in statement.targets if isinstance(statement, ast.Assign) else []:
            value = scope.get(target.id) if isinstance(target, ast.Name) else None
            if isinstance(value, Value) and isinstance(target, ast.Name):
                if not value.label:  # the drawing names each Value as the program does
                    value.label = target.id
                if not chosen:  # without show(): the last Value assigned to a name
                    root, root_name = value, target.id
    if root is None:
        return result
    result["root"] = root_name or root.label or "the output"
    if explore:
        try:
            with use_layout(layout) if layout else nullcontext():
                result["explorer"] = explore_graph(root, lang=lang).html
        except Exception as error:  # too large a graph, a layout failure: said beside the output
            result["explorer_error"] = f"{type(error).__name__}: {error}"
    return result


def browser_layout(source: str, file_format: str) -> bytes:
    """Lay DOT `source` out with viz-js, in the page that runs this Python (Pyodide): `globalThis.chaingradLayout`."""
    if file_format != "svg":
        raise ValueError(f"the playground lays graphs out as SVG only, not {file_format!r}")
    import js  # Pyodide's bridge to the page's JavaScript

    return str(js.chaingradLayout(source)).encode("utf-8")


def run_json(code: str, lang: str = "en") -> str:
    """run() in the browser, its result as JSON text for the page's script."""
    return json.dumps(run(code, lang, layout=browser_layout), ensure_ascii=False)


def with_leaf_json(code: str, name: str, number: float) -> str:
    """with_leaf() in the browser: JSON {code} or {error}."""
    try:
        return json.dumps({"code": with_leaf(code, name, number)}, ensure_ascii=False)
    except ProgramError as error:
        return json.dumps({"error": str(error)}, ensure_ascii=False)
