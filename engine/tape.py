"""The tape: a traced graph run over flat lists, no code generated (for graphs too big to compile).

Every number of the graph has a slot in one list: the inputs, the value sources (parameters),
the nodes' outputs, the constants (the 1 of x + 1) and the local derivatives. The forward is one
instruction per node: a dot is ``sum(map(mul, weights, inputs))`` over slots, a sum ``sum(...)``,
any other op its entry's forward. The backward is in pull form, as the generated code's: in
reverse order each Value's gradient is ``sum(map(mul, consumers' gradients, local derivatives))``
over slots (the consumers are done before it), in the order eager backward() adds them, so the
numbers are the same. A dot's local derivatives are its partners' slots and a sum's a slot holding
1.0; any other node calls its entry's derivative when its gradient is done and stores the results
in slots of their own for its parents to read. Set-up is linear in the graph and cheap.
"""

from __future__ import annotations

import functools
import operator
import sys
from typing import Any, Callable, Sequence

from engine.ops import OPS

_SUM, _DOT = OPS["sum"], OPS["dot"]
_ADD, _SUBTRACT, _MULTIPLY = OPS["+"], OPS["-"], OPS["*"]
_SLOTTED = (_ADD, _SUBTRACT, _MULTIPLY)  # ops whose local derivatives are slots already: no call to make
_mul = operator.mul


def _added_in_order(terms: Any) -> float:
    """The terms added one at a time from 0.0, in order, as eager backward()'s += adds them."""
    return functools.reduce(operator.add, terms, 0.0)


# sum() does the same before Python 3.12, faster; from 3.12 it compensates for rounding (Neumaier)
_pile: Callable[[Any], float] = sum if sys.version_info < (3, 12) else _added_in_order
_GENERIC, _DOT_KIND, _SUM_KIND = 0, 1, 2


