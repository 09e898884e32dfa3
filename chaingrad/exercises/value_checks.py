"""The checks of exercises 1-4, which build a Value in the learner's file (my_value.py).

Each check builds graphs with the learner's Value and with chaingrad's (the oracle) and raises a
Failure at the first node that differs. Before the random graphs, each check tries the small
graphs on which the classic mistakes show, so that they get their own message: x * x and a + a
(a gradient set with = rather than piled up with +=), the texts' e = (a + b)(b + 1), a deep chain
(a recursive walk), a node reached by two paths (a node visited twice), the order of the walk.
"""

from __future__ import annotations

import random
from types import ModuleType
from typing import Any, Callable

from chaingrad.exercises.graphs import ALL, ARITHMETIC, Graph, Node, Step, random_graph
from chaingrad.exercises.learner import local_derivatives, needs, operands as operands_of, parents, run
from chaingrad.exercises.report import Failure, Text, close, number

GRAPHS = 25  # random graphs per check
DEEP = 2500  # steps of the deep chain (5,000 nodes; Python's recursion limit is about 1,000)
LADDER_SECONDS = 5.0  # the time a walk gets on 24 x = x + x (2**24 paths; a walk visiting each node once needs 1 ms)

DATA_HINTS = {
    "+": Text("a + b is a new Value(a.data + b.data) whose parents are (a, b); a number is wrapped in a Value first",
              "a + b 得到一个新的 Value(a.data + b.data)，父节点是 (a, b)；如果对方是普通数字，先把它包成 Value"),
    "*": Text("a * b is a new Value(a.data * b.data) whose parents are (a, b)",
              "a * b 得到一个新的 Value(a.data * b.data)，父节点是 (a, b)"),
    "tanh": Text("x.tanh() is Value(math.tanh(x.data)), with parents (x,)",
                 "x.tanh() 就是 Value(math.tanh(x.data))，父节点是 (x,)"),
    "exp": Text("x.exp() is Value(math.exp(x.data)), with parents (x,)", "x.exp() 就是 Value(math.exp(x.data))，父节点是 (x,)"),
    "**": Text("x ** k (k a plain number) is Value(x.data ** k), with parents (x,) only",
               "x ** k（k 是普通数字）就是 Value(x.data ** k)，父节点只有 (x,)"),
}
LOCAL_HINTS = {
    "+": Text("for c = a + b, dc/da = 1 and dc/db = 1: nudge a by a little and c moves by the same little",
              "c = a + b 时 ∂c/∂a = 1，∂c/∂b = 1：a 动一点点，c 也正好动那么一点点"),
    "*": Text("for c = a * b, dc/da = b.data and dc/db = a.data: each operand's local derivative is the OTHER one's number",
              "c = a * b 时 ∂c/∂a = b.data，∂c/∂b = a.data：每个乘数的局部导数是另一个乘数的值"),
    "tanh": Text("for t = x.tanh(), dt/dx = 1 - t**2, where t is the OUTPUT's number (out.data), not x",
                 "t = x.tanh() 时 ∂t/∂x = 1 - t**2，这里的 t 是输出的值 out.data，不是输入 x"),
    "exp": Text("for y = x.exp(), dy/dx = e**x, which is the output's own number (out.data)",
                "y = x.exp() 时 ∂y/∂x = e**x，也就是输出自己的值 out.data"),
    "**": Text("for y = x ** k, dy/dx = k * x.data ** (k - 1)", "y = x ** k 时 ∂y/∂x = k * x.data ** (k - 1)"),
}


def _engine() -> Any:
    from chaingrad import package

    return package("engine")


def _new_graph(module: ModuleType, exercise: int) -> Graph:
    return Graph(needs(module, "Value", exercise), _engine().Value, module.__learner_path__)


def _label(node: Any, graph: Graph) -> str:
    """A learner's node by its name in the graph, or as Value(number) for a number wrapped in a Value."""
    for known in graph.nodes:
        if known.mine is node:
            return known.name
    return number(node) if isinstance(node, (int, float)) else f"Value({number(getattr(node, 'data', node))})"


# ---- exercises 1 and 2: each op's number, parents and local derivatives -------------------------


