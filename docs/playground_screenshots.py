"""Screenshots of the playground at 1024x768, taken in headless Chromium:
python docs/playground_screenshots.py [SITE_DIR] (builds the site when no folder is given; needs npm
the first time, chromium, chromium-driver and selenium; see .ci/playground and .ci/browser).

Writes docs/pictures/playground_loading.png (the first second: the default program's explorer, drawn
at build time, while Python starts), playground_graph.png (the texts' e = (a + b)(b + 1), stepped to b's pile),
playground_paths.png (b's paths: the explorer's side panel),
playground_graph_zh.png (the apple purchase in Chinese, every step done), playground_error.png (a
syntax error in the box) and playground_train.png (200 training steps on the moons).
"""

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from viz.playground.build import build  # noqa: E402
from viz.playground.serve import serve_in_thread  # noqa: E402


def main() -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import Select, WebDriverWait

    folder = Path(__file__).resolve().parent / "pictures"
    temporary = Path(tempfile.mkdtemp())
    site = Path(sys.argv[1]) if len(sys.argv) > 1 else build(temporary / "site")
    server, url = serve_in_thread(site)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1024,768", "--hide-scrollbars",
                     f"--user-data-dir={temporary / 'profile'}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_script_timeout(300)
    wait = "const done = arguments[arguments.length - 1]; Promise.resolve().then(() => {}).then(done, done);"

    def in_explorer(script: str) -> None:
        driver.switch_to.frame(driver.find_element("id", "explorer-frame"))
        driver.execute_script(script)
        driver.switch_to.default_content()

    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",  # the page itself 1024x768
                               {"width": 1024, "height": 768, "deviceScaleFactor": 1, "mobile": False})
        driver.get(url)
        WebDriverWait(driver, 30, poll_frequency=0.05).until(
            lambda d: d.find_element("id", "explorer-frame").is_displayed())
        if driver.find_element("id", "run").get_attribute("disabled"):  # Python still starting
            driver.save_screenshot(str(folder / "playground_loading.png"))
        driver.execute_async_script(wait.format("window.chaingrad.ready"))
        in_explorer("window.chaingrad.show(7)")
        driver.save_screenshot(str(folder / "playground_graph.png"))
        in_explorer("window.chaingrad.show(window.chaingrad.steps - 1);"
                    "document.querySelector('#v1 text').dispatchEvent(new MouseEvent('click', {bubbles: true}));"
                    "document.querySelector(\"button[data-tab='paths']\").click()")
        driver.save_screenshot(str(folder / "playground_paths.png"))
        driver.execute_async_script(wait.format("window.chaingrad.setLanguage('zh')"))
        Select(driver.find_element("id", "preset")).select_by_value("apple")
        driver.execute_async_script(wait.format("window.chaingrad.runBox()"))
        in_explorer("window.chaingrad.show(window.chaingrad.steps - 2)")
        driver.save_screenshot(str(folder / "playground_graph_zh.png"))
        driver.execute_async_script(wait.format("window.chaingrad.setLanguage('en')"))
        driver.execute_script("document.getElementById('code').value = arguments[0]",
                              "a = Value(2.0)\nb = Value(1.0\nc = a + b\ne = c * (b + 1)\n")
        driver.execute_script("document.getElementById('code').dispatchEvent(new Event('input'))")  # as typing
        driver.execute_async_script(wait.format("window.chaingrad.runBox()"))
        driver.save_screenshot(str(folder / "playground_error.png"))
        driver.execute_script("window.chaingrad.showTab('train')")
        driver.execute_async_script(wait.format("window.chaingrad.train(200)"))
        driver.save_screenshot(str(folder / "playground_train.png"))
    finally:
        driver.quit()
        server.shutdown()
        shutil.rmtree(temporary, ignore_errors=True)


if __name__ == "__main__":
    main()
