"""Pictures only read: drawing, tracing or exploring a graph changes no gradient and no value, and a
refusal comes before any work."""

import pytest

import engine
import nn
import viz
import sys
from engine import Value


def _twice_backwarded():
    """The texts' example after two backward passes: the leaves hold twice one pass (a 4, b 10)."""
    a, b, c, d, e = viz.texts_example()
    e.backward()
    e.backward()
    return (a, b, c, d, e)


def _state(values):
    return [(value.data, value.grad) for value in values]


@pytest.mark.parametrize("picture", [
    lambda e, tmp: viz.explore(e, tmp / "page.html"),
    lambda e, tmp: viz.explore(e, lang="zh"),
    lambda e, tmp: viz.trace_backward(e).table(),
    lambda e, tmp: viz.render_backward_frames(e, tmp / "frames"),
    lambda e, tmp: viz.draw(e, show_flow=True).source,
    lambda e, tmp: viz.render(e, tmp / "e.svg"),
], ids=["explore", "explore zh", "trace", "frames", "draw", "render"])
def test_every_picture_leaves_gradients_piled_over_two_passes(picture, tmp_path):
    values = _twice_backwarded()
    before = _state(values)
    assert (values[0].grad, values[1].grad) == (4.0, 10.0)
    picture(values[-1], tmp_path)
    assert _state(values) == before


def test_the_pictures_show_one_pass_however_many_were_run():
    a, b, c, d, e = _twice_backwarded()
    trace = viz.trace_backward(e)
    assert trace.pile_text(b) == "b: 2 + 3 = 5" and trace.gradients[a] == 2.0
    assert viz.explore(e).captions[7] == "d (grad 3) sends 1 × 3 = 3 to b; b's pile: 2 + 3 = 5"
    assert (a.grad, b.grad) == (4.0, 10.0)


def test_trace_gradients_are_the_engines():
    model = nn.MLP(3, [4, 1], activation="tanh", rng=2)
    out = model([0.1, -0.2, 0.3])
    trace = viz.trace_backward(out, grad=2.0)
    order = engine.topological_order(out)
    assert all(value.grad == 0.0 for value in order)
    out.backward(2.0)
    for value in order:
        assert trace.gradients[value] == value.grad


def test_draw_layers_only_reads():
    model = nn.MLP(2, [3, 1], rng=0)
    loss = (model([1.0, -1.0]) - 1.0) ** 2
    loss.backward()
    parameters = model.parameters()
    before = _state(parameters)
    viz.draw_layers(loss, model)
    viz.draw(loss, parameters=model, max_nodes=5)
    assert _state(parameters) == before


def test_a_refusal_comes_before_any_work(monkeypatch):
    model = nn.MLP(4, [16, 16, 1], rng=0)
    out = model([0.1, 0.2, 0.3, 0.4])
    out.backward()
    parameters = model.parameters()
    before = _state(parameters)

    def no_work(*_, **__):
        raise AssertionError("the graph was traced before it was refused")

    monkeypatch.setattr(sys.modules["viz.explore"], "trace_backward", no_work)
    monkeypatch.setattr(sys.modules["viz.explore"], "run_dot", no_work)
    with pytest.raises(viz.GraphTooLargeError, match="max_nodes=150"):
        viz.explore(out)
    with pytest.raises(ValueError, match="lang must be"):
        viz.explore(Value(1.0) * 2, lang="de")
    assert _state(parameters) == before


def test_viz_imports_engine_and_not_nn():
    """Dependencies point one way: viz reads engine's graphs and writes its own files (no viz -> nn import)."""
    import ast
    from pathlib import Path

    for path in sorted((Path(__file__).resolve().parent.parent / "viz").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module and node.level == 0}
        assert "nn" not in imported and "chaingrad" not in imported, path.name


def test_the_picture_writer_replaces_a_file_whole_and_keeps_its_mode(tmp_path):
    import os
    import stat

    from viz.files import write_atomically

    target = tmp_path / "deep" / "page.html"
    write_atomically(target, b"first")
    os.chmod(target, 0o640)
    write_atomically(target, b"second")
    assert target.read_bytes() == b"second" and stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["page.html"]  # no temporary left behind
    with pytest.raises(IsADirectoryError, match="not a regular file"):
        write_atomically(tmp_path / "deep", b"x")
