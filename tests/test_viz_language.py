"""lang='zh' and lang='en': the explorer's captions, buttons and legend, the trace table, the frames and
the pictures' words, in the backprop texts' own terms."""

import re

import pytest

import nn
import viz
from engine import Value


def test_explorer_captions_in_chinese():
    e = viz.texts_example()[-1]
    captions = viz.explore(e, lang="zh").captions
    assert captions[0] == "e 的计算图：输入已知（2 个叶子节点），还有 3 个运算要算"
    assert captions[1] == "正向传播 1/3：c = a + b = 2 + 1 = 3"
    assert captions[4] == "反向传播开始：∂e/∂e = 1（起点）"
    assert captions[5] == "e（梯度 1）向 c 发送 2 × 1 = 2，向 d 发送 3 × 1 = 3"
    assert captions[7] == "d（梯度 3）向 b 发送 1 × 3 = 3；b 堆放起来的量：2 + 3 = 5"
    assert captions[8].startswith("反向传播结束") and "链式法则" in captions[8]
    # the same steps as in English, word for word only where numbers and symbols are concerned
    english = viz.explore(e, lang="en").captions
    assert english[5] == "e (grad 1) sends 2 × 1 = 2 to c, 3 × 1 = 3 to d"
    assert [re.findall(r"\d+", text) for text in english[1:8]] == [re.findall(r"\d+", text) for text in captions[1:8]]


def test_explorer_page_words_in_chinese():
    e = viz.texts_example()[-1]
    page = viz.explore(e, lang="zh").html
    assert '<html lang="zh-CN">' in page
    for words in ("▶ 播放", "链式法则", "图例", "局部导数 × 上游梯度 = 发送量", "还在堆放", "正向传播与反向传播",
                  "grad 未算", "常数 1"):
        assert words in page, words
    english = viz.explore(e).html
    assert '<html lang="en">' in english and "▶ play" in english and "chain rule" in english
    for words in ("播放", "链式法则", "图例", "未算"):
        assert words not in english
    assert "计算图逐步演示" in viz.explore(e, lang="zh")._repr_html_()


def test_trace_table_in_chinese_lines_up():
    e = viz.texts_example()[-1]
    table = viz.trace_backward(e, lang="zh").table()
    lines = table.splitlines()
    assert lines[0].split() == ["步", "节点", "梯度", "->", "发送给", "局部导数", "发送量", "堆放起来的量"]
    assert "堆放：每个节点的梯度，是它收到的各份之和" in lines
    assert "  b: 2 + 3 = 5" in lines
    # columns line up on screen: a Chinese character takes two columns
    header, first = lines[0], lines[1]
    width = lambda text: sum(2 if "\u4e00" <= c <= "\u9fff" else 1 for c in text)  # noqa: E731
    assert width(header[: header.index("局部导数")]) == len(first[: first.index("2 ")])
    assert str(viz.trace_backward(e)).splitlines()[0].split()[:4] == ["step", "node", "grad", "->"]


def test_frames_in_chinese(tmp_path):
    e = viz.texts_example()[-1]
    frames = viz.render_backward_frames(e, tmp_path, lang="zh")
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "反向传播，逐帧演示（堆放）" in page and "← 上一帧" in page
    assert "第 1 步：e（梯度 1）向 c 发送 2 × 1 = 2，向 d 发送 3 × 1 = 3" in page
    assert "正向传播完成" in page and "堆放起来的量" in page
    assert "grad 未算" in frames[0].read_text(encoding="utf-8")


def test_pictures_words_in_chinese():
    x = Value(2.0, label="x")
    y = x + 1
    source = viz.draw(y, lang="zh").source
    assert "常数 1" in source and "constant" not in source
    grads = viz.draw(y, grads={}, lang="zh").source
    assert "grad 未算" in grads
    model = nn.MLP(2, [3, 1], rng=0)
    loss = (model([1.0, -1.0]) - 1.0) ** 2
    layers = viz.draw_layers(loss, model, lang="zh").source
    assert "个参数" in layers and "条边" in layers and "parameters" not in layers


@pytest.mark.parametrize("call", [
    lambda e, tmp: viz.explore(e, lang="fr"),
    lambda e, tmp: viz.trace_backward(e, lang="cn"),
    lambda e, tmp: viz.draw(e, lang="EN"),
    lambda e, tmp: viz.render_backward_frames(e, tmp, lang="chinese"),
])
def test_an_unknown_language_is_refused_by_name(call, tmp_path):
    e = viz.texts_example()[-1]
    with pytest.raises(ValueError, match=r"lang must be 'en' \(English\) or 'zh' \(中文\), got '"):
        call(e, tmp_path)
    assert not list(tmp_path.iterdir())  # refused before any file is written
