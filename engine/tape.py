"""The tape: a traced graph run from flat lists, no code generated (for graphs too big to compile).

Every Value of the graph gets a slot in one list of numbers; each node is one instruction (its
entry's forward, the slots of its operands, its own slot). The forward calls each entry's forward
on the operands' numbers; the backward walks the instructions in reverse, calls each entry's
derivative and adds local derivative times gradient into the parents' slots, in the order eager
backward() does, so the numbers are the same. Setting up is linear in the graph and cheap; each
call costs a few function calls per node (about 2-3 times the generated code).
"""

from __future__ import annotations

from typing import Any, Sequence


class Tape:
    """A traced graph as instructions over slots; ``run`` as engine.codegen.Program's."""

    def __init__(self, nodes: Sequence[Any], inputs: Sequence[Any], sources: Sequence[Any], outputs: Sequence[Any]) -> None:
        slots: dict[int, int] = {}
        for value in [*inputs, *sources, *nodes]:  # the slots: inputs, value sources, nodes, then constants
            slots[id(value)] = len(slots)
        self.leaf_count = len(inputs) + len(sources)
        constants: list[float] = []
        instructions = []
        for node in nodes:
            operand_slots = []
            for operand in node.operands:
                if id(operand) not in slots:  # a number (the 1 of x + 1): a constant slot
                    slots[id(operand)] = len(slots)
                    constants.append(operand)
                operand_slots.append(slots[id(operand)])
            instructions.append([node._entry.forward, operand_slots, node, [], node._entry.derivative])
        self.constants = constants
        self.zeros = [0.0] * len(nodes)
        tracked = {id(source) for source in sources if source._entry is not None}
        needs = set(tracked)
        for instruction in instructions:
            node = instruction[2]
            parent_ids = {id(parent) for parent in node.parents}
            instruction[3] = [(position, slots[id(operand)]) for position, operand in enumerate(node.operands)
                              if id(operand) in parent_ids and id(operand) in needs]
            if instruction[3]:
                needs.add(id(node))
            instruction[2] = slots[id(node)]
        self.instructions = [tuple(instruction) for instruction in instructions]
        self.size = len(slots)
        self.output_slots = [slots[id(output)] if id(output) in slots else None for output in outputs]
        self.output_constants = [output.data for output in outputs]
        self.gradient_sources = [index for index, source in enumerate(sources) if id(source) in tracked]
        self.gradient_slots = [len(inputs) + index for index in self.gradient_sources]
        self.source = (f"# engine.compile's tape runner: {len(nodes)} instructions over {self.size} slots "
                       "(no code generated; use runner='code' to see the code)\n")

    def run(self, inputs: Sequence[float], values: Sequence[Any], backward: bool) -> tuple[list[float], list[float]]:
        """The outputs' numbers, and (if backward) the gradients of the tracked value sources."""
        numbers = [*inputs, *[value.data for value in values], *self.zeros, *self.constants]
        for forward, operand_slots, slot, _, _ in self.instructions:
            numbers[slot] = forward(*[numbers[index] for index in operand_slots])
        outputs = [numbers[slot] if slot is not None else constant
                   for slot, constant in zip(self.output_slots, self.output_constants)]
        if not backward:
            return outputs, []
        gradients = [0.0] * self.size
        root = self.output_slots[0]
        if root is not None:
            gradients[root] = 1.0
        for _, operand_slots, slot, parents, derivative in reversed(self.instructions):
            if not parents:
                continue
            gradient = gradients[slot]
            local_derivatives = derivative(*[numbers[index] for index in operand_slots], numbers[slot])
            if local_derivatives.__class__ is not tuple:
                local_derivatives = (local_derivatives,)
            for position, parent in parents:
                gradients[parent] += local_derivatives[position] * gradient
        return outputs, [gradients[slot] for slot in self.gradient_slots]
