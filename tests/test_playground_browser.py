"""The playground in a real browser: the site built once (npm fetches Pyodide and viz-js the first time;
the tarballs are cached in ~/.cache/chaingrad/npm), served on 127.0.0.1, driven in headless Chromium.

Without npm (and no cached tarballs), a browser or selenium these tests skip and say why; .ci/run
installs them (.ci/playground, .ci/browser) and sets CHAINGRAD_REQUIRE_PLAYGROUND=1, which turns a
skip into a failure.
"""

import json
import os
import shutil
import tempfile
import zipfile

import pytest

from viz.playground import build as site_build

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
PROGRAM = "a = Value(2.0)\nb = Value(1.0)\ne = (a + b) * (b + 1)\ne.backward()\nprint(a.grad, b.grad)\n"


def _unavailable(reason: str):
    if os.environ.get("CHAINGRAD_REQUIRE_PLAYGROUND") == "1":
        pytest.fail(f"CHAINGRAD_REQUIRE_PLAYGROUND=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    cache = site_build.cache_folder()
    cached = all((cache / site_build._tarball_name(package, version)).is_file()
                 for package, (version, _, _) in site_build.PACKAGES.items())
    if not cached and shutil.which("npm") is None:
        _unavailable("npm is not installed (Debian: apt-get install nodejs npm; bash .ci/playground)")
    try:
        path = site_build.build(tmp_path_factory.mktemp("playground") / "site")
    except site_build.PlaygroundBuildError as error:
        _unavailable(f"the playground could not be built: {error}")
    from viz.playground.serve import serve_in_thread

    server, url = serve_in_thread(path)
    yield path, url
    server.shutdown()


@pytest.fixture(scope="module")
def browser(site):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (pip install 'chaingrad[test]')")
    binary = next((path for path in map(shutil.which, BROWSERS) if path), None)
    driver_path = shutil.which("chromedriver")
    if binary is None or driver_path is None:
        _unavailable("no headless browser: install Debian's chromium and chromium-driver (bash .ci/browser)")
    profile = tempfile.mkdtemp(prefix="chaingrad-playground-")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", f"--user-data-dir={profile}", "--window-size=1024,768"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_script_timeout(120)
    driver.get(site[1])
    assert wait_for(driver, "window.chaingrad.ready.then(() => 'ready')") == "ready"
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver, promise: str, *arguments):
    """The value of a JavaScript expression that gives a Promise (a rejection comes back as 'error: ...')."""
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        f"Promise.resolve().then(() => {promise}).then(done, (error) => done('error: ' + error.message));", *arguments)


def console_errors(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]


def run_box(driver, code: str):
    """Put `code` into the box and run it, as the run button does; returns once its result is shown."""
    driver.execute_script("document.getElementById('code').value = arguments[0]", code)
    return wait_for(driver, "window.chaingrad.runBox()")


def until(driver, condition, seconds: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds, poll_frequency=0.1).until(condition)


def in_explorer(driver, script: str):
    driver.switch_to.frame(driver.find_element("id", "explorer-frame"))
    try:
        return driver.execute_script(script)
    finally:
        driver.switch_to.default_content()


def test_the_site_is_within_its_budget_and_pinned(site):
    path = site[0]
    assert site_build.site_size(path) <= site_build.BUDGET_BYTES
    assert (path / "pyodide" / "pyodide.asm.wasm").is_file() and (path / "vizjs" / "viz.js").is_file()
    assert '"pyodide": "314.0.8"' in (path / "versions.json").read_text()
    if shutil.which("node"):  # the bytecode compiled by the site's own Pyodide
        with zipfile.ZipFile(path / "chaingrad.zip") as bundle:
            names = bundle.namelist()
        assert any(name.startswith("engine/__pycache__/value.cpython-3") for name in names), names[:20]
        assert json.loads((path / "versions.json").read_text())["bytecode"] is True
    first = json.loads((path / "presets.json").read_text(encoding="utf-8"))["first"]  # shown while Python starts
    assert "b's pile: 2 + 3 = 5" in first["en"] and "b 堆放起来的量：2 + 3 = 5" in first["zh"]


def test_run_prints_the_texts_gradients(browser):
    assert wait_for(browser, "window.chaingrad.run(arguments[0])", PROGRAM) == "2.0 5.0\n"
    refused = wait_for(browser, "window.chaingrad.run('a = Value(1.0)\\nimport os')")
    assert refused.startswith("error: line 2: 'import' is not needed")
    assert console_errors(browser) == []


