"""The playground's check of a student's program before it runs: parsed with `ast`, every node held
against a whitelist, and every refusal naming the line and what to write instead.

A program of Values is assignments, arithmetic, calls, `for` loops, `if`, small functions and print:

    >>> tree = check("a = Value(2.0)\\nb = Value(1.0)\\ne = (a + b) * (b + 1)")
    >>> check("import os")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    viz.playground.check.ProgramError: line 1: 'import' is not needed in the playground: ...
    >>> check("import os", lang="zh")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    viz.playground.check.ProgramError: 第 1 行：演练场里不需要 import：...

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
WORDS = {  # what the check says, in English and in Chinese (the page's language)
    "line": ("line {line}: ", "第 {line} 行："),
    "syntax": ("this is not Python{where}: {detail}", "这不是合法的 Python{where}：{detail}"),
    "near": (" near {text!r}", "（在 {text!r} 附近）"),
    "import": ("'import' is not needed in the playground: Value, nn, math and print are there already",
               "演练场里不需要 import：Value、nn、math 和 print 都已经可以直接用"),
    "While": ("'while' loops are not run in the playground (one that never ends would freeze the page): "
              "write 'for step in range(100):'",
              "演练场不运行 while 循环（停不下来的循环会让页面卡住）：请写 for step in range(100):"),
    "ClassDef": ("classes are not run in the playground: build your model from nn (nn.MLP, nn.Linear) and Values",
                 "演练场不运行 class：请用 nn（nn.MLP、nn.Linear）和 Value 搭模型"),
    "Lambda": ("'lambda' is not run in the playground: write a small 'def'", "演练场不运行 lambda：请写一个小的 def"),
    "Try": ("'try' is not run in the playground: an error is shown with its line anyway",
            "演练场不运行 try：出错时本来就会指出是哪一行"),
    "other": ("{kind} is not run in the playground: keep to Values, arithmetic, calls, 'for', 'if' and print",
              "演练场不运行 {kind}：请只用 Value、算术、函数调用、for、if 和 print"),
    "format": ("'.{attribute}' is not run in the playground: write an f-string, f\"{{a.grad}}\"",
               "演练场不运行 .{attribute}：请用 f-string，例如 f\"{{a.grad}}\""),
    "constant": ("{value!r} is not a number or a text", "{value!r} 既不是数也不是文字"),
    "underscore": ("names starting with '_' ({name}) are Python's insides, not needed here: rename it without the underscore",
                   "以下划线开头的名字（{name}）属于 Python 内部，这里用不到：请去掉下划线"),
    "decorator": ("decorators are not run in the playground", "演练场不运行装饰器"),
}
LANGUAGES = ("en", "zh")


def say(key: str, lang: str, **values: object) -> str:
    """WORDS[key] in `lang` ('en' or 'zh'), filled with `values`."""
    return WORDS[key][LANGUAGES.index(lang)].format(**values)


class ProgramError(ValueError):
    """A student's program that cannot run, with the line to look at (`line`, from 1) and what to change."""

    def __init__(self, line: int | None, message: str, lang: str = "en") -> None:
        super().__init__(say("line", lang, line=line) + message if line else message)
        self.line = line
        self.message = message


def check(code: str, lang: str = "en") -> ast.Module:
    """Parse `code` and check every node against the whitelist; return the tree, or raise ProgramError
    (its message in `lang`: 'en' or 'zh')."""
    if lang not in LANGUAGES:
        raise ValueError(f"check(lang={lang!r}): choose 'en' or 'zh'")
    try:
        tree = ast.parse(code, filename="<playground>", mode="exec")
    except SyntaxError as error:
        text = (error.text or "").strip()
        where = say("near", lang, text=text) if text else ""
        raise ProgramError(error.lineno, say("syntax", lang, where=where, detail=error.msg), lang) from None
    for node in ast.walk(tree):
        line = getattr(node, "lineno", None)
        if not isinstance(node, ALLOWED):
            kind = type(node).__name__
            key = "import" if kind in ("Import", "ImportFrom") else kind if kind in WORDS else "other"
            raise ProgramError(line, say(key, lang, kind=kind), lang)
        names = []
        if isinstance(node, ast.Name):
            names.append(node.id)
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            if node.attr in REFUSED_ATTRIBUTES:
                raise ProgramError(line, say("format", lang, attribute=node.attr), lang)
        elif isinstance(node, (ast.FunctionDef, ast.arg)):
            names.append(node.name if isinstance(node, ast.FunctionDef) else node.arg)
        elif isinstance(node, ast.Constant) and not isinstance(node.value, (int, float, str, bool, type(None))):
            raise ProgramError(line, say("constant", lang, value=node.value), lang)
        for name in names:
            if name.startswith("_"):
                raise ProgramError(line, say("underscore", lang, name=name), lang)
        if isinstance(node, ast.FunctionDef) and node.decorator_list:
            raise ProgramError(line, say("decorator", lang), lang)
    return tree
