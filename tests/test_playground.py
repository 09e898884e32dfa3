"""The playground's Python, without a browser: the whitelist, the runner (printout, errors naming
the line, the explored Value, leaves rewritten), the presets' printed numbers, training, the build's pins."""

import math
import subprocess

import pytest

from viz.files import find_dot, run_dot, use_layout
from viz.playground import build
from viz.playground.check import ProgramError, check
from viz.playground.presets import DEFAULT, PRESETS
from viz.playground.runner import RANGE_LIMIT, run, with_leaf
from viz.playground.training import Trainer

needs_dot = pytest.mark.skipif(find_dot() is None, reason="no Graphviz dot (the 'viz' extra brings graphviz-pure)")
TEXTS_EXAMPLE = "a = Value(2.0)\nb = Value(1.0)\nc = a + b\nd = b + 1\ne = c * d\ne.backward()\nprint(a.grad, b.grad)\n"


@pytest.mark.parametrize("code, line, words", [
    ("a = Value(2.0)\nb = Value(1.0\n", 2, "never closed"),
    ("a = Value(2.0)\nimport os\n", 2, "'import' is not needed"),
    ("from math import exp\n", 1, "'import' is not needed"),
    ("x = 1\nwhile x:\n    x = 0\n", 2, "for step in range(100)"),
    ("a = Value(1.0)\nb = a.__class__\n", 2, "names starting with '_'"),
    ("a = Value(1.0)\nclass Net:\n    pass\n", 2, "classes are not run"),
    ("s = '{0.__class__}'.format(1)\n", 1, "'.format' is not run"),
    ("f = lambda x: x\n", 1, "'lambda' is not run"),
])
def test_refused_programs_name_their_line(code, line, words):
    with pytest.raises(ProgramError) as caught:
        check(code)
    assert caught.value.line == line and str(caught.value).startswith(f"line {line}: ") and words in str(caught.value)
    result = run(code, explore=False)  # the page shows the same message, and no graph
    assert result["error"] == {"line": line, "message": str(caught.value)} and result["explorer"] is None


def test_a_program_of_values_runs_and_prints_the_texts_gradients():
    result = run(TEXTS_EXAMPLE, explore=False)
    assert result["error"] is None and result["output"] == "2.0 5.0\n"
    assert result["root"] == "e" and [(leaf["name"], leaf["value"], leaf["line"]) for leaf in result["leaves"]] == [
        ("a", 2.0, 1), ("b", 1.0, 2)]


def test_loops_functions_and_nn_are_allowed():
    code = ("def neuron(x, w, b):\n    return (x * w + b).tanh()\n"
            "w = Value(0.5)\nloss = Value(0.0)\nfor k in range(3):\n    loss = loss + neuron(k, w, 0.1) ** 2\n"
            "model = nn.MLP(2, [3, 1], rng=0)\nout = model([1.0, -1.0])\nprint(len(model.parameters()), round(math.pi, 2))\n")
    result = run(code, explore=False)
    assert result["error"] is None and result["output"] == "13 3.14\n" and result["root"] == "out"


def test_runtime_errors_name_the_students_line_even_inside_a_function():
    result = run("def f(x):\n    return x.log()\na = Value(-1.0)\nb = f(a)\n", explore=False)
    assert result["error"]["line"] == 2 and result["error"]["message"].startswith("line 2: ValueError: ")
    assert "log" in result["error"]["message"]
    result = run("a = Value(1.0)\nprint(a + undefined_name)\n", explore=False)
    assert result["error"]["line"] == 2 and "NameError" in result["error"]["message"]
    result = run(f"for k in range({RANGE_LIMIT + 1}):\n    pass\n", explore=False)
    assert result["error"]["line"] == 1 and "smaller range" in result["error"]["message"]


def test_builtins_outside_the_list_are_absent():
    for name in ("open", "eval", "exec", "getattr", "globals", "type", "compile"):
        result = run(f"x = {name}\n", explore=False)
        assert result["error"]["line"] == 1 and "NameError" in result["error"]["message"], name


@needs_dot
def test_show_chooses_the_explored_value_and_names_label_the_drawing():
    result = run("a = Value(3.0)\nb = a * a\nc = b + 1\nshow(b)\n")
    assert result["error"] is None and result["root"] == "b" and result["explorer"] is not None
    assert ">b<" in result["explorer"] and ">c<" not in result["explorer"]  # c is not part of b's graph


def test_a_program_without_values_runs_without_a_graph():
    result = run("print(1 + 1)\n")
    assert result["output"] == "2\n" and result["root"] is None and result["explorer"] is None


@needs_dot
def test_the_explorer_is_laid_out_through_the_hook_and_speaks_the_language():
    calls = []

    def layout(source, file_format):  # as the browser's viz-js: here the dot program, run directly
        calls.append(file_format)
        return subprocess.run([find_dot(), f"-T{file_format}"], input=source.encode("utf-8"), capture_output=True,
                              check=True).stdout

    result = run(TEXTS_EXAMPLE, lang="zh", layout=layout)
    assert calls and set(calls) == {"svg"} and result["explorer"] and 'lang="zh' in result["explorer"]
    assert "反向传播" in result["explorer"]


@needs_dot
def test_use_layout_is_scoped_and_restored():
    with use_layout(lambda source, file_format: b"<svg>one</svg>"):
        assert run_dot("digraph { a }", "svg") == b"<svg>one</svg>"
        with use_layout(lambda source, file_format: b"<svg>two</svg>"):
            assert run_dot("digraph { a }", "svg") == b"<svg>two</svg>"
        assert run_dot("digraph { a }", "svg") == b"<svg>one</svg>"
    assert run_dot("digraph { a }", "svg").lstrip().startswith(b"<?xml")  # dot again


