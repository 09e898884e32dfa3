"""The checks of exercises 5 and 6, on the learner's my_nn.py: Neuron, Layer, MLP, then training on moons.

The learner's modules are read through micrograd's names (a Neuron's ``w`` and ``b``, a Layer's
``neurons``, an MLP's ``layers``, ``parameters()`` on each). The oracle rebuilds the same function
with chaingrad's Values from the learner's numbers. The learner's initial weights come from
Python's `random`; the checks seed it inside `seeded`, which puts its state back afterwards.
"""

from __future__ import annotations

import contextlib
import random
from types import ModuleType
from typing import Any, Iterator, Sequence

from chaingrad.exercises.learner import needs, run
from chaingrad.exercises.report import Failure, Text, close, number

MOONS = 40  # points of the moons the training check learns
STEPS = 100  # training steps it allows (a correct step needs 45 at most on seeds 0-39)
RATE = 0.1  # the learning rate it passes to train_step
ACCURACY = 0.9  # the accuracy it asks for after those steps


def _engine() -> Any:
    from chaingrad import package

    return package("engine")


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Python's `random` seeded with `seed` inside, as it was outside (the learner's init draws from it)."""
    state = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)


def _data(x: Any) -> float:
    return float(getattr(x, "data", x))


def _as_list(out: Any) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


# ---- the oracle: the same network with chaingrad's Values -----------------------------------------


def _structure(model: Any, path: Any) -> list[list[tuple[list, Any]]]:
    """The model as layers of neurons (weights, bias), read through micrograd's names."""
    layers = []
    for layer in _read(model, "layers", path):
        layers.append([(list(_read(neuron, "w", path)), _read(neuron, "b", path))
                       for neuron in _read(layer, "neurons", path)])
    return layers


def _read(item: Any, name: str, path: Any) -> Any:
    if not hasattr(item, name):
        raise Failure(Text(f"{type(item).__name__} has no attribute {name}", f"{type(item).__name__} 没有属性 {name}"),
                      Text("keep micrograd's names: a Neuron's w (list) and b, a Layer's neurons, an MLP's layers",
                           "沿用 micrograd 的名字：Neuron 的 w（列表）和 b，Layer 的 neurons，MLP 的 layers"))
    return getattr(item, name)


def _oracle(layers: list[list[tuple[list, Any]]], x: Sequence[float], last_linear: bool = True) -> tuple:
    """(output, [parameter leaves]) of the network with the learner's numbers, in chaingrad's Values;
    hidden layers tanh, the last one linear (or tanh too with last_linear=False)."""
    engine = _engine()
    leaves: list = []
    inputs: list = [float(v) for v in x]
    for index, layer in enumerate(layers):
        outputs = []
        for weights, bias in layer:
            w = [engine.Value(_data(weight)) for weight in weights]
            b = engine.Value(_data(bias))
            leaves += w + [b]
            total = b
            for wi, xi in zip(w, inputs):
                total = total + wi * xi
            outputs.append(total if last_linear and index == len(layers) - 1 else total.tanh())
        inputs = outputs
    return inputs, leaves


# ---- exercise 5 --------------------------------------------------------------------------------


def _check_forward_backward(name: str, out: Any, expected: list, leaves: list, parameters: list, program: tuple,
                            path: Any, hint: Text) -> None:
    got = _as_list(out)
    if len(got) != len(expected):
        raise Failure(Text(f"{name} should give {len(expected)} output(s)", f"{name} 应该输出 {len(expected)} 个值"),
                      hint, str(len(expected)), str(len(got)), program)
    for index, (mine, wanted) in enumerate(zip(got, expected)):
        if not close(_data(mine), wanted.data):
            raise Failure(Text(f"output {index} of {name} is wrong", f"{name} 的第 {index} 个输出不对"),
                          hint, number(wanted.data), number(_data(mine)), program)
    engine = _engine()
    grads = engine.gradients(expected[0], leaves)
    run(Text(f"{name}: output[0].backward()", f"{name}:output[0].backward()"), lambda: got[0].backward(), path, program)
    for index, (parameter, wanted) in enumerate(zip(parameters, grads)):
        if not close(getattr(parameter, "grad", None), wanted):
            raise Failure(Text(f"after output[0].backward(), parameters()[{index}].grad is wrong",
                               f"output[0].backward() 之后 parameters()[{index}].grad 不对"),
                          Text("parameters() lists, layer by layer and neuron by neuron, w then b; the forward pass "
                               "must use exactly those Values", "parameters() 按层、按神经元依次列出 w 再列 b;"
                               "正向传播用的必须就是这些 Value 本身"),
                          number(wanted), number(getattr(parameter, "grad", None)), program)


