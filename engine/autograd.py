"""Reverse mode: the one graph walk, the chain rule, and backward() / gradients() built on them.

`walk` is the only graph walk: iterative (no recursion limit), every node made by ops of a graph
once, each after all of its parents. `backpropagate` is the chain rule, the one place it is
applied: each node, consumers first, piles its gradient times each local derivative onto its
parents (堆放): ``parent.grad += local * node.grad``. A leaf's pile is kept from pass to pass,
so its gradients accumulate (call zero_grad between steps); nothing is set aside, so nothing can
be lost when a pass stops half-way. `backward` and `gradients` do the bookkeeping around them
(which gradients start at zero, which are restored), under one lock, so that two threads running
backward() on graphs that share parameters each add their whole contribution.

The walk and the chain rule read a node's slots inline, for speed, in the layout engine.node
describes (where everything else that reads a node lives).
"""

from __future__ import annotations

import math
import threading
from contextlib import nullcontext
from itertools import filterfalse
from typing import Any, Sequence

from engine.errors import AnomalyError
from engine.modes import collector_paused, enable_grad, is_anomaly_enabled
from engine.node import graph_locals, local_derivatives_of, parents_of

# One backward pass at a time: a leaf shared by two graphs is added to by one pass at a time.
_backward_lock = threading.RLock()


def walk(root: Any) -> list:
    """The one graph walk: root's nodes made by ops, each after all of its parents (root last).
    Leaves are not in it (they have no parents to order; see leaves_of).

    Iterative depth-first search (no recursion limit); parents are visited in their order, so the
    result is the same on every run. A node stays on the stack under a None marker until its
    parents are done.
    """
    nodes: list = []
    if root._first is None:  # a leaf or a constant: no nodes made by ops
        return nodes
    nary = root._nary_class  # engine.value.NaryValue (see engine.node)
    visited: set = set()
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node is None:  # the marker: every parent of the node under it is done
            nodes.append(stack.pop())
            continue
        if node in visited:
            continue
        visited.add(node)
        if type(node) is nary:
            made_by_ops = node._made_by_ops
            if visited.issuperset(made_by_ops):  # every parent is done (common, and cheaper to ask at once)
                nodes.append(node)
                continue
            stack.append(node)
            stack.append(None)
            stack.extend(filterfalse(visited.__contains__, reversed(made_by_ops)))
        else:
            stack.append(node)
            stack.append(None)
            second = node._second
            if node._second_local is not None and second._first is not None:  # made by ops (a leaf has no operands)
                stack.append(second)
            first = node._first
            if node._first_local is not None and first._first is not None:
                stack.append(first)
    return nodes


def leaves_of(nodes: Sequence[Any]) -> list:
    """The leaves among the parents of `nodes`, each once, in the order they are first met (tracked
    leaves, and leaves whose requires_grad was turned off after the graph was made)."""
    seen: set = set()
    leaves = []
    for node in nodes:
        for parent in parents_of(node):
            if parent._first is None and parent not in seen:
                seen.add(parent)
                leaves.append(parent)
    return leaves