def test_with_leaf_rewrites_one_number_and_the_forward_runs_again():
    code = "# 苹果 apples\napple = Value(100.0)  # 单价\ncount = Value(2.0)\npay = apple * count\npay.backward()\nprint(pay.data)\n"
    changed = with_leaf(code, "count", 3)
    assert changed == code.replace("Value(2.0)", "Value(3.0)")
    assert run(changed, explore=False)["output"] == "300.0\n"
    assert with_leaf("x = Value(-1.5, label='x')\n", "x", -2.25) == "x = Value(-2.25, label='x')\n"
    with pytest.raises(ProgramError, match="no line"):
        with_leaf(code, "pay", 1.0)
    with pytest.raises(ProgramError, match="not a finite number"):
        with_leaf(code, "count", math.inf)


@needs_dot
@pytest.mark.parametrize("key", sorted(PRESETS))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_preset_runs_and_is_explored(key, lang):
    result = run(PRESETS[key]["code"][lang], lang=lang)
    assert result["error"] is None and result["explorer_error"] is None and result["explorer"]
    assert result["leaves"], key


def test_the_presets_print_the_texts_numbers():
    assert DEFAULT in PRESETS
    assert run(PRESETS["sum_times"]["code"]["en"], explore=False)["output"] == "2.0 5.0\n"
    assert run(PRESETS["apple"]["code"]["en"], explore=False)["output"].splitlines() == [
        "pay 220", "2.2 110 200"]
    assert run(PRESETS["neuron"]["code"]["en"], explore=False)["output"].splitlines() == [
        "o = 0.7071", "x1 -1.5000, w1 1.0000", "x2 0.5000, w2 0.0000"]
    nielsen = run(PRESETS["nielsen"]["code"]["en"], explore=False)["output"].splitlines()
    delta = float(nielsen[1].split("=")[-1])
    assert float(nielsen[2].split("=")[-1]) == pytest.approx(delta, abs=1e-4)  # BP3: dC/db = delta


def test_training_lowers_the_loss_and_shows_the_compiled_step():
    trainer = Trainer(points=40, hidden=(4,), seed=2)
    losses = trainer.train(20)
    assert len(losses) == 20 and losses[-1] < losses[0] and trainer.steps == 20
    assert "def step" in trainer.source and "grad_" in trainer.source
    assert len(trainer.boundary(size=5)) == 25
    x = [0.3, -0.2]
    assert trainer.score(x) == pytest.approx(trainer.model(x).data, rel=1e-12, abs=1e-12)  # the picture's floats
    with pytest.raises(ValueError, match="activation"):
        Trainer(activation="softsign")


def test_the_build_pins_its_npm_packages():
    for package, (version, integrity, files) in build.PACKAGES.items():
        assert version.count(".") == 2 and len(integrity) == 88 and files, package
    assert build._tarball_name("@viz-js/viz", "3.31.0") == "viz-js-viz-3.31.0.tgz"


def test_without_npm_and_without_cached_tarballs_the_build_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(build.shutil, "which", lambda name: None)
    with pytest.raises(build.PlaygroundBuildError, match="apt-get install nodejs npm"):
        build.build(tmp_path / "site", cache=tmp_path / "cache")
    assert not (tmp_path / "site").exists()


def test_a_cached_tarball_that_is_not_the_pinned_one_is_refused_and_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(build.shutil, "which", lambda name: None)
    version = build.PACKAGES["pyodide"][0]
    wrong = tmp_path / build._tarball_name("pyodide", version)
    wrong.write_bytes(b"not pyodide")
    with pytest.raises(build.PlaygroundBuildError, match="is not the pinned pyodide"):
        build.fetch_tarballs(tmp_path)
    assert not wrong.exists()


def test_the_build_will_not_empty_a_folder_that_is_not_a_playground(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(build.PlaygroundBuildError, match="not empty"):
        build.build(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_the_check_speaks_the_pages_language():
    result = run("a = Value(2.0)\nb = Value(1.0\n", lang="zh", explore=False)
    assert result["error"]["line"] == 2 and result["error"]["message"].startswith("第 2 行：这不是合法的 Python")
    result = run("x = 1\nwhile x:\n    x = 0\n", lang="zh", explore=False)
    assert result["error"]["message"].startswith("第 2 行：演练场不运行 while 循环")
    result = run("a = Value(-1.0)\nb = a.log()\n", lang="zh", explore=False)
    assert result["error"]["message"].startswith("第 2 行：ValueError: ")  # the engine's own words stay English
    with pytest.raises(ValueError, match="choose 'en' or 'zh'"):
        check("a = 1", lang="fr")


def test_a_name_used_again_is_not_offered_as_a_leaf():
    result = run("a = Value(2.0)\nb = Value(3.0)\na = a * b\n", explore=False)
    assert [leaf["name"] for leaf in result["leaves"]] == ["b"] and result["root"] == "a"


def test_a_learners_mistake_warned_about_reaches_the_printout():
    """float() of a tracked Value warns (LostGradientWarning): in the playground the student reads it under
    the printout, with the line, in either language; a clean program prints nothing more."""
    for lang, prefix in (("en", "line 3: "), ("zh", None)):
        result = run("a = Value(2.0)\nb = a * 3\nx = float(b)\nprint(x)\n", lang=lang, explore=False)
        assert result["error"] is None and result["output"].startswith("6.0\n")
        assert "LostGradientWarning: a tracked Value was read as a plain float" in result["output"]
        if prefix:
            assert prefix + "LostGradientWarning" in result["output"]
    clean = run("a = Value(2.0)\nb = Value(1.0)\ne = (a + b) * (b + 1)\ne.backward()\nprint(a.grad, b.grad)",
                explore=False)
    assert clean["output"] == "2.0 5.0\n"