class Tape:
    """A traced graph as instructions over slots; ``run`` as engine.codegen.Program's."""

    def __init__(self, nodes: Sequence[Any], inputs: Sequence[Any], sources: Sequence[Any], outputs: Sequence[Any]) -> None:
        slots: dict[int, int] = {}
        for value in [*inputs, *sources, *nodes]:
            slots[id(value)] = len(slots)
        value_count = len(slots)
        extra: list[float] = [1.0]  # the slots after the Values': constants and local derivatives
        one = value_count

        def constant(number: float) -> int:
            extra.append(number)
            return value_count + len(extra) - 1

        forward: list[tuple[Any, ...]] = []  # (kind, out slot, operand slots, partners or function, bias slot)
        locals_of: dict[int, list[tuple[int, int]]] = {}  # node slot -> (parent slot, local derivative slot)
        derivatives: dict[int, tuple] = {}  # node slot -> (derivative, operand slots, first local slot, count, bare)
        minus_one: int | None = None  # the slot of -1.0, b's local derivative in a - b
        for node in nodes:
            entry, out = node._entry, slots[id(node)]
            operands = node.operands
            operand_slots = [slots[id(operand)] if id(operand) in slots else constant(float(operand)) for operand in operands]
            parent_ids = {id(parent) for parent in node.parents}
            positions = [position for position, operand in enumerate(operands) if id(operand) in parent_ids]
            if entry is _DOT:
                count = len(operands) // 2
                weights, partners = operand_slots[:count], operand_slots[count : 2 * count]
                bias = operand_slots[-1] if len(operands) % 2 else None
                forward.append((_DOT_KIND, out, weights, partners, bias))
                partner_of = [*partners, *weights, one]
                locals_of[out] = [(operand_slots[position], partner_of[position]) for position in positions]
            elif entry is _SUM:
                forward.append((_SUM_KIND, out, operand_slots, None, None))
                locals_of[out] = [(operand_slots[position], one) for position in positions]
            elif entry in _SLOTTED and len(operands) == 2:  # +, -, *: local derivatives 1, -1 or the other operand
                forward.append((_GENERIC, out, operand_slots, entry.forward, None))
                if minus_one is None:
                    minus_one = constant(-1.0)
                slotted = {_ADD: [one, one], _SUBTRACT: [one, minus_one]}.get(entry, operand_slots[::-1])
                locals_of[out] = [(operand_slots[position], slotted[position]) for position in positions]
            else:
                forward.append((_GENERIC, out, operand_slots, entry.forward, None))
                first = value_count + len(extra)
                extra.extend([0.0] * len(operands))
                bare = len(operands) == 1 and entry.derivative(
                    *[getattr(operand, "data", operand) for operand in operands], node.data).__class__ is not tuple
                derivatives[out] = (entry.derivative, operand_slots, first, len(operands), bare)
                locals_of[out] = [(operand_slots[position], first + position) for position in positions]
        self.forward = forward
        self.extra = extra
        self.value_count = value_count

        # the backward: which Values pass gradient on to a tracked source, and each one's consumers
        tracked = {slots[id(source)] for source in sources if source._entry is not None}
        needs = set(tracked)
        for node in nodes:
            out = slots[id(node)]
            if any(parent in needs for parent, _ in locals_of[out]):
                needs.add(out)
        consumers: dict[int, list[tuple[int, int]]] = {}
        backward = []
        root = slots.get(id(outputs[0]))
        for node in reversed(nodes):
            out = slots[id(node)]
            if out not in needs or out != root and out not in consumers:  # not on a path to the root
                continue
            gradients, local_slots = zip(*consumers.get(out, [])) if out in consumers else ((), ())
            backward.append((out, gradients, local_slots, derivatives.get(out)))
            for parent, local in locals_of[out]:
                if parent in needs:
                    consumers.setdefault(parent, []).append((out, local))
        self.backward = backward
        self.root = root
        self.gradient_sources = [index for index, source in enumerate(sources) if slots[id(source)] in tracked
                                 and (slots[id(source)] == root or len(inputs) + index in consumers)]  # reached only
        self.source_gradients = []
        for index in self.gradient_sources:
            pairs = consumers.get(len(inputs) + index, [])
            self.source_gradients.append((len(inputs) + index, *(zip(*pairs) if pairs else ((), ()))))
        self.output_slots = [slots.get(id(output)) for output in outputs]
        self.output_constants = [output.data for output in outputs]
        self.source = (f"# engine.compile's tape runner: {len(nodes)} nodes over {value_count + len(extra)} slots "
                       "(no code generated; runner='code' writes it out)\n")

    def run(self, inputs: Sequence[float], values: Sequence[Any], backward: bool) -> tuple[list[float], list[float]]:
        """The outputs' numbers, and (if backward) the gradients of the tracked value sources."""
        numbers = [*inputs, *[value.data for value in values]]
        numbers += [0.0] * (self.value_count - len(numbers))
        numbers += self.extra
        read = numbers.__getitem__
        for kind, out, first, second, third in self.forward:
            if kind == _DOT_KIND:
                total = sum(map(_mul, map(read, first), map(read, second)))
                numbers[out] = total if third is None else total + numbers[third]
            elif kind == _SUM_KIND:
                numbers[out] = sum(map(read, first))
            else:
                numbers[out] = second(*map(read, first))
        outputs = [numbers[slot] if slot is not None else constant
                   for slot, constant in zip(self.output_slots, self.output_constants)]
        if not backward:
            return outputs, []
        gradients = [0.0] * self.value_count
        gradient_of = gradients.__getitem__
        for out, consumers, local_slots, derivative in self.backward:
            if out == self.root:
                gradients[out] = 1.0
            elif len(consumers) == 1:
                gradients[out] = gradients[consumers[0]] * numbers[local_slots[0]]
            else:
                gradients[out] = _pile(map(_mul, map(gradient_of, consumers), map(read, local_slots)))
            if derivative is not None:
                function, operand_slots, first, count, bare = derivative
                local_derivatives = function(*map(read, operand_slots), numbers[out])
                numbers[first : first + count] = (local_derivatives,) if bare else local_derivatives
        results = []
        for slot, consumers, local_slots in self.source_gradients:
            if slot == self.root:
                results.append(1.0)
            else:
                results.append(_pile(map(_mul, map(gradient_of, consumers), map(read, local_slots))))
        return outputs, results
