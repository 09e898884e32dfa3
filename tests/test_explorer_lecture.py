"""The explorer at lecture scale, in headless Chromium at 1024x768 and 1280x800: the lecture's neuron
wholly visible at every step, an MLP's active node always in view, zoom and pan, the side panel and
the layout, the nudge and paths views, Chinese, and slides exported from the page."""

import base64
import re

import pytest

import nn
import viz
from engine import Value
from graphs import lecture_neuron as lecture_values, texts_example
from test_explorer_browser import browser, console_errors, keys, texts  # noqa: F401 - the fixture

SIZES = [(1024, 768), (1280, 800)]


def lecture_neuron():
    return lecture_values()["o"]


def lecture_mlp():
    """MLP(2, [3, 1]) with a squared-error loss."""
    model = nn.MLP(2, [3, 1], activation="tanh", rng=0)
    out = model([Value(2.0, label="x1"), Value(-1.0, label="x2")])
    out.label = "out"
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    return loss, model


def open_page(driver, explorer, width, height):
    driver.set_window_size(width, height)
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])
    driver.get(explorer.path.as_uri())
    assert driver.execute_script("return [window.innerWidth, window.innerHeight]") == [width, height]
    driver.get_log("browser")


INSIDE = """
const box = document.getElementById('graph').getBoundingClientRect();
const inside = function (element) {
  const r = element.getBoundingClientRect();
  return r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5;
};
"""


def all_nodes_inside(driver):
    return driver.execute_script(INSIDE + "return Array.from(document.querySelectorAll('#graph g.node'))"
                                 ".filter(g => !inside(g)).map(g => g.id)")


def active_inside(driver):
    """The active node, its op and this step's edges, those not wholly in view."""
    return driver.execute_script(INSIDE + """
const step = window.chaingrad.step();
if (!step.node) return [];
const ids = [step.node, step.node + '_op'].concat(step.edges);
return ids.filter(id => document.getElementById(id) && !inside(document.getElementById(id)));""")


@pytest.mark.parametrize("width, height", SIZES)
def test_the_lecture_neuron_is_wholly_visible_at_every_step(browser, tmp_path, width, height):  # noqa: F811
    explorer = viz.explore(lecture_neuron(), tmp_path / "neuron.html")
    open_page(browser, explorer, width, height)
    for step in range(len(explorer.captions)):
        browser.execute_script("window.chaingrad.show(arguments[0])", step)
        assert all_nodes_inside(browser) == [], f"step {step}"
        assert browser.find_element("id", "caption").text == explorer.captions[step]
    scale = browser.execute_script("return window.chaingrad.view().scale")
    assert scale >= 0.95  # 11-point text at least about 10 pixels high
    assert console_errors(browser) == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_mlp_opens_whole_at_1024_in_both_languages(browser, tmp_path, lang):  # noqa: F811
    """A projector at 1024x768: the MLP with its loss opens wholly in view, with its toolbar on one line
    (the Chinese buttons are wider: a second line of buttons pushed the loss off the bottom)."""
    loss, model = lecture_mlp()
    explorer = viz.explore(loss, tmp_path / "mlp.html", parameters=model, lang=lang)
    open_page(browser, explorer, 1024, 768)
    tops = browser.execute_script("return [...document.querySelectorAll('#controls button')].map(b => b.offsetTop)")
    assert len(set(tops)) == 1, tops
    assert all_nodes_inside(browser) == []
    assert console_errors(browser) == []


@pytest.mark.parametrize("width, height", SIZES)
def test_the_mlp_keeps_the_active_node_in_view(browser, tmp_path, width, height):  # noqa: F811
    loss, model = lecture_mlp()
    explorer = viz.explore(loss, tmp_path / "mlp.html", parameters=model)
    open_page(browser, explorer, width, height)
    steps = len(explorer.captions)
    for step in list(range(steps)) + list(range(steps - 1, -1, -1)):  # forward through the end and back
        browser.execute_script("window.chaingrad.show(arguments[0])", step)
        assert active_inside(browser) == [], f"step {step}"
    assert browser.execute_script("return window.chaingrad.view().scale") >= 0.9  # readable, not shrunk to fit
    keys(browser, "HOME")
    browser.find_element("id", "zoom-in").click()
    browser.execute_script("window.chaingrad.pan(-3000, -3000)")  # the teacher drags far away...
    browser.execute_script("window.chaingrad.show(5)")  # ...and the next step brings its node back
    assert active_inside(browser) == []
    assert console_errors(browser) == []


