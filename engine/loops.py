"""Repeated stretches of a traced graph, so that the generated code writes each one once, as a loop.

A step over a batch traces the same ops once per sample, and a chain the same link again and again.
autograd.walk (the order the generated code follows, eager backward()'s) puts each repeat's nodes
together: a sample's MLP nodes, then its loss terms, then the next sample's. Written out line by
line, 100 samples are 100 copies of the same lines; Python's compile() spends most of a first call
on them, and the code runs no faster for it.

A node's signature is its kind (the op entry, which operands are parents, its constant operands)
and, for each Value operand, where it comes from: another node by how far back it is, a parameter
(a value source) by its place among the sources, an input by kind only (the numbers of each
repeat are its own). A stretch of `period` nodes whose signatures repeat `count` times is a Run,
if each repeat reads only its own nodes, the repeat just before it (a chain's link reads the last
one's output: carried from one turn of the loop to the next), parameters, constants and inputs;
engine.codegen writes its nodes once, inside a ``for`` loop, forward and backward.

One restriction keeps the loop's sums in eager backward()'s order: a carried node is read by one
edge of the next repeat (its gradient gets one term from the turn after). A parameter's gradient
piles up term by term, turn by turn, in eager's order, however many edges a repeat has to it.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from operator import ne
from typing import Any, Sequence

from engine.node import is_nary, operand_layout

MIN_NODES = 200  # a stretch of fewer nodes (all repeats together) stays straight-line: a loop gains it nothing
MIN_REPEATS = 4
_CANDIDATES = 8  # periods tried at a node: the distances to the next few nodes of its signature


@dataclass(frozen=True)
class Run:
    """Nodes ``start`` to ``start + period * count - 1`` of the walk: `count` repeats of `period` nodes."""

    start: int
    period: int
    count: int

    @property
    def end(self) -> int:
        return self.start + self.period * self.count


def find_runs(nodes: Sequence[Any], inputs: Sequence[Any], sources: Sequence[Any]) -> list[Run]:
    """The runs among `nodes` (in walk order), in order, not overlapping; [] for most small graphs."""
    min_nodes, min_repeats = MIN_NODES, MIN_REPEATS
    if len(nodes) < min_nodes:
        return []
    index = {id(node): position for position, node in enumerate(nodes)}
    input_ids = {id(leaf) for leaf in inputs}
    source_position = {id(source): position for position, source in enumerate(sources)}
    interned: dict[tuple, int] = {}
    signatures = [interned.setdefault(_signature(position, node, index, input_ids, source_position), len(interned))
                  for position, node in enumerate(nodes)]
    occurrences: dict[int, list[int]] = {}
    for position, signature in enumerate(signatures):
        occurrences.setdefault(signature, []).append(position)
    runs: list[Run] = []
    position, total = 0, len(nodes)
    periodic: dict[int, tuple[int, int]] = {}  # period -> a stretch (from, until) where each signature comes again period later
    rejected: dict[int, tuple[int, int]] = {}  # period -> (where a run of it was first not valid, its stretch's end)
    while position < total:
        best: Run | None = None
        later = occurrences[signatures[position]]
        first = bisect_right(later, position)
        for following in later[first:first + _CANDIDATES]:
            period = following - position
            if period * min_repeats > total - position:
                break
            refused, refused_until = rejected.get(period, (total, 0))
            if refused + period <= position < refused_until:  # every phase of this stretch was tried
                continue
            since, until = periodic.get(period, (total, 0))
            if not since <= position < until:
                since, until = periodic[period] = position, _periodic_until(signatures, position, period)
            count = (until - position) // period + 1
            covered = count * period
            if count >= min_repeats and covered >= min_nodes and (best is None or covered > best.period * best.count):
                candidate = Run(position, period, count)
                if valid(candidate, nodes, index):
                    best = candidate
                elif period not in rejected or rejected[period][1] <= position:
                    rejected[period] = (position, until)
        if best is None:
            position += 1
        else:
            runs.append(best)
            position = best.end
    return runs


def _periodic_until(signatures: list[int], position: int, period: int) -> int:
    """The first place from `position` whose signature differs from the one `period` later: compared
    at C speed, in chunks that double, so that a short stretch costs little."""
    end, chunk = len(signatures) - period, 64
    first_few = min(position + 8, end)
    while position < first_few:  # most candidates differ within a few places: one by one first
        if signatures[position] != signatures[position + period]:
            return position
        position += 1
    while position < end:
        stop = min(position + chunk, end)
        found = bytes(map(ne, signatures[position:stop], signatures[position + period:stop + period])).find(1)
        if found >= 0:
            return position + found
        position, chunk = stop, 2 * chunk
    return end


def _signature(position: int, node: Any, index: dict, input_ids: set, source_position: dict) -> tuple:
    operands, tracked = operand_layout(node)
    parts: list[Any] = [node._entry, is_nary(node), tuple(tracked)]
    for operand in operands:
        if operand.__class__ is float or not hasattr(operand, "_entry"):  # a number: part of the kind
            parts.append(("number", repr(operand) if isinstance(operand, float) and not math.isnan(operand) else operand))
        elif id(operand) in index:
            parts.append(("node", position - index[id(operand)]))
        elif id(operand) in input_ids:
            parts.append(("input",))
        else:
            parts.append(("source", source_position[id(operand)]))
    return tuple(parts)


def valid(run: Run, nodes: Sequence[Any], index: dict) -> bool:
    """Can `run` be a loop: each repeat reads nodes of its own or of the repeat before, each of
    those by one edge (its gradient gets one term from the turn after), never one it overwrites first."""
    carried: dict[int, int] = {}
    second = run.start + run.period  # the second repeat: its reads back land in the first
    for offset in range(run.period):
        for operand in operand_layout(nodes[second + offset])[0]:
            position = index.get(id(operand))
            if position is None:
                continue
            back = second + offset - position
            if back > offset:  # the repeat before: the loop still holds it, until it is written again
                if back >= run.period:
                    return False
                carried[offset - back] = carried.get(offset - back, 0) + 1
    return all(count == 1 for count in carried.values())
