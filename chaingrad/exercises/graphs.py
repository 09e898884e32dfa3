"""Random graphs built twice, step by step: once with the learner's Value, once with chaingrad's.

Each step applies one op (a + b, 2 * a, a.tanh(), a ** 3, ...) to nodes made before, chosen by a
seeded random.Random, so a seed always gives the same graph. Every node has a name (a, b, c, ...)
and the line that made it, so a failure can print the graph as lines the learner can run.
"""

from __future__ import annotations

import math
import random
from typing import Any, Callable, NamedTuple

from chaingrad.exercises.learner import run
from chaingrad.exercises.report import Text


class Step(NamedTuple):
    """One op application: its name, its line with {0}, {1} for the operands, the op on either Value."""

    op: str
    text: str
    apply: Callable[..., Any]


class Node(NamedTuple):
    name: str
    mine: Any  # the learner's Value
    oracle: Any  # chaingrad's Value
    line: str


ARITHMETIC = ("+", "*")  # exercise 1
ALL = ("+", "*", "tanh", "exp", "**")  # exercise 2 on
CONSTANTS = (2.0, 3.0, -1.0, 0.5, -1.5)


def _name(index: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[index] if index < 26 else f"v{index}"


def random_step(rng: random.Random, op: str, x: float) -> tuple[Step, int] | None:
    """A step of op `op` whose first operand has data x, and how many Value operands it takes; None where
    the op is off its domain at x (exp of a large x, x ** -1 near 0, x ** 0.5 of x <= 0)."""
    k = rng.choice(CONSTANTS)
    if op in ARITHMETIC:
        form = rng.choice(("values", "values", "number", "reflected"))
        if form == "values":
            return Step(op, f"{{0}} {op} {{1}}", (lambda p, q: p + q) if op == "+" else (lambda p, q: p * q)), 2
        if form == "number":
            return Step(op, f"{{0}} {op} {k!r}", (lambda p: p + k) if op == "+" else (lambda p: p * k)), 1
        return Step(op, f"{k!r} {op} {{0}}", (lambda p: k + p) if op == "+" else (lambda p: k * p)), 1  # __radd__
    if op == "tanh":
        return Step(op, "{0}.tanh()", lambda p: p.tanh()), 1
    if op == "exp":
        return (Step(op, "{0}.exp()", lambda p: p.exp()), 1) if x < 2.0 else None
    exponent = rng.choice((2, 3, -1, 0.5))
    if (exponent == -1 and abs(x) < 0.2) or (exponent == 0.5 and x < 0.2) or abs(x) > 20:
        return None
    return Step(op, f"{{0}} ** {exponent!r}", lambda p: p ** exponent), 1


class Graph:
    """A graph built in both worlds; `nodes` in the order they were made."""

    def __init__(self, learner_value: type, oracle_value: type, path: Any) -> None:
        self.learner_value, self.oracle_value, self.path = learner_value, oracle_value, path
        self.nodes: list[Node] = []
        self.used: set[str] = set()  # the names of the nodes some step took as an operand

    def program(self) -> tuple[str, ...]:
        return tuple(node.line for node in self.nodes)

    def leaf(self, data: float, name: str = "") -> Node:
        name = name or _name(len(self.nodes))
        line = f"{name} = Value({data!r})"
        mine = run(Text(f"`{line}`", f"`{line}`"), lambda: self.learner_value(data), self.path, self.program() + (line,))
        node = Node(name, mine, self.oracle_value(data), line)
        self.nodes.append(node)
        return node

    def apply(self, step: Step, operands: list[Node], name: str = "") -> Node:
        name = name or _name(len(self.nodes))
        line = f"{name} = " + step.text.format(*(operand.name for operand in operands))
        mine = run(Text(f"`{line}`", f"`{line}`"), lambda: step.apply(*(operand.mine for operand in operands)),
                   self.path, self.program() + (line,))
        node = Node(name, mine, step.apply(*(operand.oracle for operand in operands)), line)
        self.used.update(operand.name for operand in operands)
        self.nodes.append(node)
        return node


def random_graph(rng: random.Random, graph: Graph, ops: tuple[str, ...], leaves: int, steps: int,
                 on_step: Callable[[Step, list[Node], Node], None] | None = None) -> Node:
    """Fill `graph` with `leaves` leaves and `steps` random steps of `ops`, then add up every node no
    other node uses, so that the root (returned) depends on all of them. `on_step(step, operands, node)`
    is called after each step (the per-op checks of exercises 1 and 2)."""
    for _ in range(leaves):
        graph.leaf(round(rng.uniform(-2.0, 2.0), 1) or 0.5)
    for _ in range(steps):
        while True:
            first = rng.choice(graph.nodes[-4:] if rng.random() < 0.6 else graph.nodes)
            made = random_step(rng, rng.choice(ops), first.oracle.data)
            if made is None:
                continue
            step, count = made
            operands = [first] if count == 1 else [first, rng.choice(graph.nodes)]  # sometimes first twice: x * x
            data = step.apply(*(operand.oracle for operand in operands)).data
            if math.isfinite(data) and abs(data) < 1e3:
                break
        node = graph.apply(step, operands)
        if on_step is not None:
            on_step(step, operands, node)
    dangling = [node for node in graph.nodes if node.name not in graph.used]
    root = dangling[0]
    for node in dangling[1:]:
        root = graph.apply(Step("+", "{0} + {1}", lambda p, q: p + q), [root, node])
    return root