def test_zoom_pan_fit_panel_and_layout(browser, tmp_path):  # noqa: F811
    from selenium.webdriver.common.action_chains import ActionChains

    loss, model = lecture_mlp()
    explorer = viz.explore(loss, tmp_path / "mlp.html", parameters=model)
    open_page(browser, explorer, 1024, 768)
    view = lambda: browser.execute_script("return window.chaingrad.view()")  # noqa: E731
    browser.find_element("id", "fit").click()
    fitted = view()
    assert all_nodes_inside(browser) == []  # zoom to fit: everything in view
    keys(browser, "ADD")
    assert view()["scale"] > fitted["scale"]
    keys(browser, "SUBTRACT")
    keys(browser, "SUBTRACT")
    assert view()["scale"] < fitted["scale"] * 1.25
    browser.execute_script("window.chaingrad.fit()")
    graph = browser.find_element("id", "graph")
    before = view()
    browser.execute_script("""const box = document.getElementById('graph').getBoundingClientRect();
        document.getElementById('graph').dispatchEvent(new WheelEvent('wheel', {deltaY: -300,
        clientX: box.left + 100, clientY: box.top + 100, bubbles: true, cancelable: true}));""")
    zoomed = view()
    assert zoomed["scale"] > before["scale"]
    # the point under the pointer stays where it was
    assert abs((before["x"] + 100 / before["scale"]) - (zoomed["x"] + 100 / zoomed["scale"])) < 0.01
    ActionChains(browser).move_to_element_with_offset(graph, 10, 10).click_and_hold().move_by_offset(80, 40)\
        .release().perform()
    dragged = view()
    assert dragged["x"] == pytest.approx(zoomed["x"] - 80 / zoomed["scale"], abs=1 / zoomed["scale"])
    keys(browser, "ARROW_RIGHT")  # the arrows still step
    assert browser.execute_script("return window.chaingrad.current()") == 1
    width = graph.size["width"]
    browser.find_element("id", "panel").click()
    assert not browser.find_element("tag name", "aside").is_displayed() and graph.size["width"] > width + 200
    browser.find_element("tag name", "body").send_keys("p")
    assert browser.find_element("tag name", "aside").is_displayed()
    layout = browser.execute_script("return document.body.dataset.layout")
    browser.find_element("id", "layout").click()
    assert browser.execute_script("return document.body.dataset.layout") == ({"LR", "TB"} - {layout}).pop()
    assert browser.execute_script("return window.chaingrad.current()") == 1 and active_inside(browser) == []
    keys(browser, "END")
    if browser.execute_script("return document.body.dataset.neurons") == "boxes":
        browser.find_element("id", "neurons").click()  # every Value again
    assert texts(browser, "v0")[2].startswith("grad")  # the new layout's boxes show the steps too
    assert console_errors(browser) == []


def test_nudge_and_paths_views(browser, tmp_path):  # noqa: F811
    a, b, c, d, e = texts_example()
    explorer = viz.explore(e, tmp_path / "e.html")
    open_page(browser, explorer, 1024, 768)
    keys(browser, "END")
    browser.find_element("css selector", "#v1 text").click()  # b
    detail = lambda: browser.find_element("id", "detail").text.splitlines()  # noqa: E731
    assert detail()[1:] == ["∂e/∂b = ∂e/∂c · ∂c/∂b + ∂e/∂d · ∂d/∂b", "= 2 × 1 + 3 × 1", "= 5"]
    browser.find_element("css selector", "#tabs button[data-tab=nudge]").click()
    lines = detail()
    assert lines[1] == "nudge b by h = 0.001, run the forward pass again:"
    assert lines[2] == "e: 6 → 6.005 (Δe = 0.005001)"  # (3.001)(2.001) = 6.005001, six digits
    assert lines[3] == "Δe / h = 0.005001 / 0.001 = 5.001"
    assert lines[4] == "∂e/∂b × h = 5 × 0.001 = 0.005"
    browser.find_element("css selector", "#tabs button[data-tab=paths]").click()
    lines = detail()
    assert lines[1] == "2 path(s) from b to e, each the product of its local derivatives:"
    assert sorted(lines[2:4]) == ["b → c → e: 1 × 2 = 2", "b → d → e: 1 × 3 = 3"]
    assert lines[4] == "sum over the paths = 5; backpropagation's pile (堆放) = 5"
    assert lines[5].startswith("multiplications: 2 summing over the 2 path(s)") and "5 by backpropagation" in lines[5]
    browser.find_element("css selector", "#v0 text").click()  # a: the tab stays
    assert detail()[1] == "1 path(s) from a to e, each the product of its local derivatives:"
    assert console_errors(browser) == []
    assert (a.grad, b.grad, e.grad) == (0.0, 0.0, 0.0)  # the views only read


