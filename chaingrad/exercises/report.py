"""What a check says: a failure in two languages (English and Chinese), and how it is printed.

A check raises `Failure` at the first thing it finds wrong: what is wrong, the failing expression
(the lines that build the graph, runnable against the learner's Value), expected against got, and
a hint. Every text is a pair (English, Chinese); `render` picks one.
"""

from __future__ import annotations

import math
import unicodedata
from typing import NamedTuple


class Text(NamedTuple):
    """One message in English and in Chinese."""

    en: str
    zh: str

    def __call__(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Failure(Exception):
    """The first thing a check found wrong in the learner's file."""

    def __init__(self, what: Text, hint: Text, expected: str = "", got: str = "", program: tuple[str, ...] = ()):
        super().__init__(what.en)
        self.what, self.hint, self.expected, self.got, self.program = what, hint, expected, got, program


def number(x: object) -> str:
    """A number as a learner reads it: 2.0, 0.761594155956, nan."""
    if isinstance(x, float):
        return repr(round(x, 12)) if math.isfinite(x) else repr(x)
    return repr(x)


def close(got: object, expected: float) -> bool:
    """got equals expected up to rounding (relative 1e-9), got a real number."""
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return False
    if math.isnan(expected):
        return math.isnan(got)
    return math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9)


LABELS = {
    "passed": Text("passed", "通过"),
    "failed": Text("FAILED", "未通过"),
    "graph": Text("run these lines to see it yourself:", "把下面几行抄下来运行，就能亲眼看到："),
    "expected": Text("expected: ", "应为："),
    "got": Text("got:      ", "实际："),
    "hint": Text("hint: ", "提示："),
    "colon": Text(": ", "："),
    "seed": Text(" (seed {seed})", "（随机种子 {seed}）"),
    "again": Text("the same random cases again: add --seed {seed}", "想再跑一遍同样的随机例子：加上 --seed {seed}"),
}


COLUMNS = 100  # the width the messages are wrapped to (a Chinese character takes two columns)


def _columns(character: str) -> int:
    return 2 if unicodedata.east_asian_width(character) in ("W", "F") else 1


def wrap(text: str, indent: str, columns: int = COLUMNS) -> list[str]:
    """`text` as lines of at most `columns` terminal columns after `indent`, broken at a space or
    beside a Chinese character (which needs no space around it), never inside a word."""
    lines, line, width = [], "", len(indent)
    for character in text:
        line += character
        width += _columns(character)
        if width > columns:
            cut = max(line.rfind(" "), max((i + 1 for i, c in enumerate(line[:-1]) if _columns(c) == 2), default=-1))
            if cut <= 0:
                continue  # one long word: let it run over
            lines.append(indent + line[:cut].rstrip())
            line = line[cut:].lstrip(" ")
            width = len(indent) + sum(_columns(c) for c in line)
    return lines + [indent + line]


def render(title: Text, seed: int, failure: Failure | None, lang: str) -> str:
    """The check's result as lines for a terminal."""
    head = title(lang) + LABELS["seed"](lang).format(seed=seed)
    if failure is None:
        return head + LABELS["colon"](lang) + LABELS["passed"](lang)
    lines = [head + LABELS["colon"](lang) + LABELS["failed"](lang), ""] + wrap(failure.what(lang), "  ")
    if failure.program:
        lines += ["", "  " + LABELS["graph"](lang)] + ["      " + line for line in failure.program]
    if failure.expected or failure.got:
        lines += ["", f"  {LABELS['expected'](lang)}{failure.expected}", f"  {LABELS['got'](lang)}{failure.got}"]
    hint = wrap(LABELS["hint"](lang) + failure.hint(lang), "  ")
    lines += [""] + hint + ["", "  " + LABELS["again"](lang).format(seed=seed)]
    return "\n".join(lines)
