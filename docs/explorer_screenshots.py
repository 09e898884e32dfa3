"""Screenshots of viz.explore, taken in headless Chromium:
python docs/explorer_screenshots.py (needs chromium, chromium-driver and selenium; see .ci/browser).

Writes docs/pictures/explore_step<N>.png for the steps a lecture shows of e = (a + b)(b + 1) at a = 2,
b = 1, and explore_step8_b.png with b's chain-rule sum opened by a click; then, at 1024x768 (a
projector), the lecture's neuron o = tanh(x1·w1 + x2·w2 + b) (explore_neuron_*.png, one in Chinese)
and an MLP(2, [3, 1]) with a squared-error loss (explore_mlp_*.png: its neurons as boxes, one opened).
"""

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nn  # noqa: E402
import viz  # noqa: E402
from engine import Value  # noqa: E402
from examples.lecture_neuron import lecture_neuron  # noqa: E402 - docs/examples
from examples.texts_example import texts_example  # noqa: E402

STEPS = (0, 1, 4, 5, 6, 7, 8)


def lecture_mlp():
    model = nn.MLP(2, [3, 1], activation="tanh", rng=0)
    out = model([Value(2.0, label="x1"), Value(-1.0, label="x2")])
    out.label = "out"
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    return loss, model


def at_1024x768(driver) -> None:
    driver.set_window_size(1024, 768)
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    driver.set_window_size(2048 - inner[0], 1536 - inner[1])


def lecture_shots(driver, folder: Path, scratch: Path) -> None:
    """The neuron and the MLP as a class sees them on a 1024x768 projector."""
    o = lecture_neuron()["o"]
    loss, model = lecture_mlp()
    pages = {
        "neuron": viz.explore(o, scratch / "neuron.html"),
        "neuron_zh": viz.explore(o, scratch / "neuron_zh.html", lang="zh"),
        "mlp": viz.explore(loss, scratch / "mlp.html", parameters=model),
    }
    at_1024x768(driver)
    for name, steps in (("neuron", (5, 9, 12)), ("neuron_zh", (8,)), ("mlp", (3, 14))):
        driver.get(pages[name].path.as_uri())
        for step in steps:
            driver.execute_script("window.chaingrad.show(arguments[0])", step)
            driver.save_screenshot(str(folder / f"explore_{name}_step{step}.png"))
    driver.get(pages["neuron"].path.as_uri())
    driver.execute_script("window.chaingrad.show(12); window.chaingrad.select('v0'); window.chaingrad.choose('nudge')")
    driver.save_screenshot(str(folder / "explore_neuron_nudge.png"))
    driver.execute_script("window.chaingrad.choose('paths')")
    driver.save_screenshot(str(folder / "explore_neuron_paths.png"))
    driver.get(pages["mlp"].path.as_uri())
    driver.execute_script("window.chaingrad.show(14); window.chaingrad.openNeuron(Object.keys(window.chaingrad.neurons())[0])")
    driver.save_screenshot(str(folder / "explore_mlp_opened.png"))


def main() -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    folder = Path(__file__).resolve().parent / "pictures"
    folder.mkdir(exist_ok=True)
    e = texts_example()[-1]
    page = Path(tempfile.mkdtemp()) / "explore.html"
    viz.explore(e, page)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1100,600",
                     "--hide-scrollbars"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        driver.get(page.as_uri())
        for step in STEPS:
            driver.execute_script("window.chaingrad.show(arguments[0])", step)
            driver.save_screenshot(str(folder / f"explore_step{step}.png"))
        driver.find_element("css selector", "#v1 text").click()
        driver.save_screenshot(str(folder / "explore_step8_b.png"))
        lecture_shots(driver, folder, page.parent)
    finally:
        driver.quit()
    try:  # smaller files: 64 colours are plenty for these pictures
        from PIL import Image
    except ImportError:
        Image = None
    for path in folder.glob("explore_*.png") if Image else ():
        Image.open(path).convert("RGB").quantize(colors=64).save(path, optimize=True)
    print(f"screenshots in {folder}")


if __name__ == "__main__":
    main()