def test_lang_zh_new_controls_and_views(browser, tmp_path):  # noqa: F811
    e = texts_example()[-1]
    explorer = viz.explore(e, tmp_path / "zh.html", lang="zh")
    open_page(browser, explorer, 1024, 768)
    assert browser.find_element("id", "fit").text == "⤢ 适应窗口"
    assert browser.find_element("id", "panel").text == "▤ 侧栏" and browser.find_element("id", "layout").text == "⇄ 布局"
    assert [b.text for b in browser.find_elements("css selector", "#tabs button")] == ["链式法则", "微调", "路径"]
    browser.find_element("css selector", "#v1 text").click()
    browser.find_element("css selector", "#tabs button[data-tab=paths]").click()
    text = browser.find_element("id", "detail").text
    assert "从 b 到 e 共 2 条路径" in text and "反向传播堆放起来的梯度 = 5" in text and "乘法次数" in text
    browser.find_element("css selector", "#tabs button[data-tab=nudge]").click()
    assert "把 b 增加 h = 0.001，再做一遍正向传播：" in browser.find_element("id", "detail").text
    assert console_errors(browser) == []


def test_slides_export_the_current_step(browser, tmp_path):  # noqa: F811
    e = texts_example()[-1]
    explorer = viz.explore(e, tmp_path / "e.html")
    open_page(browser, explorer, 1024, 768)
    browser.execute_script("window.chaingrad.show(7)")
    svg = browser.execute_script("return window.chaingrad.exportSvg()")
    assert svg.startswith("<svg") and "grad 2 + 3 = 5" in svg and "1 × 3 = 3" in svg
    assert "g.edge.cg-active path" in svg  # the step's colours travel with it
    assert 'class="node cg-active"' in svg or "cg-active" in svg
    size = browser.execute_script("return window.chaingrad.full()")
    assert re.search(rf'width="{round(size["w"] * 4 / 3)}"', svg)
    (tmp_path / "step7.svg").write_text(svg, encoding="utf-8")
    png = browser.execute_async_script("const done = arguments[arguments.length - 1];"
                                       "window.chaingrad.exportPng(2).then(done, e => done('error: ' + e));")
    assert png.startswith("data:image/png;base64,")
    data = base64.b64decode(png.split(",", 1)[1])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (round(size["w"] * 4 / 3 * 2), round(size["h"] * 4 / 3 * 2))
    # the page's buttons make files of the same
    assert browser.find_element("id", "export-svg").is_displayed() and browser.find_element("id", "export-png").is_displayed()
    assert console_errors(browser) == []


def test_a_wide_static_picture_fits_the_notebook_width(browser, tmp_path):  # noqa: F811
    x = Value(0.5, label="x")
    y = x
    for _ in range(12):  # a long chain: far wider than a notebook's output
        y = (y * 1.1).tanh()
    y.label = "y"
    picture = viz.draw(y, show_flow=True)
    svg = picture._repr_mimebundle_()["image/svg+xml"]
    cell = tmp_path / "cell.html"
    cell.write_text("<!doctype html><meta charset='utf-8'><div id='output' style='width: 700px'>" + svg
                    + "</div>", encoding="utf-8")
    browser.set_window_size(1024, 768)
    browser.get(cell.as_uri())
    width, right, inside = browser.execute_script(
        "const s = document.querySelector('#output svg').getBoundingClientRect();"
        "const o = document.getElementById('output').getBoundingClientRect();"
        "return [s.width, s.right, o.right];")
    assert width <= 700 and right <= inside + 0.5
    small = viz.draw(texts_example()[-1])._repr_mimebundle_()["image/svg+xml"]
    cell.write_text("<!doctype html><meta charset='utf-8'><div id='output' style='width: 700px'>" + small
                    + "</div>", encoding="utf-8")
    browser.get(cell.as_uri())
    natural = float(re.search(r'width="([\d.]+)pt"', small)[1]) * 4 / 3
    assert browser.execute_script("return document.querySelector('#output svg').getBoundingClientRect().width") \
        == pytest.approx(natural, abs=1)  # a small picture keeps its own size