def _parameters(item: Any, name: str, count: int, path: Any, program: tuple) -> list:
    found = run(Text(f"{name}.parameters()", f"{name}.parameters()"), lambda: list(item.parameters()), path, program)
    if len(found) != count or len({id(p) for p in found}) != count:
        raise Failure(Text(f"{name}.parameters() should list {count} different Values",
                           f"{name}.parameters() 应该列出 {count} 个各不相同的 Value"),
                      Text("a neuron of nin inputs has nin weights and one bias; a layer lists its neurons', an MLP its "
                           "layers'", "有 nin 个输入的神经元有 nin 个权重和 1 个偏置；层把各个神经元的参数连起来，MLP 把各层的连起来"),
                      str(count), f"{len(found)} ({len({id(p) for p in found})} different)", program)
    return found


def check_modules(module: ModuleType, seed: int) -> None:
    """Exercise 5: Neuron, Layer, MLP (tanh in the hidden layers, a linear last layer)."""
    Neuron, Layer, MLP = (needs(module, name, 5) for name in ("Neuron", "Layer", "MLP"))
    path, rng = module.__learner_path__, random.Random(seed)
    x = [round(rng.uniform(-2, 2), 2) for _ in range(3)]
    for nonlin in (True, False):
        program = (f"n = Neuron(3, nonlin={nonlin})", f"out = n({x})", "out.backward()")
        with seeded(seed):
            neuron = run(Text(program[0], program[0]), lambda: Neuron(3, nonlin=nonlin), path, program)
        parameters = _parameters(neuron, "n", 4, path, program)
        out = run(Text(program[1], program[1]), lambda: neuron(x), path, program)
        expected, leaves = _oracle([[(_read(neuron, "w", path), _read(neuron, "b", path))]], x, not nonlin)
        _check_forward_backward("n(x)", out, expected, leaves, parameters, program, path, Text(
            "a neuron computes tanh(w[0]*x[0] + ... + w[nin-1]*x[nin-1] + b), or the sum alone with nonlin=False",
            "神经元计算 tanh(w[0]*x[0] + ... + w[nin-1]*x[nin-1] + b)；nonlin=False 时只算加权和，不套 tanh"))
    program = ("layer = Layer(3, 4)", f"outs = layer({x})", "outs[0].backward()")
    with seeded(seed):
        layer = run(Text(program[0], program[0]), lambda: Layer(3, 4), path, program)
    parameters = _parameters(layer, "layer", 16, path, program)
    weights = [tuple(_data(w) for w in _read(neuron, "w", path)) for neuron in _read(layer, "neurons", path)]
    if len(set(weights)) < len(weights):
        raise Failure(Text("two neurons of Layer(3, 4) start with the same weights",
                           "Layer(3, 4) 里有两个神经元的初始权重一模一样"),
                      Text("draw each weight at random (random.uniform(-1, 1)): neurons that start equal get equal "
                           "gradients and stay equal", "每个权重都要随机取（random.uniform(-1, 1)）：初始相同的神经元梯度也相同，"
                           "永远学成一样"), program=program)
    out = run(Text(program[1], program[1]), lambda: layer(x), path, program)
    expected, leaves = _oracle([[(_read(n, "w", path), _read(n, "b", path)) for n in _read(layer, "neurons", path)]],
                               x, last_linear=False)
    _check_forward_backward("layer(x)", out, expected, leaves, parameters, program, path, Text(
        "a layer gives [neuron(x) for neuron in self.neurons]", "一层的输出就是 [neuron(x) for neuron in self.neurons]"))
    program = ("model = MLP(3, [4, 4, 1])", f"out = model({x})", "out.backward()")
    with seeded(seed):
        model = run(Text(program[0], program[0]), lambda: MLP(3, [4, 4, 1]), path, program)
    parameters = _parameters(model, "model", 41, path, program)
    out = run(Text(program[1], program[1]), lambda: model(x), path, program)
    structure = _structure(model, path)
    expected, leaves = _oracle(structure, x)
    if len(_as_list(out)) == 1 and not close(_data(_as_list(out)[0]), expected[0].data):
        all_tanh = _oracle(structure, x, last_linear=False)[0][0].data
        if close(_data(_as_list(out)[0]), all_tanh):
            raise Failure(Text("the MLP's last layer applies tanh", "MLP 的最后一层也套了 tanh"),
                          Text("make the last layer linear (nonlin=False), so its score can be any number; the hidden "
                               "layers keep tanh", "最后一层要是线性的（nonlin=False），输出的分数才能取任意值；隐藏层保留 tanh"),
                          number(expected[0].data), number(_data(_as_list(out)[0])), program)
    _check_forward_backward("model(x)", out, expected, leaves, parameters, program, path, Text(
        "an MLP feeds x through its layers in turn: x = layer(x) for each layer", "MLP 就是让 x 依次穿过每一层："
        "对每一层做 x = layer(x)"))


