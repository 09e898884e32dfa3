"""Pictures: the graph source, rendering through the same path viz uses, the backward trace, plots."""

import re

import pytest

import nn
import viz
from engine import Value
from viz import files as render_module


def lecture_graph():
    a, b, c, f = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    L.backward()
    return L, [a, b, c, d, e, f, L]


def renderer_or_skip():
    dot = viz.find_dot()
    if dot is None:
        pytest.skip("no Graphviz renderer: neither dot nor graphviz-pure is installed (the 'viz' extra brings one)")
    return dot


def test_every_value_and_gradient_appears_in_the_source():
    L, values = lecture_graph()
    source = viz.draw(L).source
    for value in values:
        assert f"{value.label} | data {value.data:.4f} | grad {value.grad:.4f}" in source
    assert source.count("shape=record") == 7
    assert source.count("shape=ellipse") == 3  # one node per op


def test_output_is_deterministic_and_ids_are_topological():
    first = viz.draw(lecture_graph()[0], show_flow=True).source
    second = viz.draw(lecture_graph()[0], show_flow=True).source
    assert first == second
    assert not re.search(r"\b\d{8,}\b", first)  # no id() in node names
    assert "v6 [label=\"L |" in first


def test_show_flow_labels_edges_with_local_and_contribution():
    L, _ = lecture_graph()
    source = viz.draw(L, show_flow=True).source
    # the explorer's numbers: as the boxes round them, without trailing zeros; a negative upstream in brackets
    assert 'v5 -> v6_op [label="-2 × 1 = -2"]' in source  # d -> L: local f = -2, upstream 1
    assert 'v3 -> v6_op [label="4 × 1 = 4"]' in source  # f -> L: local d = 4
    assert 'label="1 × (-2) = -2"' in source  # c -> d: local 1, upstream dL/dd = -2


def test_number_format():
    assert viz.format_number(2.0) == "2.0000"
    assert viz.format_number(-0.5) == "-0.5000"
    assert viz.format_number(1.23e-7) == "1.230e-07"
    assert viz.format_number(0.0) == "0.0000"
    assert viz.format_number(3e9) == "3.000e+09"


def test_large_graphs_are_folded():
    xs = [Value(float(i)) for i in range(50)]
    total = viz.draw(nn.l2(xs, 1.0), max_parents=6).source
    assert "… 95 more" in total  # dot of 50 x 50: 100 parent slots, 5 shown
    # the output, the dot node and the 5 parents drawn, and l2's constant factor: no stray nodes
    assert total.count("shape=record") == 2 + 5 + 1 and total.count("constant ") == 1
    chain = Value(0.1)
    for _ in range(100):
        chain = chain.tanh()
    source = viz.draw(chain, max_nodes=10).source
    assert source.count("shape=record") == 10
    assert "… 1 more" in source


def test_colours_by_role():
    model = nn.MLP(2, [2, 1])
    x = Value(0.5, label="x")
    out = model([x, Value(1.0, requires_grad=False)])
    source = viz.draw(out, parameters=model).source
    for role in ("output", "parameter", "input", "intermediate"):
        assert viz.graph.COLOURS[role] in source
    assert "layers.1.neurons.0.b | data" in source


@pytest.mark.parametrize("suffix, magic", [(".svg", b"<svg"), (".png", b"\x89PNG")])
def test_render_files(tmp_path, suffix, magic):
    renderer_or_skip()
    L, _ = lecture_graph()
    path = viz.render(L, tmp_path / f"graph{suffix}")
    data = path.read_bytes()
    assert magic in data[:400] and len(data) > 500


def test_dot_source_needs_no_renderer(tmp_path, monkeypatch):
    monkeypatch.setattr(render_module, "find_dot", lambda: None)
    L, _ = lecture_graph()
    path = viz.render(L, tmp_path / "graph.dot")
    assert path.read_text().startswith("digraph")
    with pytest.raises(viz.MissingRendererError, match="install the 'viz' extra"):
        viz.render(L, tmp_path / "graph.svg")
    assert not (tmp_path / "graph.svg").exists()


def test_digraph_displays_itself_as_svg():
    renderer_or_skip()
    L, _ = lecture_graph()
    svg = viz.draw(L)._repr_image_svg_xml()
    assert "<svg" in svg and "data 2.0000" in svg


def test_cjk_labels_render_to_svg(tmp_path):
    renderer_or_skip()
    x = Value(1.0, label="输入")
    y = x * 2
    y.label = "输出"
    path = viz.render(y, tmp_path / "cjk.svg")
    assert "输出" in path.read_text(encoding="utf-8")


def test_unknown_format(tmp_path):
    with pytest.raises(ValueError, match=r"\.svg, \.png or \.dot"):
        viz.render(lecture_graph()[0], tmp_path / "graph.pdf")


def test_trace_of_e_lists_b_pile_as_2_plus_3():
    a, b, c, d, e = viz.texts_example()
    assert (a.data, b.data, c.data, d.data, e.data) == (2.0, 1.0, 3.0, 2.0, 6.0)
    trace = viz.trace_backward(e)
    assert [step.node.label for step in trace.steps] == ["e", "c", "d"]
    assert trace.piles[b] == [2.0, 3.0]
    assert trace.pile_text(b) == "b: 2 + 3 = 5"
    assert (trace.gradients[a], trace.gradients[b]) == (2.0, 5.0)
    assert (a.grad, b.grad) == (0.0, 0.0)  # a trace only reads
    text = str(trace)
    assert "b: 2 + 3 = 5" in text and "a: 2" in text
    first = trace.steps[0]
    assert [(edge.parent.label, edge.local, edge.contribution) for edge in first.edges] == [("c", 2.0, 2.0), ("d", 3.0, 3.0)]


def test_trace_piles_match_the_engine():
    model = nn.MLP(3, [4, 1], activation="tanh")
    out = model([0.1, -0.2, 0.3])
    trace = viz.trace_backward(out)
    out.backward()
    for value, received in trace.piles.items():
        assert sum(received) == pytest.approx(value.grad, rel=1e-12, abs=1e-15)


def test_backward_frames(tmp_path):
    renderer_or_skip()
    a, b = Value(2.0, label="a"), Value(1.0, label="b")
    e = (a + b) * (b + 1)
    frames = viz.render_backward_frames(e, tmp_path)
    assert len(frames) == 1 + 3
    assert all(frame.stat().st_size > 500 for frame in frames)
    assert "grad not yet" in frames[0].read_text() and "grad 0.0000" not in frames[0].read_text()
    page = (tmp_path / "index.html").read_text()
    assert "frame_003.svg" in page and "b: 2 + 3 = 5" in page


def test_plots_are_written(tmp_path):
    pytest.importorskip("matplotlib")
    X, y = nn.make_blobs(30, centers=3)
    model = nn.MLP(2, [4, 3])
    viz.plot_decision_boundary(model, X, y, tmp_path / "boundary.png", resolution=15)
    viz.plot_loss({"loss": [1.0, 0.5, 0.25], "accuracy": [0.3, 0.6, 0.9]}, tmp_path / "loss.png")
    for path in (tmp_path / "boundary.png", tmp_path / "loss.png"):
        assert path.read_bytes()[:4] == b"\x89PNG" and path.stat().st_size > 1000
    with pytest.raises(ValueError, match="non-empty loss history"):
        viz.plot_loss([], tmp_path / "empty.png")


def test_missing_matplotlib_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "matplotlib":
            raise ImportError("no matplotlib")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(viz.MissingDependencyError, match=r"chaingrad\[plot\]"):
        viz.plot_loss([1.0], "unused.png")
