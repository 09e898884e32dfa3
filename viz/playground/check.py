"""The playground's check of a student's program before it runs: parsed with `ast`, every node held
against a whitelist, and every refusal naming the line and what to write instead.

A program of Values is assignments, arithmetic, calls, `for` loops, `if`, small functions and print:

    >>> tree = check("a = Value(2.0)\\nb = Value(1.0)\\ne = (a + b) * (b + 1)")
    >>> check("import os")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    viz.playground.check.ProgramError: line 1: 'import' is not needed in the playground: ...

What runs is in the browser's own sandbox, so the whitelist is not a security wall; it keeps a
learner's mistakes readable (a refused construct is named, never a blank page or a trace from deep
inside Python) and keeps out what would freeze the tab (`while` loops; `range` is capped where it runs).
"""

from __future__ import annotations

import ast

STATEMENTS = (ast.Module, ast.Expr, ast.Assign, ast.AugAssign, ast.For, ast.If, ast.FunctionDef, ast.Return,
              ast.Pass, ast.Break, ast.Continue)
EXPRESSIONS = (ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Call, ast.Attribute, ast.Name, ast.Constant,
               ast.List, ast.Tuple, ast.Subscript, ast.Slice, ast.ListComp, ast.GeneratorExp, ast.comprehension,
               ast.keyword, ast.IfExp, ast.JoinedStr, ast.FormattedValue, ast.arguments, ast.arg, ast.Dict)
CONTEXTS_AND_OPERATORS = (ast.expr_context, ast.operator, ast.unaryop, ast.boolop, ast.cmpop)
ALLOWED = STATEMENTS + EXPRESSIONS + CONTEXTS_AND_OPERATORS
REFUSED_ATTRIBUTES = {"format", "format_map"}  # a format string can read attributes the check does not see
ADVICE = {
    "Import": "'import' is not needed in the playground: Value, nn, math and print are there already",
    "ImportFrom": "'import' is not needed in the playground: Value, nn, math and print are there already",
    "While": "'while' loops are not run in the playground (one that never ends would freeze the page): "
             "write 'for step in range(100):'",
    "ClassDef": "classes are not run in the playground: build your model from nn (nn.MLP, nn.Linear) and Values",
    "Lambda": "'lambda' is not run in the playground: write a small 'def'",
    "With": "'with' is not run in the playground",
    "Try": "'try' is not run in the playground: an error is shown with its line anyway",
    "Global": "'global' is not run in the playground",
    "Nonlocal": "'nonlocal' is not run in the playground",
    "Delete": "'del' is not run in the playground",
}


class ProgramError(ValueError):
    """A student's program that cannot run, with the line to look at (`line`, from 1) and what to change."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line
        self.message = message


def check(code: str) -> ast.Module:
    """Parse `code` and check every node against the whitelist; return the tree, or raise ProgramError."""
    try:
        tree = ast.parse(code, filename="<playground>", mode="exec")
    except SyntaxError as error:
        text = (error.text or "").strip()
        where = f" near {text!r}" if text else ""
        raise ProgramError(error.lineno, f"this is not Python{where}: {error.msg}") from None
    for node in ast.walk(tree):
        line = getattr(node, "lineno", None)
        kind = type(node).__name__
        if not isinstance(node, ALLOWED):
            raise ProgramError(line, ADVICE.get(kind, f"{kind} is not run in the playground: keep to Values, "
                                                      "arithmetic, calls, 'for', 'if' and print"))
        names = []
        if isinstance(node, ast.Name):
            names.append(node.id)
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            if node.attr in REFUSED_ATTRIBUTES:
                raise ProgramError(line, f"'.{node.attr}' is not run in the playground: write an f-string, "
                                         "f\"{a.grad}\"")
        elif isinstance(node, (ast.FunctionDef, ast.arg)):
            names.append(node.name if isinstance(node, ast.FunctionDef) else node.arg)
        elif isinstance(node, ast.Constant) and not isinstance(node.value, (int, float, str, bool, type(None))):
            raise ProgramError(line, f"{node.value!r} is not a number or a text")
        for name in names:
            if name.startswith("_"):
                raise ProgramError(line, f"names starting with '_' ({name}) are Python's insides, not needed here: "
                                         "rename it without the underscore")
        if isinstance(node, ast.FunctionDef) and node.decorator_list:
            raise ProgramError(line, "decorators are not run in the playground")
    return tree
