"""Pictures that tell the truth: constants, names, edge products, numbers, frames, plots, labels, Jupyter."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import nn
import viz
from engine import Value


def renderer_or_skip():
    if viz.find_dot() is None:
        pytest.skip("no Graphviz renderer: neither dot nor graphviz-pure is installed (the 'viz' extra brings one)")


def test_constants_are_drawn_with_their_numbers():
    a, b, c, d, e = viz.texts_example()
    source = viz.draw(e).source
    assert 'v3_k1 [label="constant 1"' in source  # the 1 of d = b + 1
    assert "v3_k1 -> v3_op" in source
    x = Value(3.0, label="x")
    y = 2 * x ** 2 - Value(5.0, label="offset", requires_grad=False)
    source = viz.draw(y).source
    assert 'label="constant 2"' in source and source.count('label="constant 2"') == 2  # the factor and the exponent
    assert 'label="offset | constant 5"' in source  # an untracked Value is a constant too


def test_a_value_used_twice_keeps_both_edges_and_no_constant():
    x = Value(3.0, label="x")
    y = x * x
    y.backward()
    source = viz.draw(y, show_flow=True).source
    assert source.count("v0 -> v1_op") == 2 and "constant" not in source
    assert source.count('label="3 × 1 = 3"') == 2  # each slot carries 3: the pile is 6
    assert "grad 6.0000" in source


def test_names_are_the_same_in_pictures_captions_and_tables(tmp_path):
    renderer_or_skip()
    a, b = Value(2.0, label="a"), Value(1.0, label="b")
    e = (a + b) * (b + 1)  # no labels on the intermediate Values nor the root
    source = viz.draw(e).source
    for name in ("v2", "v3", "v4"):
        assert f'{name} [label="{name} | data' in source  # the picture shows the name captions use
    trace = viz.trace_backward(e)
    assert "v3: 3" in trace.table() and [trace.name(step.node) for step in trace.steps] == ["v4", "v2", "v3"]
    viz.render_backward_frames(e, tmp_path)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "step 1: v4 (grad 1) sends 2 × 1 = 2 to v2, 3 × 1 = 3 to v3" in page
    assert ">v4<" in (tmp_path / "frame_001.svg").read_text(encoding="utf-8")


def test_numbers_never_read_minus_zero():
    assert viz.format_number(-0.0) == "0.0000"
    assert viz.format_number(-0.00001) == "-1.000e-05"  # a real negative stays visible
    assert viz.format_number(-0.00004999) == "-4.999e-05"
    assert viz.format_number(-0.00005) == "-0.0001"
    assert viz.format_short(-0.0) == "0" and viz.format_short(-1e-300) == "-1e-300"
    x = Value(-2.0, label="x")
    y = x * 0.0  # gradient -0.0 * ... and data -0.0
    y.backward()
    source = viz.draw(y, show_flow=True).source
    assert "-0.0000" not in source and "data 0.0000" in source


def test_one_font_everywhere():
    source = viz.draw(viz.texts_example()[-1], show_flow=True).source
    assert "graph [fontname=Helvetica" in source and "node [fontname=Helvetica" in source
    assert "edge [fontname=Helvetica" in source
    assert source.count("fontname") == 3  # set once for graph, nodes and edges; nothing overrides it


def test_labels_are_shown_literally():
    x = Value(1.0, label="x &amp; {y} | <z> \"q\" \\n")
    source = viz.draw(x * 2).source
    assert 'x &amp;amp; \\{y\\} \\| \\<z\\> \\"q\\" \\\\n' in source


def test_literal_entities_in_the_svg():
    renderer_or_skip()
    x = Value(1.0, label="R&amp;D")
    svg = viz.draw(x * 2)._repr_image_svg_xml()
    assert ">R&amp;amp;D<" in svg  # a browser shows R&amp;D, not R&D


@pytest.mark.parametrize("label", ["a\x00b", "line\nbreak", "tab\there", "bell\x07", "\x7f", "\x85"])
def test_control_characters_are_refused_at_label(label):
    with pytest.raises(ValueError, match="control character"):
        Value(1.0, label=label)
    value = Value(1.0)
    with pytest.raises(ValueError, match="use printable text"):
        value.label = label


def test_backward_frames_show_flow_and_unreached(tmp_path):
    renderer_or_skip()
    e = viz.texts_example()[-1]
    frames = viz.render_backward_frames(e, tmp_path, show_flow=True)
    first, last = frames[1].read_text(encoding="utf-8"), frames[-1].read_text(encoding="utf-8")
    assert ">2 × 1 = 2<" in first and ">1 × 3 = 3<" not in first  # only edges that carried gradient are labelled
    assert ">grad 2 + 3 = 5<" in last and ">1 × 3 = 3<" in last
    assert ">grad 2 + …<" in frames[2].read_text(encoding="utf-8")  # b after c's step: one of its two edges arrived
    assert first.count(">grad not yet<") == 2  # a and b: not reached in step 1
    plain = viz.render_backward_frames(e, tmp_path / "plain", show_flow=False)
    assert " × " not in plain[-1].read_text(encoding="utf-8")
    with pytest.raises(TypeError, match="unknown options"):
        viz.render_backward_frames(e, tmp_path, grads={})


def test_backward_frames_max_frames(tmp_path):
    renderer_or_skip()
    x = Value(0.3, label="x")
    y = x
    for _ in range(12):
        y = y.tanh()
    frames = viz.render_backward_frames(y, tmp_path, max_frames=5)
    assert [frame.name for frame in frames] == ["frame_000.svg", "frame_001.svg", "frame_002.svg", "frame_003.svg",
                                                "frame_012.svg"]
    assert "grad " + viz.format_short(x.grad) in frames[-1].read_text(encoding="utf-8")
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "steps 4 to 11 are not drawn" in page
    with pytest.raises(ValueError, match="max_frames"):
        viz.render_backward_frames(y, tmp_path, max_frames=1)


def test_plots_return_figures_and_keep_the_backend(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    before = matplotlib.get_backend()
    matplotlib.use("svg")  # a backend a notebook might have: it must stay
    try:
        X, y = nn.make_blobs(20, centers=2)
        model = nn.MLP(2, [3, 1])
        figure = viz.plot_decision_boundary(model, X, y, resolution=8)
        curve = viz.plot_loss([1.0, 0.5, 0.25])
        assert isinstance(figure, Figure) and isinstance(curve, Figure)
        assert matplotlib.get_backend() == "svg"
        import matplotlib.pyplot as pyplot

        assert pyplot.get_fignums() == []  # not in pyplot's list: a later plt.show() shows only the user's figures
        assert curve._repr_png_()[:4] == b"\x89PNG"  # how Jupyter shows it inline
        assert not (tmp_path / "loss.png").exists()
        viz.plot_loss([1.0, 0.5], tmp_path / "loss.png")
        assert (tmp_path / "loss.png").read_bytes()[:4] == b"\x89PNG"
    finally:
        matplotlib.use(before)


def test_no_graphviz_warning_in_inline_output(capfd):
    renderer_or_skip()
    x = Value(1.0, label="输入")
    y = x * 2
    y.label = "输出"
    bundle = viz.draw(y)._repr_mimebundle_()
    assert "输出" in bundle["image/svg+xml"]
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


def _png_of(label: str, path: Path) -> bytes:
    x = Value(1.0, label=label)
    y = x * 2
    y.label = "y"
    return viz.render(y, path).read_bytes()


def test_cjk_labels_are_readable_in_png(tmp_path):
    renderer_or_skip()
    pytest.importorskip("resvg_py")
    if viz.files.find_cjk_font() is None:
        if os.environ.get("CHAINGRAD_REQUIRE_BROWSER") == "1":
            pytest.fail("CI installs a CJK font (.ci/browser) but find_cjk_font() found none", pytrace=False)
        pytest.skip("no CJK font installed (Debian: apt-get install fonts-wqy-microhei)")
    first = _png_of("输入", tmp_path / "first.png")
    second = _png_of("输出", tmp_path / "second.png")
    assert first[:4] == b"\x89PNG" and second[:4] == b"\x89PNG"
    # Missing glyphs all draw as the same box: two different words must give different pictures.
    assert first != second
    tofu = [_png_of(word, tmp_path / f"{word}.png") for word in ("ab", "cd")]
    assert tofu[0] != tofu[1]  # (and the same holds for Latin letters: the check can tell glyphs apart)


def test_cjk_png_without_a_font_says_what_to_install(tmp_path, monkeypatch):
    renderer_or_skip()
    pytest.importorskip("resvg_py")
    monkeypatch.setattr(viz.files, "find_cjk_font", lambda: None)
    with pytest.raises(viz.MissingFontError, match="fonts-wqy-microhei"):
        _png_of("输入", tmp_path / "cjk.png")
    assert not (tmp_path / "cjk.png").exists()


def test_a_users_own_digraph_renders_after_import_viz(tmp_path):
    if viz.files.find_bundled_dot() is None:
        pytest.skip("graphviz-pure (the 'viz' extra) is not installed")
    pytest.importorskip("graphviz")
    code = (
        "import shutil, graphviz, pathlib\n"
        "assert shutil.which('dot') is None\n"
        "import viz\n"
        "from graphviz.backend import dot_command\n"
        "assert dot_command.DOT_BINARY == pathlib.Path('dot')  # no private attribute written\n"
        "dot = graphviz.Digraph(format='svg', graph_attr={'rankdir': 'LR'})\n"  # micrograd's draw_dot
        "dot.node(name='1', label='{ a | data 2.0000 | grad 0.0000 }', shape='record')\n"
        "dot.node(name='1+', label='+')\n"
        "dot.edge('1+', '1')\n"
        "print(dot.pipe(encoding='utf-8').count('<svg'), sorted(dot._repr_mimebundle_()))\n"
    )
    environment = dict(os.environ, PATH=str(tmp_path / "empty"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment,
                            cwd=Path(__file__).resolve().parent.parent, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1 ['image/svg+xml']"


def test_explorer_page_is_self_contained_and_offline(tmp_path):
    renderer_or_skip()
    e = viz.texts_example()[-1]
    explorer = viz.explore(e, tmp_path / "page.html")
    page = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert page == explorer.html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing fetched from a network
    assert "<link" not in page and "@import" not in page and "<script src" not in page
    assert explorer._repr_html_().startswith("<iframe srcdoc=")


def test_explorer_steps_come_from_the_engine():
    renderer_or_skip()
    a, b, c, d, e = viz.texts_example()
    page = viz.explore(e).html
    data = json.loads(re.search(r'<script type="application/json" id="chaingrad-data">(.*?)</script>', page, re.S)[1])
    steps = data["steps"]
    assert [step["phase"] for step in steps] == ["start"] + ["forward"] * 3 + ["backward"] * 4 + ["done"]
    assert [step["node"] for step in steps[1:4]] == ["v2", "v3", "v4"]
    assert steps[3]["caption"] == "forward 3/3: e = c × d = 3 × 2 = 6"
    assert steps[6]["set"]["v1"] == {"grad": "grad 2 + …", "state": "partial", "hover": "data = 1.0\ngrad = 2.0"}
    assert steps[7]["set"]["v1"] == {"grad": "grad 2 + 3 = 5", "state": "complete", "hover": "data = 1.0\ngrad = 5.0"}
    assert steps[7]["labels"] == {"v3_in0": "1 × 3 = 3"}
    assert data["details"]["v1"]["lines"] == ["∂e/∂b = ∂e/∂c · ∂c/∂b + ∂e/∂d · ∂d/∂b", "= 2 × 1 + 3 × 1", "= 5"]
    assert (a.grad, b.grad) == (0.0, 0.0)  # the explorer only reads


def test_explorer_refuses_a_graph_too_large_to_follow():
    model = nn.MLP(4, [16, 16, 1])
    out = model([0.1, 0.2, 0.3, 0.4])
    with pytest.raises(viz.GraphTooLargeError, match="draws at most max_nodes=150.*explore a piece of it"):
        viz.explore(out)
    with pytest.raises(TypeError, match="viz draws a Value: chaingrad's, or any object with micrograd's"):
        viz.explore(3.0)


def test_a_big_mlp_is_drawn_by_layer():
    model = nn.MLP(4, [16, 16, 1], rng=0)
    out = model([Value(0.1, label="x1"), Value(0.2, label="x2"), 0.3, 0.4])
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    source = viz.draw(loss, parameters=model).source  # 400+ Values: more than max_nodes=200
    assert "more" not in source and "inputs | 2 Values" in source
    assert "layers.0 | Layer(nin=4, nout=16, activation='relu') | 80 parameters" in source
    assert "layers.1 | Layer(nin=16, nout=16, activation='relu') | 272 parameters" in source
    assert "layers.2 | Layer(nin=16, nout=1, activation='linear') | 17 parameters" in source
    assert "\\|grad\\|" in source  # the record's field separator escaped
    assert 'layer1 -> layer2 [label="256 edges"]' in source and 'layer3 -> output [label="1 edge"]' in source
    gradients = [abs(p.grad) for p in model.layers[2].parameters()]
    assert f"max {viz.format_number(max(gradients))}" in source
    assert "more" not in viz.draw(loss, parameters=model, max_nodes=1000).source  # a dot of 17 parents: by layer
    every = viz.draw(loss, parameters=model, max_nodes=1000, max_parents=40).source  # asked for: every Value
    assert every.count("shape=record") > 400 and "more" not in every
