"""The notebook course (docs/notebooks) runs here, each notebook top to bottom in a fresh kernel, as a
learner runs it. The notebooks assert the texts' numbers themselves; after the last cell, this file reads
the numbers back from the kernel and checks them again, and checks that the pictures came out inline.
The notebooks are stored without outputs, so a class starts from clean copies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "docs" / "notebooks"
PICTURES = ("image/svg+xml", "image/png", "text/html")


def run(name: str, probes: dict[str, str]) -> tuple[dict, dict]:
    """Execute docs/notebooks/NAME.ipynb in a new kernel started in that folder; then evaluate each
    probe expression in the same kernel. Returns the executed notebook and the probes' values."""
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    probe = nbformat.v4.new_code_cell(
        "import json as _json\n"
        f"print(_json.dumps({{name: eval(expression) for name, expression in {probes!r}.items()}}))")
    notebook.cells.append(probe)
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
    notebook.cells.pop()
    printed = "".join(output.get("text", "") for output in probe.outputs if output.output_type == "stream")
    return notebook, json.loads(printed)


def pictures(notebook) -> int:
    """How many outputs are pictures (SVG, PNG, or an HTML page such as the explorer's)."""
    return sum(1 for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
               if any(kind in output.get("data", {}) for kind in PICTURES))


def close(number: float, rel: float = 1e-12) -> object:
    return pytest.approx(number, rel=rel, abs=1e-12)


def test_notebooks_are_stored_clean():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert code, path.name
        assert all(not cell.outputs and cell.execution_count is None for cell in code), \
            f"{path.name} is stored with outputs: clear them (Kernel > Restart and Clear Outputs) before committing"


def test_01_computational_graphs():
    notebook, numbers = run("01_computational_graphs", {
        "total": "total.data", "apple": "apple.grad", "count": "count.grad", "tax": "cost.data",
        "total2": "total2.data", "apples": "apple_count.grad", "apple_price": "apple_price.grad",
        "orange_price": "orange_price.grad", "oranges": "orange_count.grad", "tax2": "tax.grad", "rows": "rows"})
    assert numbers["total"] == close(220)
    assert (numbers["apple"], numbers["count"], numbers["tax"]) == (close(2.2), close(110), close(200))
    assert numbers["total2"] == close(715)
    assert (numbers["apples"], numbers["apple_price"], numbers["orange_price"], numbers["oranges"],
            numbers["tax2"]) == (close(110), close(2.2), close(3.3), close(165), close(650))
    assert [row[3] for row in numbers["rows"]] == [close(6.0), close(-5.0), close(1.0)]  # 2(x + y)
    assert pictures(notebook) >= 4
