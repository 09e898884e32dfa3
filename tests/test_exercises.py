"""The exercise track (docs/exercises/, chaingrad.exercises): every template fails its check with a message
(not a crash), every solution passes, a file with all but exercise N done fails N at N's own TODO, and
each classic mistake gets its own message, in English and in Chinese."""

import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from chaingrad.exercises import EXERCISES, check, value_checks
from chaingrad.exercises.__main__ import main
from chaingrad.exercises.report import Failure

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "docs" / "exercises"
SOLUTIONS = TEMPLATES / "solutions"


def file_of(exercise: int) -> str:
    return EXERCISES[exercise].file


def variant(folder: Path, name: str, changes: list[tuple[str, str]]) -> Path:
    """The solution file `name` with each (old, new) change made (old must be there), written to folder,
    beside a copy of the solution's my_value.py (which the solution's my_nn.py imports)."""
    (folder / "my_value.py").write_text((SOLUTIONS / "my_value.py").read_text(encoding="utf-8"), encoding="utf-8")
    text = (SOLUTIONS / name).read_text(encoding="utf-8")
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def failure_of(exercise: int, path: Path, seed: int = 0) -> Failure:
    failure = check(exercise, path, seed)
    assert failure is not None, f"exercise {exercise} passed on {path.name}"
    for text in (failure.what, failure.hint):
        assert text.en and text.zh and text.en != text.zh
    return failure


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_every_template_fails_its_check_at_a_todo(exercise):
    failure = failure_of(exercise, TEMPLATES / file_of(exercise))
    assert "TODO" in failure.what.en and "TODO" in failure.what.zh
    assert "raise NotImplementedError" in failure.what.en  # the learner's own line is named


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_every_solution_passes(exercise):
    assert check(exercise, SOLUTIONS / file_of(exercise), seed=0) is None


UNDONE = {  # one line of each exercise's solution, put back to the template's TODO
    1: ("return Value(self.data * other.data, (self, other), (other.data, self.data))", "Value.__mul__"),
    2: ("return Value(t, (self,), (1 - t * t,))", "Value.tanh"),
    3: ("order, visited, stack = [], set(), [(root, False)]", "topological_order"),
    4: ("self.grad = 1.0  # d self/d self", "Value.backward"),
    5: ("self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]", "Layer.__init__"),
    6: ("model.zero_grad()  # backward piles up (堆放): last step's gradients must go first", "train_step"),
}


@pytest.mark.parametrize("exercise", sorted(UNDONE))
def test_all_but_one_exercise_done_fails_that_one_at_its_todo(tmp_path, exercise):
    line, where = UNDONE[exercise]
    path = variant(tmp_path, file_of(exercise), [(line, f'raise NotImplementedError("exercise {exercise}: {where}")')])
    failure = failure_of(exercise, path)
    assert f"exercise {exercise}: {where}" in failure.what.en
    for earlier in range(1, exercise):  # the exercises before it still pass on the same file
        if file_of(earlier) == file_of(exercise):
            assert check(earlier, path, seed=0) is None


TOPOLOGICAL = """    order, visited, stack = [], set(), [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:  # the second meeting: every parent is in order
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))  # back under its parents
"""
RECURSIVE = """    order, visited = [], set()

    def build(node):  # micrograd's build_topo
        if node not in visited:
            visited.add(node)
            for parent in node._prev:
                build(parent)
            order.append(node)

    build(root)
    return order
    stack = []
    while stack:
        if False:
            pass
        else:
"""

WALK_END = """            stack.extend((parent, False) for parent in node._prev if parent not in visited)
    return order
"""
EVERY_PATH = """    order, stack = [], [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            if node not in order:
                order.append(node)
        else:
            stack.append((node, True))
            stack.extend((parent, False) for parent in node._prev)
    return order
"""