def _check_step(graph: Graph, step: Step, operands: list[Node], node: Node) -> None:
    """The learner's node made by `step` against chaingrad's: data, parents in order, local derivatives."""
    program, name = graph.program(), node.name
    if not close(getattr(node.mine, "data", None), node.oracle.data):
        raise Failure(Text(f"`{node.line}`: {name}.data is wrong", f"`{node.line}`：{name}.data 算错了"),
                      DATA_HINTS[step.op], number(node.oracle.data), number(getattr(node.mine, "data", node.mine)), program)
    found = operands_of(node.mine)
    values = [operand.mine for operand in operands]
    wanted = "(" + ", ".join(operand.name for operand in operands) + ("," if len(operands) == 1 else "") + ")"
    shown = "(" + ", ".join(_label(parent, graph) for parent in found) + ("," if len(found) == 1 else "") + ")"
    if len(operands) == 2:
        slots = {0: 0, 1: 1} if len(found) == 2 and found[0] is values[0] and found[1] is values[1] else None
    else:  # one Value operand: (x,), or beside x a number k or the Value(k) it was wrapped in
        places = [index for index, parent in enumerate(found) if parent is values[0]]
        constants = all(all(parent is not known.mine for known in graph.nodes) for parent in found if parent is not values[0])
        slots = {places[0]: 0} if len(places) == 1 and len(found) <= 2 and constants else None
    if slots is None:
        raise Failure(Text(f"`{node.line}`: {name}._prev should hold {wanted}, in that order",
                           f"`{node.line}`：{name}._prev 应该按顺序存放 {wanted}"),
                      Text("_prev holds the Values the new node was made from, in the order of the operands "
                           "(x * x holds x twice)", "_prev 按运算数的顺序存放生成新节点的那些 Value（x * x 要存两次 x）"),
                      wanted, shown, program)
    found_local = local_derivatives(node.mine)
    if len(found_local) != len(found):
        raise Failure(Text(f"`{node.line}`: {name}._local should have one local derivative per parent",
                           f"`{node.line}`：{name}._local 里每个父节点都该有一个局部导数"),
                      Text("_local[i] is d(out)/d(_prev[i])", "_local[i] 就是 ∂out/∂_prev[i]"),
                      f"{len(found)}", f"{len(found_local)}: {found_local!r}", program)
    engine = _engine()
    leaves = [engine.Value(operand.oracle.data) for operand in operands]  # one leaf per slot: x * x has two
    expected = engine.gradients(step.apply(*leaves), leaves)
    for slot, operand_index in slots.items():
        got = found_local[slot]
        got = getattr(got, "data", got)
        if not close(got, expected[operand_index]):
            hint = LOCAL_HINTS[step.op]
            x = operands[0].oracle.data
            if step.op == "tanh" and close(got, 1 - x * x):
                hint = Text("you used the input: " + hint.en, "你用的是输入 x：" + hint.zh)
            raise Failure(
                Text(f"`{node.line}`: the local derivative d{name}/d{operands[operand_index].name} "
                     f"({name}._local[{slot}]) is wrong",
                     f"`{node.line}`：局部导数 ∂{name}/∂{operands[operand_index].name}（{name}._local[{slot}]）算错了"),
                hint, number(expected[operand_index]), number(got), program)


def _check_ops(module: ModuleType, seed: int, ops: tuple[str, ...], exercise: int) -> None:
    graph = _new_graph(module, exercise)
    fixed = [("+", "{0} + {1}", lambda p, q: p + q), ("*", "{0} * {1}", lambda p, q: p * q)]
    x, y = graph.leaf(3.0), graph.leaf(-2.0)
    for op, text, apply in fixed:  # x + y, x * y, then x * x and x + x: one node, two slots
        for operands in ([x, y], [x, x]):
            step = Step(op, text, apply)
            _check_step(graph, step, operands, graph.apply(step, operands))
    rng = random.Random(seed)
    for _ in range(GRAPHS):
        graph = _new_graph(module, exercise)
        random_graph(rng, graph, ops, leaves=3, steps=6, on_step=lambda step, operands, node: _check_step(
            graph, step, operands, node))


def check_add_mul(module: ModuleType, seed: int) -> None:
    """Exercise 1: a Value with + and * and their local derivatives."""
    _check_ops(module, seed, ARITHMETIC, 1)


def check_tanh_exp_pow(module: ModuleType, seed: int) -> None:
    """Exercise 2: tanh, exp and ** (with + and * around them)."""
    _check_ops(module, seed, ALL, 2)


# ---- exercise 3: the topological walk ----------------------------------------------------------


