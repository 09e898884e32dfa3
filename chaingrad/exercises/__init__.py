"""The exercise track's checker: ``python -m chaingrad.exercises check N my_file.py``.

Exercises 1-4 rebuild the engine in the learner's my_value.py (a Value with + and *, then tanh, exp
and **, the topological walk, backward), exercises 5-6 a small network in my_nn.py (Neuron, Layer,
MLP, then training on moons); docs/exercises/ has the instructions, the templates and, apart, the
solutions. Each check runs the learner's code on random graphs (seeded; the seed is printed) with
chaingrad's engine as the oracle and stops at the first node that differs, naming it, the
expression that made it, expected against got, and a hint.

    >>> from chaingrad.exercises import EXERCISES
    >>> [exercise.title.en for exercise in EXERCISES.values()][:2]
    ['exercise 1: a Value with + and *', 'exercise 2: tanh, exp and **']
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, NamedTuple

from chaingrad.exercises import nn_checks, value_checks
from chaingrad.exercises.learner import load
from chaingrad.exercises.report import Failure, Text


class Exercise(NamedTuple):
    title: Text
    file: str  # the template's name in docs/exercises/
    check: Callable


EXERCISES = {
    1: Exercise(Text("exercise 1: a Value with + and *", "第 1 题：会做 + 和 * 的 Value"), "my_value.py",
                value_checks.check_add_mul),
    2: Exercise(Text("exercise 2: tanh, exp and **", "第 2 题：tanh、exp 和 **"), "my_value.py",
                value_checks.check_tanh_exp_pow),
    3: Exercise(Text("exercise 3: the topological walk", "第 3 题：拓扑排序"), "my_value.py",
                value_checks.check_topological_order),
    4: Exercise(Text("exercise 4: backward, piling up (堆放)", "第 4 题：反向传播与堆放"), "my_value.py",
                value_checks.check_backward),
    5: Exercise(Text("exercise 5: Neuron, Layer, MLP", "第 5 题：Neuron、Layer 和 MLP"), "my_nn.py",
                nn_checks.check_modules),
    6: Exercise(Text("exercise 6: training on moons", "第 6 题：在 moons 数据上训练"), "my_nn.py",
                nn_checks.check_training),
}


def check(exercise: int, path: str | Path, seed: int) -> Failure | None:
    """Run exercise `exercise`'s check on the learner's file: None if it passes, else the first Failure.
    FileNotFoundError if there is no such file; KeyError for an exercise that does not exist."""
    checker = EXERCISES[exercise].check
    try:
        checker(load(path), seed)
    except Failure as failure:
        return failure
    return None