MISTAKES = {  # name: (exercise, file, changes, what the message says (English), what the hint says)
    "mul's local derivatives swapped": (
        1, "my_value.py", [("(other.data, self.data))", "(self.data, other.data))")], "_local[0]) is wrong", "OTHER one's"),
    "_prev a set": (
        1, "my_value.py", [("(self.data + other.data, (self, other),", "(self.data + other.data, {self, other},")],
        "_prev is a set", "x * x"),
    "+ keeps one parent": (
        1, "my_value.py", [("(self.data + other.data, (self, other), (1.0, 1.0))", "(self.data + other.data, (self,), (1.0,))")],
        "_prev should hold (a, b)", "in the order of the operands"),
    "tanh's derivative from the input": (
        2, "my_value.py", [("(1 - t * t,)", "(1 - self.data ** 2,)")], "is wrong", "you used the input"),
    "** without its factor k": (
        2, "my_value.py", [("(k * self.data ** (k - 1),)", "(self.data ** (k - 1),)")], "is wrong", "k * x.data ** (k - 1)"),
    "a recursive walk": (3, "my_value.py", [(TOPOLOGICAL, RECURSIVE)], "RecursionError", "stack"),
    "a node visited twice": (
        3, "my_value.py", [("        elif node not in visited:\n            visited.add(node)\n", "        else:\n"),
                           (" if parent not in visited)", ")")], "b is in the order twice", "visited once"),
    "a walk along every path": (
        3, "my_value.py", [(TOPOLOGICAL + WALK_END, EVERY_PATH)], "still running", "exponential"),
    "a node before its parents": (
        3, "my_value.py", [("            order.append(node)\n        elif node not in visited:\n            visited.add(node)\n",
                            "            pass\n        elif node not in visited:\n            visited.add(node)\n"
                            "            order.append(node)\n")], "comes before its parent", "after all of its parents"),
    "= instead of += (the texts' b)": (
        4, "my_value.py", [("parent.grad += local * node.grad", "parent.grad = local * node.grad")],
        "b.grad holds one path only", "+=, not ="),
    "x * x's two slots not piled up": (
        4, "my_value.py", [("zip(node._prev, node._local):", "dict(zip(node._prev, node._local)).items():")],
        "x.grad", "both slots"),
    "the root not seeded with 1": (4, "my_value.py", [("        self.grad = 1.0  # d self/d self\n", "")],
                                   "e.grad should be 1", "self.grad = 1.0"),
    "the order not reversed": (
        4, "my_value.py", [("in reversed(topological_order(self)):", "in topological_order(self):")],
        "passed their gradients on before they had them", "reversed"),
    "the local derivative left out": (
        4, "my_value.py", [("parent.grad += local * node.grad", "parent.grad += node.grad")], "is wrong after e.backward()",
        "local derivative"),
    "the bias left out of parameters()": (
        5, "my_nn.py", [("return self.w + [self.b]", "return self.w")], "should list 4 different Values", "one bias"),
    "every neuron the same": (
        5, "my_nn.py", [("self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]",
                         "self.w = [Value(0.5) for _ in range(nin)]")],
        "the same weights", "random.uniform"),
    "tanh on the last layer": (
        5, "my_nn.py", [("nonlin=i != len(nouts) - 1", "nonlin=True")], "last layer applies tanh", "nonlin=False"),
    "the loss summed, not averaged": (
        6, "my_nn.py", [("return total * (1.0 / len(X))", "return total")], "loss_of(model, X, y) is wrong", "you summed"),
    "gradients never zeroed": (
        6, "my_nn.py", [("    model.zero_grad()  # backward piles up (堆放): last step's gradients must go first\n", "")],
        "train_step number 2", "still there"),
    "a step uphill": (6, "my_nn.py", [("p.data -= learning_rate * p.grad", "p.data += learning_rate * p.grad")],
                      "train_step number 1", "uphill"),
}


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_each_classic_mistake_has_its_message(tmp_path, monkeypatch, name):
    monkeypatch.setattr(value_checks, "LADDER_SECONDS", 0.5)  # a walk along every path would run for minutes
    exercise, file, changes, what, hint = MISTAKES[name]
    failure = failure_of(exercise, variant(tmp_path, file, changes))
    assert what in failure.what.en, failure.what.en
    assert hint in failure.hint.en, failure.hint.en


def test_a_failure_names_the_expression_and_expected_against_got(tmp_path):
    path = variant(tmp_path, "my_value.py", [("(k * self.data ** (k - 1),)", "(self.data ** (k - 1),)")])
    failure = failure_of(2, path, seed=7)
    assert failure.program and failure.program[-1] in failure.what.en  # the last line made the wrong node
    assert " ** " in failure.program[-1] and float(failure.expected) != float(failure.got)
    again = failure_of(2, path, seed=7)
    assert (again.program, again.expected, again.got) == (failure.program, failure.expected, failure.got)