def _all_nodes(root: Any) -> list:
    """Every node of root's graph (by parents), each once: what the walk must return."""
    seen, stack, nodes = {id(root)}, [root], []
    while stack:
        node = stack.pop()
        nodes.append(node)
        for parent in parents(node):
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return nodes


def _check_order(order: Any, root: Any, graph: Graph | None) -> None:
    program = graph.program() if graph is not None else ()

    def label(node: Any) -> str:
        return _label(node, graph) if graph is not None else f"Value({number(getattr(node, 'data', node))})"

    if not isinstance(order, (list, tuple)):
        raise Failure(Text("topological_order(root) should return a list", "topological_order(root) 应该返回一个列表"),
                      Text("collect the nodes in a list and return it", "把节点依次放进一个列表再返回"),
                      "list", type(order).__name__, program)
    nodes = _all_nodes(root)
    position: dict[int, int] = {}
    for index, node in enumerate(order):
        if id(node) in position:
            raise Failure(
                Text(f"{label(node)} is in the order twice (at {position[id(node)]} and at {index})",
                     f"{label(node)} 在排序结果里出现了两次（第 {position[id(node)]} 个和第 {index} 个）"),
                Text("a node reached by two paths (b in e = (a + b) * (b + 1)) is visited once: keep a set of the "
                     "nodes already visited and skip them", "一个节点可能有好几条路径到达（比如 e = (a + b) * (b + 1) 里的 b），"
                     "但只能访问一次：用一个集合记下访问过的节点，遇到就跳过"),
                "1", "2", program)
        position[id(node)] = index
    missing = [node for node in nodes if id(node) not in position]
    if missing or len(order) != len(nodes):
        foreign = [node for node in order if all(node is not known for known in nodes)]
        raise Failure(
            Text("the order should hold every node of the graph, leaves and root included, and nothing else",
                 "排序结果应该正好包含计算图里的所有节点（叶子节点和根节点都算），不多也不少"),
            Text("start from the root and go through each node's _prev; append a node once all of its parents are in",
                 "从根节点出发，顺着每个节点的 _prev 往下走；一个节点的父节点都放进去了，再把它本身放进去"),
            f"{len(nodes)} nodes",
            f"{len(order)}" + (f", missing {', '.join(label(node) for node in missing[:5])}" if missing else "")
            + (f", not in the graph: {foreign[:3]!r}" if foreign else ""),
            program)
    for node in nodes:
        for parent in parents(node):
            if position[id(parent)] > position[id(node)]:
                raise Failure(
                    Text(f"{label(node)} comes before its parent {label(parent)}",
                         f"{label(node)} 排在了它的父节点 {label(parent)} 前面"),
                    Text("a node goes into the list only after all of its parents: on a stack, push the node back "
                         "under its parents and append it when you meet it the second time",
                         "拓扑排序要求父节点都排好了才能放子节点：用栈时，先把节点压回栈里、再压它的父节点，第二次遇到它时才放进列表"),
                    f"{label(parent)} before {label(node)}",
                    f"{label(parent)} at {position[id(parent)]}, {label(node)} at {position[id(node)]}", program)
    if order[-1] is not root:
        raise Failure(Text("the root should be last", "根节点应该排在最后"),
                      Text("every node of the graph is a parent of the root's path, so it comes first",
                           "图里的其他节点都在根节点之前"), label(root), label(order[-1]), program)


