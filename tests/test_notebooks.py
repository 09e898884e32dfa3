"""The notebook course (docs/notebooks, and its Chinese edition in docs/notebooks/zh) runs here, each
notebook top to bottom in a fresh kernel, as a learner runs it. The notebooks assert the texts' numbers
themselves; after the last cell, this file reads the numbers back from the kernel and checks them again,
checks that the pictures came out inline and that no cell wrote to stderr (no warning). The Chinese
notebooks keep the English ones' code and variable names, so the same probes check both. The notebooks
are stored without outputs, so a class starts from clean copies."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "docs" / "notebooks"
FOLDERS = {"en": NOTEBOOKS, "zh": NOTEBOOKS / "zh"}
PICTURES = ("image/svg+xml", "image/png", "text/html")
both = pytest.mark.parametrize("language", sorted(FOLDERS))


def run(name: str, probes: dict[str, str], language: str = "en") -> tuple[dict, dict]:
    """Execute NAME.ipynb of the course in LANGUAGE in a new kernel started in its folder; then evaluate
    each probe expression in the same kernel. Returns the executed notebook and the probes' values.
    Fails if any cell wrote to stderr (a warning), except the missing-glyph warnings of Chinese labels
    on a machine without a Chinese font, where CI (which installs one) is not running."""
    folder = FOLDERS[language]
    notebook = nbformat.read(folder / f"{name}.ipynb", as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(folder)}})
    probe = nbformat.v4.new_code_cell(
        "import json as _json\n"
        f"print(_json.dumps({{name: eval(expression) for name, expression in {probes!r}.items()}}))")
    notebook.cells.append(probe)
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
    notebook.cells.pop()
    printed = "".join(output.get("text", "") for output in probe.outputs if output.output_type == "stream")
    written = [output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.outputs if output.output_type == "stream" and output.get("name") == "stderr"]
    if language == "zh" and not chinese_font_installed():
        written = [text for text in written if "Glyph" not in text]
    assert not written, f"{language}/{name} wrote to stderr (a warning, issue 21: a course notebook must not): {written}"
    return notebook, json.loads(printed)


def chinese_font_installed() -> bool:
    """True if the machine has a Chinese font, found as the Chinese notebooks find it (CI installs one)."""
    if os.environ.get("CHAINGRAD_REQUIRE_BROWSER") == "1":
        return True  # .ci/browser installed WenQuanYi Micro Hei: a missing glyph is a failure there
    from viz.files import find_cjk_font

    return find_cjk_font() is not None


def pictures(notebook) -> int:
    """How many outputs are pictures (SVG, PNG, or an HTML page such as the explorer's)."""
    return sum(1 for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
               if any(kind in output.get("data", {}) for kind in PICTURES))


def close(number: float, rel: float = 1e-12) -> object:
    return pytest.approx(number, rel=rel, abs=1e-12)


def test_notebooks_are_stored_clean():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")) + sorted(FOLDERS["zh"].glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert code, path.name
        assert all(not cell.outputs and cell.execution_count is None for cell in code), \
            f"{path.name} is stored with outputs: clear them (Kernel > Restart and Clear Outputs) before committing"


def test_every_notebook_has_its_chinese_edition():
    """The same six names in both folders; every markdown cell of a Chinese notebook is written in Chinese."""
    names = sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))
    assert names and names == sorted(path.name for path in FOLDERS["zh"].glob("*.ipynb"))
    for name in names:
        notebook = nbformat.read(FOLDERS["zh"] / name, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                chinese = sum(1 for character in cell.source if "\u4e00" <= character <= "\u9fff")
                assert chinese >= 10, f"zh/{name}: a markdown cell not in Chinese: {cell.source[:80]!r}"


@both
def test_01_computational_graphs(language):
    notebook, numbers = run("01_computational_graphs", {
        "total": "total.data", "apple": "apple.grad", "count": "count.grad", "tax": "cost.data",
        "total2": "total2.data", "apples": "apple_count.grad", "apple_price": "apple_price.grad",
        "orange_price": "orange_price.grad", "oranges": "orange_count.grad", "tax2": "tax.grad", "rows": "rows"}, language)
    assert numbers["total"] == close(220)
    assert (numbers["apple"], numbers["count"], numbers["tax"]) == (close(2.2), close(110), close(200))
    assert numbers["total2"] == close(715)
    assert (numbers["apples"], numbers["apple_price"], numbers["orange_price"], numbers["oranges"],
            numbers["tax2"]) == (close(110), close(2.2), close(3.3), close(165), close(650))
    assert [row[3] for row in numbers["rows"]] == [close(6.0), close(-5.0), close(1.0)]  # 2(x + y)
    assert pictures(notebook) >= 4


@both
def test_04_mlp_l2_memory(language):
    notebook, numbers = run("04_mlp_l2_memory", {
        "largest": "largest_difference", "J": "history['J']", "L": "L.data", "s": "s.data",
        "batch_ratios": "batch_ratios", "layer_steps": "layer_steps",
        "over_prediction": "training_over_prediction",
        "check_s": "nn.l2([w for row in W1 + W2 for w in row], strength).data"}, language)
    assert numbers["largest"] < 1e-14  # the engine's dJ/do, dJ/dh, dJ/dz, dJ/dW1, dJ/dW2 against the text's formulas
    assert numbers["s"] == close(numbers["check_s"])
    assert all(later < earlier for earlier, later in zip(numbers["J"], numbers["J"][1:]))
    assert all(ratio == pytest.approx(2.0, rel=0.05) for ratio in numbers["batch_ratios"])  # linear in the batch
    assert numbers["layer_steps"][1] == pytest.approx(numbers["layer_steps"][0], rel=0.05)  # linear in the layers
    assert numbers["over_prediction"] > 20
    assert pictures(notebook) >= 3  # the graph, the training curve, the memory plot


@both
def test_05_softmax_and_nodes(language):
    notebook, numbers = run("05_softmax_and_nodes", {
        "softmax": "[v.data for v in y]", "L_one": "L_one.data", "L": "L.data",
        "softmax_difference": "largest_softmax_difference",
        "repeat": "repeat_gradient", "sum": "sum_gradients", "matmul": "largest_matmul_difference",
        "W": "[[w.grad for w in row] for row in W]"}, language)
    exps = [math.exp(0.3), math.exp(2.9), math.exp(4.0)]
    assert numbers["softmax"] == [close(e / sum(exps)) for e in exps]  # equation 1.1
    assert [round(p, 8) for p in numbers["softmax"]] == [0.01821127, 0.24519181, 0.73659691]  # as the notebook prints them
    assert numbers["L_one"] == close(-math.log(numbers["softmax"][2]))
    assert numbers["L"] == close((-math.log(numbers["softmax"][2]) - math.log(
        math.exp(1.0) / (math.exp(1.0) + math.exp(-1.0) + math.exp(0.5)))) / 2)  # equation 1.3, N = 2
    assert numbers["softmax_difference"] < 1e-15
    assert numbers["repeat"] == [close(0.9), close(1.2)]  # Repeat: the column sums of the upstream
    assert numbers["sum"] == [[5.0, -1.0]] * 3  # Sum: every row gets the upstream
    assert numbers["matmul"] < 1e-15
    assert numbers["W"] == [[close(0.75), close(-1.0), close(-1.5)], [close(2.125), close(-2.0), close(2.0)]]  # x^T dL/dy
    assert pictures(notebook) >= 1


@both
def test_02_piling_up(language):
    notebook, numbers = run("02_piling_up", {
        "a": "a.grad", "b": "b.grad", "paths": "[by_paths_a, by_paths_b]", "pile": "trace.piles[b]",
        "captions": "page.captions", "rows": "rows"}, language)
    assert (numbers["a"], numbers["b"]) == (2.0, 5.0)
    assert numbers["paths"] == [2.0, 5.0]
    assert numbers["pile"] == [2.0, 3.0]
    assert {"en": "b's pile: 2 + 3 = 5", "zh": "b 堆放起来的量：2 + 3 = 5"}[language] in numbers["captions"][7]
    path_costs = [row[1] for row in numbers["rows"]]
    backprop_costs = [row[2] for row in numbers["rows"]]
    assert all(later > 2.5 * earlier for earlier, later in zip(path_costs, path_costs[1:]))  # exponential
    assert len({later - earlier for earlier, later in zip(backprop_costs, backprop_costs[1:])}) == 1  # linear
    assert any("text/html" in output.get("data", {}) and "iframe" in output["data"]["text/html"]
               for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs)  # the explorer
    assert pictures(notebook) >= 2


@both
def test_03_nielsen_bp1_bp4(language):
    notebook, numbers = run("03_nielsen_bp1_bp4", {
        "largest": "largest_difference", "compiled": "compiled_difference", "sgd": "sgd_difference",
        "lines": "[len(bp1_lines), len(bp2_lines), len(weight_lines)]", "traces": "compiled.traces",
        "C": "C.data", "by_hand_C": "0.5 * sum((t - a.data) ** 2 for a, t in zip(a3, y))", "rows": "rows"}, language)
    assert numbers["largest"] < 1e-15  # BP1-BP4 against the engine
    assert numbers["compiled"] < 1e-15 and numbers["traces"] == 1
    assert numbers["lines"] == [2, 4, 20]  # BP1 per output neuron, BP2 per hidden one, BP4 per weight, in the code
    assert numbers["sgd"] < 1e-14
    assert numbers["C"] == close(numbers["by_hand_C"])
    assert all(forward == 2 * parameters for parameters, forward, *_ in numbers["rows"])


@both
def test_06_training(language):
    notebook, numbers = run("06_training", {
        "moons": "moons_accuracy", "moons_loss": "moons_loss", "first_loss": "history['loss'][0]",
        "digits_available": "digits_available", "digits": "digits_accuracy"}, language)
    assert numbers["moons"] >= 0.9 and numbers["moons_loss"] < 0.5 * numbers["first_loss"]
    if os.environ.get("CHAINGRAD_REQUIRE_EXAMPLES") == "1":  # set by .ci/run, which installs the extra
        assert numbers["digits_available"], "scikit-learn (the examples extra) is missing"
    if numbers["digits_available"]:
        assert numbers["digits"] > 0.9
        assert pictures(notebook) >= 5
    else:  # scikit-learn is an optional extra ("examples"): the notebook says so and skips the digits
        assert numbers["digits"] is None
        assert pictures(notebook) >= 2
