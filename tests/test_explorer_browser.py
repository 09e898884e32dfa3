"""The explorer in a real browser: headless Chromium driven by selenium through chromedriver.

Without a browser (or selenium) these tests skip and say why; .ci/run installs Debian's chromium and
chromium-driver (.ci/browser) and sets CHAINGRAD_REQUIRE_BROWSER=1, which turns that skip into a failure.
"""

import os
import shutil

import pytest

import engine
import nn
import viz
from engine import Value

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
DRIVERS = ("chromedriver",)


def _unavailable(reason: str):
    if os.environ.get("CHAINGRAD_REQUIRE_BROWSER") == "1":
        pytest.fail(f"CHAINGRAD_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (pip install 'chaingrad[test]')")
    binary = next((path for path in map(shutil.which, BROWSERS) if path), None)
    driver_path = next((path for path in map(shutil.which, DRIVERS) if path), None)
    if binary is None or driver_path is None:
        _unavailable("no headless browser: install Debian's chromium and chromium-driver (bash .ci/browser)")
    if viz.find_dot() is None:
        _unavailable("no Graphviz renderer for the explorer's layout (the 'viz' extra brings graphviz-pure)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1200,800"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def page(browser, tmp_path):
    """The explorer of e = (a + b)(b + 1) at a = 2, b = 1, loaded from a file:// URL."""
    e = viz.texts_example()[-1]
    path = viz.explore(e, tmp_path / "explore.html").path
    browser.get(path.as_uri())
    browser.get_log("browser")  # start each test with an empty console
    return browser


def keys(driver, key, times=1):
    from selenium.webdriver.common.keys import Keys

    body = driver.find_element("tag name", "body")
    for _ in range(times):
        body.send_keys(getattr(Keys, key))


def texts(driver, node):
    return driver.execute_script(
        "return Array.from(document.getElementById(arguments[0]).querySelectorAll('text')).map(t => t.textContent)", node)


def classes(driver, element):
    return set(driver.execute_script("return Array.from(document.getElementById(arguments[0]).classList)", element))


def active_edges(driver):
    return sorted(driver.execute_script("return Array.from(document.querySelectorAll('g.edge.cg-active')).map(e => e.id)"))


def visible_label(driver, edge):
    return driver.execute_script(
        "const t = document.getElementById(arguments[0]).querySelector('text');"
        "return getComputedStyle(t).visibility === 'visible' ? t.textContent : null", edge)


def console_errors(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]


# ids: v0 a, v1 b, v2 c = a + b, v3 d = b + 1 (constant v3_k1), v4 e = c * d


def test_every_step_of_the_texts_example(page):
    caption = lambda: page.find_element("id", "caption").text  # noqa: E731
    assert page.find_element("id", "counter").text == "step 0 / 8"
    assert texts(page, "v2") == ["c", "data ?", "grad not yet"] and "cg-pending" in classes(page, "v2")
    assert texts(page, "v1") == ["b", "data 1.0000", "grad not yet"] and "cg-computed" in classes(page, "v1")
    assert texts(page, "v3_k1") == ["constant 1"]
    keys(page, "ARROW_RIGHT")  # forward: c
    assert caption() == "forward 1/3: c = a + b = 2 + 1 = 3"
    assert texts(page, "v2")[1] == "data 3.0000" and "cg-active" in classes(page, "v2")
    keys(page, "ARROW_RIGHT", 2)  # forward: d, e
    assert caption() == "forward 3/3: e = c × d = 3 × 2 = 6"
    keys(page, "ARROW_RIGHT")  # the seed
    assert texts(page, "v4")[2] == "grad 1" and "cg-complete" in classes(page, "v4")
    assert texts(page, "v2")[2] == "grad not yet" and "cg-computed" in classes(page, "v2")  # not reached: no 0
    keys(page, "ARROW_RIGHT")  # e sends to c and d
    assert caption() == "e (grad 1) sends 2 × 1 = 2 to c, 3 × 1 = 3 to d"
    assert active_edges(page) == ["v4_in0", "v4_in1", "v4_out"]
    assert visible_label(page, "v4_in0") == "2 × 1 = 2" and visible_label(page, "v4_in1") == "3 × 1 = 3"
    assert visible_label(page, "v2_in0") is None  # not carried yet: no label
    assert texts(page, "v1")[2] == "grad not yet"
    keys(page, "ARROW_RIGHT")  # c sends to a and b
    assert active_edges(page) == ["v2_in0", "v2_in1", "v2_out"]
    assert texts(page, "v0")[2] == "grad 2" and "cg-complete" in classes(page, "v0")
    assert texts(page, "v1")[2] == "grad 2 + …" and "cg-partial" in classes(page, "v1")
    assert visible_label(page, "v4_in0") == "2 × 1 = 2"  # carried before: the label stays
    keys(page, "ARROW_RIGHT")  # d sends to b
    assert caption() == "d (grad 3) sends 1 × 3 = 3 to b; b's pile: 2 + 3 = 5"
    assert active_edges(page) == ["v3_in0", "v3_out"]
    assert texts(page, "v1")[2] == "grad 2 + 3 = 5" and "cg-complete" in classes(page, "v1")
    keys(page, "ARROW_RIGHT")
    assert page.find_element("id", "counter").text == "step 8 / 8" and active_edges(page) == []
    assert texts(page, "v1")[2] == "grad 2 + 3 = 5"
    keys(page, "ARROW_RIGHT")  # past the end: stays
    assert page.find_element("id", "counter").text == "step 8 / 8"
    keys(page, "ARROW_LEFT", 2)  # back to 'c sends': b's pile shrinks again
    assert texts(page, "v1")[2] == "grad 2 + …"
    assert console_errors(page) == []


def test_home_end_slider_and_buttons(page):
    keys(page, "END")
    assert page.find_element("id", "counter").text == "step 8 / 8"
    keys(page, "HOME")
    assert texts(page, "v1")[2] == "grad not yet"
    page.execute_script("const s = document.getElementById('slider'); s.value = '7';"
                        "s.dispatchEvent(new Event('input'))")
    assert texts(page, "v1")[2] == "grad 2 + 3 = 5" and active_edges(page) == ["v3_in0", "v3_out"]
    page.find_element("id", "previous").click()
    assert page.find_element("id", "counter").text == "step 6 / 8"
    page.find_element("id", "first").click()
    page.find_element("id", "next").click()
    assert page.find_element("id", "caption").text.startswith("forward 1/3")
    assert console_errors(page) == []


def test_play_runs_to_the_end(page):
    from selenium.webdriver.support.ui import WebDriverWait

    page.find_element("id", "play").click()
    assert page.find_element("id", "play").text == "⏸ pause"
    WebDriverWait(page, 20, poll_frequency=0.2).until(lambda d: d.find_element("id", "counter").text == "step 8 / 8")
    WebDriverWait(page, 5, poll_frequency=0.2).until(lambda d: d.find_element("id", "play").text == "▶ play")
    assert console_errors(page) == []


def test_clicking_a_node_shows_its_chain_rule_sum(page):
    keys(page, "END")
    page.find_element("css selector", "#v1 text").click()
    detail = page.find_element("id", "detail").text.splitlines()
    assert detail[0] == "b (input, data 1.0000)"
    assert detail[1:] == ["∂e/∂b = ∂e/∂c · ∂c/∂b + ∂e/∂d · ∂d/∂b", "= 2 × 1 + 3 × 1", "= 5"]
    page.find_element("css selector", "#v4 text").click()
    assert "∂e/∂e = 1" in page.find_element("id", "detail").text
    page.find_element("css selector", "#v3_k1 text").click()
    assert "no gradient flows to it" in page.find_element("id", "detail").text
    assert console_errors(page) == []


def test_inline_in_a_notebook_output(browser, tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait

    e = viz.texts_example()[-1]
    notebook_cell = tmp_path / "cell.html"
    notebook_cell.write_text("<!doctype html><meta charset='utf-8'><div class='output'>"
                             + viz.explore(e)._repr_html_() + "</div>", encoding="utf-8")
    browser.get(notebook_cell.as_uri())
    browser.switch_to.frame(browser.find_element("tag name", "iframe"))
    try:
        WebDriverWait(browser, 10, poll_frequency=0.1).until(lambda d: d.execute_script("return !!window.chaingrad"))
        browser.find_element("id", "last").click()
        assert texts(browser, "v1")[2] == "grad 2 + 3 = 5"
        keys(browser, "ARROW_LEFT")  # the keys work once the frame has the focus (here: after the click)
        assert browser.find_element("id", "counter").text == "step 7 / 8"
    finally:
        browser.switch_to.default_content()
    assert console_errors(browser) == []


def _square():
    x = Value(3.0, label="x")
    y = x * x  # one parent in two slots: two edges, a pile of two
    y.label = "y"
    return y, {"v0": "grad 3 + 3 = 6", "v1": "grad 1"}


def _neuron():
    model = nn.MLP(3, [4, 1], activation="tanh", rng=1)
    out = model([Value(0.5, label="输入"), Value(-1.0, label="x2"), 0.25])
    loss = (out - 1.0) ** 2
    loss.label = "损失"
    return loss, model


def test_a_larger_graph_steps_without_errors(browser, tmp_path):
    loss, model = _neuron()
    explorer = viz.explore(loss, tmp_path / "neuron.html", parameters=model)
    browser.get(explorer.path.as_uri())
    browser.get_log("browser")
    count = browser.execute_script("return window.chaingrad.steps")
    assert count == len(explorer.captions) > 20
    for step in range(count):
        browser.execute_script("window.chaingrad.show(arguments[0])", step)
        assert browser.find_element("id", "caption").text == explorer.captions[step]
    order = engine.topological_order(loss)
    x1 = next(value for value in order if value.label == "输入")
    node = f"v{order.index(x1)}"
    assert x1.grad == 0.0  # the explorer only reads; the engine's own pass, for comparison:
    loss.backward()
    assert texts(browser, node)[0] == "输入" and texts(browser, node)[2].endswith(f"= {viz.format_short(x1.grad)}")
    assert texts(browser, f"v{len(order) - 1}") == ["损失", f"data {viz.format_number(loss.data)}", "grad 1"]
    assert console_errors(browser) == []


def test_a_value_used_twice(browser, tmp_path):
    y, expected = _square()
    browser.get(viz.explore(y, tmp_path / "square.html").path.as_uri())
    browser.get_log("browser")
    keys(browser, "END")
    for node, grad in expected.items():
        assert texts(browser, node)[2] == grad
    keys(browser, "ARROW_LEFT")
    assert active_edges(browser) == ["v1_in0", "v1_in1", "v1_out"]
    assert visible_label(browser, "v1_in0") == "3 × 1 = 3" and visible_label(browser, "v1_in1") == "3 × 1 = 3"
    assert console_errors(browser) == []


def test_lang_zh_buttons_legend_and_captions(browser, tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait

    e = viz.texts_example()[-1]
    browser.get(viz.explore(e, tmp_path / "zh.html", lang="zh").path.as_uri())
    browser.get_log("browser")
    assert browser.find_element("id", "counter").text == "第 0 / 8 步"
    assert browser.find_element("id", "play").text == "▶ 播放"
    assert "图例" in browser.find_element("tag name", "aside").text
    assert "局部导数 × 上游梯度 = 发送量" in browser.find_element("id", "legend").text
    assert texts(browser, "v2") == ["c", "data ?", "grad 未算"] and texts(browser, "v3_k1") == ["常数 1"]
    keys(browser, "ARROW_RIGHT", 7)
    assert browser.find_element("id", "caption").text == "d（梯度 3）向 b 发送 1 × 3 = 3；b 堆放起来的量：2 + 3 = 5"
    assert texts(browser, "v1")[2] == "grad 2 + 3 = 5"
    browser.find_element("css selector", "#v1 text").click()
    assert browser.find_element("id", "detail").text.splitlines()[0] == "b（输入，data 1.0000）"
    keys(browser, "HOME")
    browser.find_element("id", "play").click()
    assert browser.find_element("id", "play").text == "⏸ 暂停"
    browser.find_element("id", "play").click()
    WebDriverWait(browser, 5, poll_frequency=0.2).until(lambda d: d.find_element("id", "play").text == "▶ 播放")
    assert console_errors(browser) == []


@pytest.mark.parametrize("label", ["<!--<script>", "</script><b>x</b>", "a <!-- b"])
def test_a_label_with_html_in_it_keeps_the_page_working(browser, tmp_path, label):
    x = Value(2.0, label=label)
    y = x * x
    y.label = "y"
    page = viz.explore(y, tmp_path / "label.html")
    data = page.html.split('id="chaingrad-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data  # every '<' of the embedded steps is written \u003c
    browser.get(page.path.as_uri())
    browser.get_log("browser")
    keys(browser, "END")
    assert browser.execute_script("return window.chaingrad.steps") == len(page.captions)
    assert texts(browser, "v0")[0] == label and texts(browser, "v0")[2] == "grad 2 + 2 = 4"
    assert console_errors(browser) == []