def check_topological_order(module: ModuleType, seed: int) -> None:
    """Exercise 3: topological_order(root), iterative, each node once, each after its parents."""
    walk = needs(module, "topological_order", 3)
    path = module.__learner_path__
    graph = _new_graph(module, 3)  # the texts' graph: b is reached by two paths
    a, b = graph.leaf(2.0), graph.leaf(1.0)
    c = graph.apply(Step("+", "{0} + {1}", lambda p, q: p + q), [a, b])
    d = graph.apply(Step("+", "{0} + 1.0", lambda p: p + 1.0), [b])
    e = graph.apply(Step("*", "{0} * {1}", lambda p, q: p * q), [c, d])
    doing = Text("topological_order(e)", "topological_order(e)")
    _check_order(run(doing, lambda: walk(e.mine), path, graph.program()), e.mine, graph)
    rng = random.Random(seed)
    for _ in range(GRAPHS):
        graph = _new_graph(module, 3)
        root = random_graph(rng, graph, ARITHMETIC, leaves=3, steps=8)
        doing = Text(f"topological_order({root.name})", f"topological_order({root.name})")
        _check_order(run(doing, lambda: walk(root.mine), path, graph.program()), root.mine, graph)
    Value = needs(module, "Value", 3)
    lines = ("x = Value(0.5)", f"for _ in range({DEEP}):", "    x = x + 1.0")
    x = run(Text("building a deep chain", "构造一条很长的链"), lambda: _chain(Value, DEEP), path, lines)
    order = run(Text(f"topological_order(x) on a chain of {2 * DEEP + 1} nodes", f"对一条 {2 * DEEP + 1} 个节点的长链"
                     "调用 topological_order(x)"), lambda: walk(x), path, lines)
    _check_order(order, x, None)
    lines = ("x = Value(0.5)", "for _ in range(24):", "    x = x + x   # 2**24 paths from the last x to the first")
    x = run(Text("building a ladder of x + x", "构造一串 x + x"), lambda: _ladder(Value, 24), path, lines)
    _check_order(run(Text("topological_order(x) on 24 x + x", "对 24 层 x + x 调用 topological_order(x)"),
                     lambda: walk(x), path, lines, seconds=LADDER_SECONDS), x, None)


def _chain(Value: Callable[[float], Any], steps: int) -> Any:
    x = Value(0.5)
    for _ in range(steps):
        x = x + 1.0
    return x


def _ladder(Value: Callable[[float], Any], steps: int) -> Any:
    x = Value(0.5)
    for _ in range(steps):
        x = x + x
    return x


# ---- exercise 4: backward, piling up (堆放) --------------------------------------------------------

TEXTS = Text("the texts' example: e = (a + b) * (b + 1) at a = 2, b = 1 gives de/da = 2 and de/db = 5",
             "课文里的例子：e = (a + b) * (b + 1)，a = 2，b = 1 时 ∂e/∂a = 2，∂e/∂b = 5")


def _backward(graph: Graph, root: Node) -> None:
    path = graph.path
    run(Text(f"{root.name}.backward()", f"{root.name}.backward()"), lambda: root.mine.backward(), path,
        graph.program() + (f"{root.name}.backward()",))


def _compare_gradients(graph: Graph, root: Node, hint: Text) -> None:
    """Every node's .grad against d(root)/d(node) by chaingrad, root first (where a wrong one starts)."""
    engine = _engine()
    expected = engine.gradients(root.oracle, [node.oracle for node in graph.nodes])
    program = graph.program() + (f"{root.name}.backward()",)
    for node, wanted in reversed(list(zip(graph.nodes, expected))):
        got = getattr(node.mine, "grad", None)
        if not close(got, wanted):
            raise Failure(Text(f"{node.name}.grad (d{root.name}/d{node.name}) is wrong after {root.name}.backward()",
                               f"{root.name}.backward() 之后 {node.name}.grad（∂{root.name}/∂{node.name}）不对"),
                          hint, number(wanted), number(got), program)