# ---- exercise 6 --------------------------------------------------------------------------------


def _moons(n: int, seed: int) -> tuple[list[list[float]], list[float]]:
    from chaingrad import package

    points, labels = package("nn").make_moons(n, noise=0.1, seed=seed)
    return points, [2.0 * label - 1.0 for label in labels]  # labels -1 and +1


def _oracle_loss(structure: list, X: list, y: list) -> tuple:
    """(mean squared error, parameter leaves) of the learner's network on (X, y), in chaingrad's Values."""
    engine = _engine()
    leaves = [engine.Value(_data(p)) for layer in structure for weights, bias in layer for p in list(weights) + [bias]]
    total = engine.Value(0.0)
    for point, label in zip(X, y):
        inputs, position = [engine.Value(v) for v in point], 0
        for index, layer in enumerate(structure):
            outputs = []
            for weights, _ in layer:
                w, b = leaves[position:position + len(weights)], leaves[position + len(weights)]
                position += len(weights) + 1
                s = b
                for wi, xi in zip(w, inputs):
                    s = s + wi * xi
                outputs.append(s if index == len(structure) - 1 else s.tanh())
            inputs = outputs
        total = total + (inputs[0] - label) ** 2
    return total * (1.0 / len(X)), leaves


def check_training(module: ModuleType, seed: int) -> None:
    """Exercise 6: loss_of (mean squared error), train_step (zero, forward, backward, step), training on moons."""
    MLP, loss_of, train_step = (needs(module, name, 6) for name in ("MLP", "loss_of", "train_step"))
    path = module.__learner_path__
    X, y = _moons(8, seed)
    program: tuple[str, ...] = ("model = MLP(2, [4, 1])", "X, y = 8 moons points, labels -1 and +1",
                                "loss = loss_of(model, X, y)")
    with seeded(seed):
        model = run(Text(program[0], program[0]), lambda: MLP(2, [4, 1]), path, program)
    loss = run(Text(program[2], program[2]), lambda: loss_of(model, X, y), path, program)
    expected, _ = _oracle_loss(_structure(model, path), X, y)
    if not close(_data(loss), expected.data):
        hint = Text("the loss is the mean of (model(x) - label) ** 2 over the points",
                    "损失是所有点上 (model(x) - label) ** 2 的平均值")
        if close(_data(loss), expected.data * len(X)):
            hint = Text("you summed; divide by the number of points: " + hint.en, "你求的是和，还要除以点数：" + hint.zh)
        raise Failure(Text("loss_of(model, X, y) is wrong", "loss_of(model, X, y) 算错了"), hint,
                      number(expected.data), number(_data(loss)), program)
    program = program[:2] + (f"train_step(model, X, y, {RATE})", f"train_step(model, X, y, {RATE})")
    parameters = _parameters(model, "model", 17, path, program)
    previous: list[float] | None = None
    for step in (1, 2):
        before = [p.data for p in parameters]
        expected, leaves = _oracle_loss(_structure(model, path), X, y)
        grads = _engine().gradients(expected, leaves)
        returned = run(Text(program[2], program[2]), lambda: train_step(model, X, y, RATE), path, program)
        moved = [(p.data - old) for p, old in zip(parameters, before)]
        if all(close(m, -RATE * g) for m, g in zip(moved, grads)):
            if not close(_data(returned), expected.data):
                raise Failure(Text("train_step should return the loss (the number, before the step)",
                                   "train_step 应该返回这一步的损失（更新参数之前的那个数）"),
                              Text("return loss.data", "返回 loss.data"), number(expected.data), repr(returned), program)
            previous = grads
            continue
        hint = Text("in train_step: set every parameter's grad to 0, compute the loss, loss.backward(), then "
                    "p.data -= learning_rate * p.grad for each parameter",
                    "train_step 里依次做：把每个参数的 grad 清零，算损失，loss.backward()，再对每个参数 p.data -= learning_rate * p.grad")
        if all(close(m, RATE * g) for m, g in zip(moved, grads)):
            hint = Text("you went uphill: subtract the gradient (p.data -= learning_rate * p.grad)",
                        "方向反了，这是在往山上走：要减去梯度（p.data -= learning_rate * p.grad）")
        elif previous is not None and all(close(m, -RATE * (g + h)) for m, g, h in zip(moved, grads, previous)):
            hint = Text("the gradients of the first step were still there: set p.grad = 0 for every parameter before "
                        "loss.backward() (backward piles up, 堆放)", "上一步的梯度还留着：loss.backward() 之前要把每个参数的 "
                        "p.grad 清零（反向传播是往上堆放的）")
        index = next(i for i, (m, g) in enumerate(zip(moved, grads)) if not close(m, -RATE * g))
        raise Failure(Text(f"train_step number {step} moved parameters()[{index}] by the wrong amount",
                           f"第 {step} 次 train_step 后 parameters()[{index}] 的变化量不对"), hint,
                      number(-RATE * grads[index]), number(moved[index]), program)
    X, y = _moons(MOONS, seed)
    program = ("model = MLP(2, [16, 16, 1])", f"X, y = {MOONS} moons points, labels -1 and +1",
               f"{STEPS} x train_step(model, X, y, {RATE})")
    with seeded(seed):
        model = run(Text(program[0], program[0]), lambda: MLP(2, [16, 16, 1]), path, program)
    accuracy = 0.0
    for _ in range(STEPS):
        run(Text(program[2], program[2]), lambda: train_step(model, X, y, RATE), path, program)
        scores = [_data(_as_list(model(point))[0]) for point in X]
        accuracy = sum((score > 0) == (label > 0) for score, label in zip(scores, y)) / len(y)
        if accuracy >= ACCURACY:
            return
    raise Failure(Text(f"after {STEPS} steps the model classifies only {accuracy:.0%} of the moons right",
                       f"训练 {STEPS} 步之后模型只分对了 {accuracy:.0%} 的点"),
                  Text("each step checked above is right, so look at the model: tanh in the hidden layer, a linear "
                       "output, weights drawn from random.uniform(-1, 1)", "上面逐步检查都通过了，问题多半在模型本身："
                       "隐藏层用 tanh，输出层线性，权重用 random.uniform(-1, 1) 初始化"),
                  f">= {ACCURACY:.0%}", f"{accuracy:.0%}", program)
