"""Truthful, quiet pictures: the numbers of boxes, captions, edges and tables in one format, no float
noise, the exact value on hover; no 'constant 0' for engine.sum; a dot caption shows its products."""

import json
import re

import engine
import viz
from engine import Value
from graphs import lecture_neuron


def _steps(page):
    return json.loads(re.search(r'id="chaingrad-data">(.*?)</script>', page, re.S)[1])["steps"]


def test_one_format_for_boxes_captions_edges_and_tables():
    assert [viz.format_short(x) for x in (2.0, 0.279408, -0.279408, 1.19, 6.881373587019543, -0.0)] == \
        ["2", "0.2794", "-0.2794", "1.19", "6.8814", "0"]
    assert viz.format_short(1.23e-7) == "1.23e-07" and viz.format_short(3e9) == "3e+09"
    assert viz.format_number(0.279408) == "0.2794"  # the box: the same rounding, micrograd's 4 decimals
    x = Value(0.279408, label="x")
    y = x * -1.0
    y.label = "y"
    captions = viz.explore(y).captions
    assert captions[1] == "forward 1/1: y = x × -1 = 0.2794 × (-1) = -0.2794"
    assert captions[3] == "y (grad 1) sends -1 × 1 = -1 to x"


def test_a_sum_that_cancels_reads_zero_and_keeps_its_exact_value_on_hover():
    a = Value(0.1, label="a")
    b = Value(0.2, label="b")
    c = Value(-0.3, label="c")
    s = a + b + c  # 0.1 + 0.2 - 0.3 = 5.55e-17 in doubles
    s.label = "s"
    assert s.data != 0.0
    page = viz.explore(s).html
    captions = [step["caption"] for step in _steps(page)]
    assert captions[2] == "forward 2/2: s = v3 + c = 0.3 + (-0.3) = 0"
    assert "e-17" not in "".join(captions)
    assert "data = 5.551115123125783e-17" in page  # the exact value, on hover
    source = viz.draw(s).source
    assert "s | data 0.0000" in source and "e-17" not in source.split("tooltip")[0]
    assert 'tooltip="data = 5.551115123125783e-17' in source
    tiny = Value(1e-7, label="tiny") * 1.0  # a real small number is not noise
    assert "data 1.000e-07" in viz.draw(tiny).source


def test_a_pile_that_cancels_reads_zero():
    x = Value(3.0, label="x")
    y = x * 0.1 + x * 0.2 - x * 0.3  # dy/dx = 0.1 + 0.2 - 0.3
    trace = viz.trace_backward(y)
    assert trace.pile_text(x) == "x: -0.3 + 0.1 + 0.2 = 0"  # x * 0.3 is nearest the output: its share comes first
    y.backward()
    assert x.grad != 0.0 and "grad 0.0000" in viz.draw(y).source.split("x |")[1].split("]")[0]


def test_engine_sum_draws_no_constant_zero():
    xs = [Value(float(i), label=f"x{i}") for i in range(3)]
    total = engine.sum(xs)
    total.label = "total"
    source = viz.draw(total).source
    assert "constant" not in source
    assert viz.explore(total).captions[1] == "forward 1/1: total = x0 + x1 + x2 = 0 + 1 + 2 = 3"
    given = engine.sum(xs, start=5.0)  # a start that is given is drawn
    assert "constant 5" in viz.draw(given).source
    mixed = engine.sum([xs[0], 2.0, xs[1]])
    assert viz.draw(mixed).source.count("constant ") == 1


def test_a_dot_caption_shows_which_number_multiplies_which():
    x1, x2 = Value(0.5, label="x1"), Value(2.0, label="x2")
    w0, w1 = Value(1.19, label="w0"), Value(-0.3, label="w1")
    b = Value(0.1, label="b")
    n = engine.dot([w0, w1], [x1, x2], b)
    n.label = "n"
    caption = viz.explore(n).captions[1]
    assert caption == "forward 1/1: n = w0·x1 + w1·x2 + b = 1.19 × 0.5 + (-0.3) × 2 + 0.1 = 0.095"
    constants = engine.dot([w0, w1], [0.5, 2.0])
    constants.label = "m"
    assert viz.explore(constants).captions[1] == "forward 1/1: m = w0·0.5 + w1·2 = 1.19 × 0.5 + (-0.3) × 2 = -0.005"
    wide = engine.dot([Value(1.0) for _ in range(10)], [float(i) for i in range(10)])
    assert "… +" in viz.explore(wide).captions[1]


def test_the_lecture_neuron_reads_as_the_lecture():
    o = lecture_neuron()["o"]
    captions = viz.explore(o).captions
    assert "forward 4/5: n = x1*w1 + x2*w2 + b = -6 + 6.8814 = 0.8814" in captions
    assert "forward 5/5: o = tanh(n) = tanh(0.8814) = 0.7071" in captions
    text = "\n".join(captions)
    assert not re.search(r"\d\.\d{5,}", text) and "e-1" not in text  # no float noise anywhere
    assert "o (grad 1) sends 0.5 × 1 = 0.5 to n" in text


def test_the_layer_view_chains_inputs_layers_output_and_loss():
    import nn

    model = nn.MLP(2, [3, 1], rng=0)
    out = model([1.0, -1.0])  # plain numbers as inputs
    out.label = "out"
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    source = viz.draw_layers(loss, model).source
    edges = re.findall(r"\t(\w+) -> (\w+)", source)
    assert edges == [("inputs", "layer1"), ("layer1", "layer2"), ("layer2", "output"), ("output", "loss")]
    assert 'inputs -> layer1 [label="6 numbers" style=dashed]' in source  # connected, as what they are
    assert "out | data" in source and "loss | data" in source
    no_loss = viz.draw_layers(out, model).source
    assert re.findall(r"\t(\w+) -> (\w+)", no_loss)[-1] == ("layer2", "output") and "loss" not in no_loss
    deep = nn.MLP(2, [3, 3, 1], rng=0)
    loss = (deep([Value(1.0, label="x1"), Value(2.0, label="x2")]) - 1.0) ** 2
    assert re.findall(r"\t(\w+) -> (\w+)", viz.draw_layers(loss, deep).source) == [
        ("inputs", "layer1"), ("layer1", "layer2"), ("layer2", "layer3"), ("layer3", "output"), ("output", "loss")]