def check_backward(module: ModuleType, seed: int) -> None:
    """Exercise 4: backward(): seed the root with 1, walk the order reversed, pile up (+=) into the parents."""
    walk = needs(module, "topological_order", 4)
    graph = _new_graph(module, 4)
    a, b = graph.leaf(2.0), graph.leaf(1.0)
    c = graph.apply(Step("+", "{0} + {1}", lambda p, q: p + q), [a, b])
    d = graph.apply(Step("+", "{0} + 1.0", lambda p: p + 1.0), [b])
    e = graph.apply(Step("*", "{0} * {1}", lambda p, q: p * q), [c, d])
    order = run(Text("topological_order(e)", "topological_order(e)"), lambda: walk(e.mine), graph.path, graph.program())
    if len(order) != len({id(node) for node in order}):
        raise Failure(Text("topological_order(e) lists a node twice, so backward would pass its gradient twice",
                           "topological_order(e) 里有节点出现了两次，反向传播时它的梯度会被传两遍"),
                      Text("run `check 3` first: each node once", "先运行 `check 3`：每个节点只能出现一次"),
                      program=graph.program())
    _backward(graph, e)
    program = graph.program() + ("e.backward()",)
    if not close(e.mine.grad, 1.0):
        raise Failure(Text("e.grad should be 1 after e.backward()", "e.backward() 之后 e.grad 应该是 1"),
                      Text("de/de = 1: set self.grad = 1.0 before the loop, so the root has something to pass on",
                           "∂e/∂e = 1：循环开始前先设 self.grad = 1.0，根节点才有东西往下传"),
                      "1.0", number(e.mine.grad), program)
    if close(c.mine.grad, 2.0) and close(d.mine.grad, 3.0) and close(a.mine.grad, 0.0) and close(b.mine.grad, 0.0):
        raise Failure(Text("a.grad and b.grad stayed 0: c and d passed their gradients on before they had them",
                           "a.grad 和 b.grad 还是 0：c 和 d 在收到梯度之前就往下传了"),
                      Text("walk the topological order reversed (root first): a node passes on its gradient only after "
                           "every node that uses it has piled into it", "按拓扑排序的逆序走（从根节点开始）："
                           "一个节点要等用到它的节点都把梯度堆放给它以后，才能往下传"),
                      "a.grad = 2.0, b.grad = 5.0", f"a.grad = {number(a.mine.grad)}, b.grad = {number(b.mine.grad)}",
                      program)
    if close(a.mine.grad, 2.0) and (close(b.mine.grad, 2.0) or close(b.mine.grad, 3.0)):
        raise Failure(Text("b.grad holds one path only: b reaches e by b -> c -> e (2) and by b -> d -> e (3)",
                           "b.grad 只收到了一条路径的值：b 到 e 有两条路，b -> c -> e 给 2，b -> d -> e 给 3"),
                      Text("pile up (堆放): parent.grad += local * node.grad, with +=, not =",
                           "要堆放：parent.grad += local * node.grad，用 += 而不是 ="),
                      "b.grad = 5.0 (2 + 3)", f"b.grad = {number(b.mine.grad)}", program)
    _compare_gradients(graph, e, Text("each node passes node.grad * its local derivative to each parent, added with "
                                      "+=; " + TEXTS.en, "每个节点把 node.grad 乘上局部导数，用 += 堆放到每个父节点上；" + TEXTS.zh))
    for op, text, apply in (("*", "{0} * {0}", lambda p: p * p), ("+", "{0} + {0}", lambda p: p + p)):
        graph = _new_graph(module, 4)
        x = graph.leaf(3.0, "x")
        y = graph.apply(Step(op, text, apply), [x], "y")
        _backward(graph, y)
        _compare_gradients(graph, y, Text(
            f"x takes both slots of y = {text.format('x')}: it gets one share from each slot, piled up with += "
            "(with =, the second share overwrites the first)",
            f"y = {text.format('x')} 里 x 占了两个位置，两份梯度都要用 += 堆放到 x 上（用 = 的话第二份会把第一份覆盖掉）"))
    rng = random.Random(seed)
    hint = Text("node.grad * local derivative, piled into each parent with +=, walking the order reversed from the "
                "root (seeded with 1); if one op is wrong, run `check 1` and `check 2`",
                "从根节点（梯度设为 1）出发按拓扑排序的逆序，每个节点把 node.grad 乘局部导数，用 += 堆放到父节点；"
                "如果只有某个运算错了，先跑 `check 1` 和 `check 2`")
    for _ in range(GRAPHS):
        graph = _new_graph(module, 4)
        root = random_graph(rng, graph, ALL, leaves=3, steps=8)
        _backward(graph, root)
        _compare_gradients(graph, root, hint)
    Value = needs(module, "Value", 4)
    lines = ("x = Value(0.5)", "y = x", f"for _ in range({DEEP}):", "    y = y + 1.0", "y.backward()")
    x = run(Text("building a deep chain", "构造一条很长的链"), lambda: Value(0.5), module.__learner_path__, lines)
    y = run(Text("building a deep chain", "构造一条很长的链"), lambda: _grow(x, DEEP), module.__learner_path__, lines)
    run(Text(f"y.backward() on a chain of {2 * DEEP + 1} nodes", f"对一条 {2 * DEEP + 1} 个节点的长链调用 y.backward()"),
        lambda: y.backward(), module.__learner_path__, lines)
    if not close(x.grad, 1.0):
        raise Failure(Text("x.grad is wrong after y.backward() on a deep chain y = x + 1 + 1 + ...",
                           "在长链 y = x + 1 + 1 + ... 上调用 y.backward() 之后 x.grad 不对"), hint, "1.0",
                      number(x.grad), lines)


def _grow(x: Any, steps: int) -> Any:
    for _ in range(steps):
        x = x + 1.0
    return x