def backpropagate(nodes: Sequence[Any], create_graph: bool = False) -> None:
    """The chain rule, the one place it is applied: each node of `nodes` (consumers first) adds its
    gradient times each local derivative to its parents' gradients (堆放).

    With create_graph the local derivatives are evaluated again in Value ops from the op's entry
    (see graph_locals), so the gradients become Values in a graph; that graph is recorded even
    inside no_grad(), as in PyTorch.

    An n-ary node whose gradient is 0 passes nothing on when its local derivatives are finite (as a
    neuron behind a ReLU that is off): every product would be a zero, and adding one changes no
    gradient (only the sign of a zero one). A non-finite local derivative still sends 0 * inf = NaN.
    In W1, 47% of the dot nodes have gradient 0 (-18 M instructions a step).

    The 堆放 line is written once per layout (an n-ary node's tuples; a node's first and second
    slot). Written once, over tuples made for each one- or two-operand node, it cost W1 154.8 ->
    167.7 M instructions per step and W2 (100,000 nodes) 991 -> 1273 M; engine/tiny.py writes it once.
    """
    if not nodes:
        return
    anomaly = is_anomaly_enabled()
    nary = nodes[0]._nary_class  # engine.value.NaryValue (see engine.node)
    with enable_grad() if create_graph else nullcontext():  # one per pass
        for node in nodes:
            if type(node) is nary:  # n-ary: a tuple of parents, a tuple of local derivatives
                gradient = node.grad
                local_derivatives = graph_locals(node) if create_graph else node._first_local
                if not gradient and not create_graph and math.isfinite(sum(local_derivatives)):
                    continue  # a gradient of 0 times finite local derivatives: every product is a zero
                for parent, local in zip(node._first, local_derivatives):
                    parent.grad += local * gradient
            else:  # one or two operands; a number or an untracked operand has no local derivative
                gradient = node.grad
                if create_graph:
                    first_local, second_local = graph_locals(node)
                else:
                    first_local, second_local = node._first_local, node._second_local
                if first_local is not None:
                    node._first.grad += first_local * gradient
                if second_local is not None:
                    node._second.grad += second_local * gradient
            if anomaly:
                _check_gradients(node)


def _check_gradients(node: Any) -> None:
    """Under detect_anomaly(): raise if node sent a non-finite gradient to a parent (what this pass
    sent, as PyTorch checks each backward function's outputs: not what a leaf held before)."""
    gradient = node.grad if isinstance(node.grad, (int, float)) else node.grad.data
    for parent, local in zip(parents_of(node), local_derivatives_of(node)):
        sent = local * gradient
        if not math.isfinite(sent):
            raise AnomalyError(
                f"backward through op '{node.op}' sent a non-finite gradient {sent!r} to "
                f"{parent!r}: local derivative {local!r} times upstream gradient {gradient!r} "
                f"(the node is {node!r}); look at the forward values of this op's inputs"
            )


def backward(root: Any, seed: Any, create_graph: bool) -> None:
    """Fill `.grad` of every Value below root with d(root)/d(that Value) * seed (see Value.backward).

    Interior gradients start from zero; a leaf's gradient piles up: each pass adds its
    contributions onto what the leaf holds, one edge at a time, as the chain rule reaches it. So
    nothing is set aside, and a pass stopped by an exception or Ctrl-C keeps every gradient
    accumulated before it (plus what the pass had added).
    """
    with _backward_lock, collector_paused():
        nodes = walk(root)
        nodes.reverse()  # consumers first
        for node in nodes:
            node.grad = 0.0
        root.grad = seed
        try:
            backpropagate(nodes, create_graph)
        finally:
            if create_graph:  # a node's gradient graph contains the node: keep only its number, no cycle
                for node in nodes:
                    gradient = node.grad
                    node.grad = gradient if isinstance(gradient, (int, float)) else gradient.data


def gradients(output: Any, inputs: Sequence[Any], seed: Any, create_graph: bool) -> list:
    """d(output)/d(input) * seed for each input, leaving every `.grad` as it was (torch.autograd.grad).

    Only the nodes with an input at or below them pass gradient on. An input made by ops counts the
    paths through another input below it, as in torch.
    """
    targets = set(inputs)
    nodes_in_order = walk(output)
    below: dict = {leaf: leaf in targets for leaf in leaves_of(nodes_in_order)}
    nodes = []
    for node in nodes_in_order:
        parents = parents_of(node)
        passes_on = any(below[parent] for parent in parents)
        below[node] = passes_on or node in targets
        if passes_on:
            nodes.append(node)
    nodes.reverse()
    with _backward_lock, collector_paused():  # read the gradients to restore only once no other pass runs
        saved = {node: node.grad for node in nodes}
        for node in nodes:
            saved.update((parent, parent.grad) for parent in parents_of(node))
        saved.update((item, item.grad) for item in inputs)
        saved[output] = output.grad
        try:
            for node in saved:
                node.grad = 0.0
            output.grad = seed
            backpropagate(nodes, create_graph)
            return [item.grad for item in inputs]
        finally:
            for node, gradient in saved.items():
                node.grad = gradient