def test_the_command_line_says_passed_or_failed_with_its_exit_code(capsys, tmp_path):
    assert main(["check", "4", str(SOLUTIONS / "my_value.py"), "--seed", "3"]) == 0
    assert "(seed 3): passed" in capsys.readouterr().out
    assert main(["check", "3", str(TEMPLATES / "my_value.py"), "--seed", "3", "--lang", "zh"]) == 1
    out = capsys.readouterr().out
    assert "第 3 题" in out and "未通过" in out and "提示" in out and "--seed 3" in out
    assert main(["check", "1", str(tmp_path / "none.py")]) == 2
    assert "no file" in capsys.readouterr().err


def test_the_language_follows_lang(capsys, monkeypatch):
    for variable in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert main(["check", "5", str(TEMPLATES / "my_nn.py"), "--seed", "1"]) == 1
    assert "未通过" in capsys.readouterr().out
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert main(["list"]) == 0
    assert "exercise 6: training on moons" in capsys.readouterr().out


def test_python_dash_m_runs_the_checker():
    environment = {**os.environ, "LANG": "C"}
    environment.pop("LC_ALL", None)
    done = subprocess.run([sys.executable, "-m", "chaingrad.exercises", "check", "1", str(TEMPLATES / "my_value.py")],
                          capture_output=True, text=True, env=environment, timeout=120)
    assert done.returncode == 1 and "exercise 1" in done.stdout and "TODO" in done.stdout and not done.stderr


def test_files_named_as_micrograd_names_them_are_the_learners(tmp_path, monkeypatch):
    """engine.py and nn.py beside each other (micrograd's lecture): nn.py's `from engine import Value` is the
    learner's engine.py, even though chaingrad's engine is imported as `engine` in this process."""
    import engine as chaingrads_engine

    (tmp_path / "engine.py").write_text((SOLUTIONS / "my_value.py").read_text(encoding="utf-8"), encoding="utf-8")
    text = (SOLUTIONS / "my_nn.py").read_text(encoding="utf-8").replace("from my_value import", "from engine import")
    (tmp_path / "nn.py").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert check(4, tmp_path / "engine.py", seed=0) is None
    assert check(5, tmp_path / "nn.py", seed=0) is None
    from chaingrad.exercises.learner import load

    assert load(tmp_path / "nn.py").Value.__module__ == "engine" and load(tmp_path / "nn.py").Value is not chaingrads_engine.Value
    import engine as after

    assert after is chaingrads_engine  # put back


def test_a_file_that_does_not_load_is_a_failure_naming_its_line(tmp_path):
    path = variant(tmp_path, "my_value.py", [("        self.grad = 1.0  # d self/d self\n", "        self.grad = = 1.0\n")])
    failure = failure_of(4, path)
    assert "SyntaxError" in failure.what.en and "my_value.py, line " in failure.what.en and "self.grad = = 1.0" in failure.what.en


@pytest.mark.parametrize("exercise", [1, 2, 3, 4])
def test_engine_tiny_is_the_engine_exercises_model_answer(exercise):
    """engine/tiny.py, chaingrad's reading core, passes the engine exercises as a learner's file would
    (its nodes name their parts operands and local_derivatives; the templates', _prev and _local)."""
    for seed in (0, 1, 2):
        assert check(exercise, ROOT / "engine" / "tiny.py", seed) is None


def test_messages_are_wrapped_to_the_terminal(tmp_path):
    from chaingrad.exercises.report import COLUMNS, render, wrap

    def columns(line):
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)

    failure = failure_of(3, variant(tmp_path, "my_value.py", [(TOPOLOGICAL, RECURSIVE)]))
    for lang in ("en", "zh"):
        text = render(EXERCISES[3].title, 0, failure, lang)
        assert all(columns(line) <= COLUMNS for line in text.splitlines())
        assert failure.hint(lang).replace(" ", "")[-20:] in text.replace("\n", "").replace(" ", "")
    assert [line.strip() for line in wrap("one two three", "  ", columns=9)] == ["one two", "three"]
    assert wrap("反向传播" * 5, "", columns=20) == ["反向传播反向传播反向", "传播反向传播反向传播"]  # 2 columns each