@pytest.mark.parametrize("lang, pile", [("en", "b's pile: 2 + 3 = 5"), ("zh", "b 堆放起来的量：2 + 3 = 5")])
def test_stepping_the_explorer_shows_bs_pile(browser, lang, pile):
    wait_for(browser, "window.chaingrad.setLanguage(arguments[0])", lang)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element(By.ID, "preset")).select_by_value("sum_times")  # the preset runs
    wait_for(browser, "window.chaingrad.runBox()")  # once more, after it: the worker answers in order
    assert browser.find_element(By.ID, "output").text == "2.0 5.0"
    steps = in_explorer(browser, "return window.chaingrad.steps")
    assert steps == 9  # start, 3 forward, the seed, 3 sends, done
    captions = []
    for step in range(steps):  # step through, as a student clicking ▶
        captions.append(in_explorer(browser, "document.getElementById('next').click();"
                                             "return document.getElementById('caption').textContent"))
    assert captions[6].endswith(pile), captions
    b_grad = in_explorer(browser, "return document.querySelectorAll('#v1 text')[2].textContent")
    assert b_grad == "grad 2 + 3 = 5"
    assert browser.execute_script("return document.documentElement.lang") == ("zh-CN" if lang == "zh" else "en")
    assert console_errors(browser) == []


def test_a_new_leaf_value_runs_the_forward_again(browser):
    wait_for(browser, "window.chaingrad.setLanguage('en')")
    run_box(browser, PROGRAM)
    field = browser.find_element("css selector", "#leaves input[data-leaf='b']")
    browser.execute_script("arguments[0].value = '2'; arguments[0].dispatchEvent(new Event('change'))", field)
    # de/da = b + 1, de/db = (b + 1) + (a + b)
    until(browser, lambda driver: driver.find_element("id", "output").text == "3.0 7.0")
    assert "b = Value(2.0)" in browser.find_element("id", "code").get_attribute("value")
    caption = in_explorer(browser, "window.chaingrad.show(3); return document.getElementById('caption').textContent")
    assert caption.endswith("= 4 × 3 = 12")  # the forward pass with the new b: e = (2 + 2)(2 + 1)


def test_a_syntax_error_shows_a_message_not_a_blank_page(browser):
    wait_for(browser, "window.chaingrad.setLanguage('en')")
    run_box(browser, "a = Value(2.0)\nb = Value(1.0\ne = a * b\n")
    error = browser.find_element("id", "error")
    assert error.is_displayed() and error.text.startswith("line 2: this is not Python")
    assert not browser.find_element("id", "explorer-frame").is_displayed()
    assert browser.find_element("id", "explorer-note").text == "the graph appears when the program runs"
    run_box(browser, PROGRAM)  # fixed: the error goes, the graph comes back
    assert not error.is_displayed() and browser.find_element("id", "explorer-frame").is_displayed()
    assert console_errors(browser) == []


def test_twenty_training_steps_lower_the_loss_in_the_worker(browser):
    browser.execute_script("window.chaingrad.showTab('train')")
    result = wait_for(browser, "window.chaingrad.train(20)")
    assert isinstance(result, dict), result
    losses = result["losses"]
    assert len(losses) == 20 and losses[-1] < losses[0]
    source = browser.find_element("id", "source").text
    assert "def step(inputs, values):" in source and "grad_" in source
    assert browser.find_element("id", "train-status").text.startswith("step 20: loss ")
    painted = browser.execute_script(
        "const c = document.getElementById('boundary'); const p = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "let n = 0; for (let i = 3; i < p.length; i += 4) if (p[i] > 0) n++; return n / (c.width * c.height)")
    assert painted > 0.9  # the decision boundary's picture covers the canvas
    browser.execute_script("window.chaingrad.showTab('graph')")
    assert console_errors(browser) == []


def test_the_explorers_nudge_and_paths_views_in_the_frame(browser):
    wait_for(browser, "window.chaingrad.setLanguage('en')")
    run_box(browser, PROGRAM)
    browser.switch_to.frame(browser.find_element("id", "explorer-frame"))
    try:
        browser.execute_script("window.chaingrad.show(window.chaingrad.steps - 1)")
        browser.find_element("css selector", "#v1 text").click()  # b: its panel opens
        browser.find_element("css selector", "button[data-tab='nudge']").click()
        nudge = browser.find_element("id", "detail").text
        browser.find_element("css selector", "button[data-tab='paths']").click()
        paths = browser.find_element("id", "detail").text
    finally:
        browser.switch_to.default_content()
    assert "Δe / h = 0.005001 / 0.001 = 5.001" in nudge
    assert "2 path(s) from b to e" in paths and ": 1 × 3 = 3" in paths and ": 1 × 2 = 2" in paths
    assert "sum over the paths = 5" in paths
    assert console_errors(browser) == []


def test_a_program_that_runs_too_long_is_stopped_and_the_next_one_runs(browser):
    wait_for(browser, "window.chaingrad.setLanguage('en')")
    endless = "total = 0\nfor i in range(100000):\n    for j in range(100000):\n        total = total + 1\n"
    stopped = wait_for(browser, "window.chaingrad.run(arguments[0], {limitSeconds: 2})", endless)
    assert stopped == "error: the program ran for more than 2 s and was stopped: use fewer steps"
    assert wait_for(browser, "window.chaingrad.run(arguments[0])", PROGRAM) == "2.0 5.0\n"  # a new worker