def test_a_neuron_is_one_box_that_opens_on_a_click(browser, tmp_path):  # noqa: F811
    loss, model = lecture_mlp()
    explorer = viz.explore(loss, tmp_path / "mlp.html", parameters=model)
    open_page(browser, explorer, 1024, 768)
    assert browser.execute_script("return document.body.dataset.neurons") == "boxes"  # too big to read whole
    boxes = browser.execute_script("return Array.from(document.querySelectorAll('#graph g.node'))"
                                   ".filter(g => g.querySelector('ellipse[fill]') && g.textContent.includes('w·x'))"
                                   ".map(g => g.querySelector('text').textContent)")
    assert sorted(boxes) == ["tanh(w·x + b)"] * 3 + ["w·x + b"]  # three tanh neurons, one linear
    for step in range(len(explorer.captions)):  # every step lights its node, or the box that holds it
        browser.execute_script("window.chaingrad.show(arguments[0])", step)
        assert all_nodes_inside(browser) == [] and active_inside(browser) == [], f"step {step}"
        if browser.execute_script("return window.chaingrad.step().node"):
            assert browser.execute_script("return document.querySelectorAll('#graph g.node.cg-active').length") >= 1
    browser.execute_script("window.chaingrad.show(3)")
    box = browser.execute_script("return Object.keys(window.chaingrad.neurons())[0]")
    browser.find_element("css selector", f"#{box}_op text").click()
    assert browser.execute_script("return document.body.dataset.neurons") == "open"
    hidden = browser.execute_script("return window.chaingrad.neurons()[arguments[0]]", box)
    assert browser.execute_script(INSIDE + "return arguments[0].filter(id => !inside(document.getElementById(id)))",
                                  [box] + hidden) == []  # the opened neuron is in view
    assert browser.find_element("id", "detail").text.startswith(box)
    browser.find_element("tag name", "body").send_keys("n")
    assert browser.execute_script("return document.body.dataset.neurons") == "boxes"
    assert console_errors(browser) == []


def test_the_exact_numbers_are_on_hover_at_every_step(browser, tmp_path):  # noqa: F811
    a = Value(0.1, label="a")
    b = Value(0.2, label="b")
    s = a + b  # 0.30000000000000004
    s.label = "s"
    y = s * s
    y.label = "y"
    explorer = viz.explore(y, tmp_path / "hover.html")
    open_page(browser, explorer, 1024, 768)
    hover = lambda node: browser.execute_script(  # noqa: E731
        "return document.getElementById(arguments[0]).querySelector('a')"
        ".getAttributeNS('http://www.w3.org/1999/xlink', 'title')", node)
    assert hover("v0") == "data = 0.1" and hover("v2") == ""  # s: not computed yet
    keys(browser, "ARROW_RIGHT")
    assert texts(browser, "v2")[1] == "data 0.3000" and hover("v2") == "data = 0.30000000000000004"
    keys(browser, "END")
    assert hover("v2") == "data = 0.30000000000000004\ngrad = 0.6000000000000001"
    assert console_errors(browser) == []


def test_hiding_the_panel_shows_the_neuron_larger(browser, tmp_path):  # noqa: F811
    explorer = viz.explore(lecture_neuron(), tmp_path / "neuron.html")
    open_page(browser, explorer, 1024, 768)
    browser.execute_script("window.chaingrad.show(9)")
    before = browser.execute_script("return window.chaingrad.view().scale")
    browser.find_element("id", "panel").click()
    after = browser.execute_script("return window.chaingrad.view().scale")
    assert after > before * 1.05 and all_nodes_inside(browser) == []  # refitted, the layout the width suits
    assert browser.execute_script("return window.chaingrad.current()") == 9
    assert console_errors(browser) == []
