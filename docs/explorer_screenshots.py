"""Screenshots of viz.explore for e = (a + b)(b + 1) at a = 2, b = 1, taken in headless Chromium:
python docs/explorer_screenshots.py (needs chromium, chromium-driver and selenium; see .ci/browser).

Writes docs/pictures/explore_step<N>.png for the steps a lecture shows, and explore_step8_b.png with
b's chain-rule sum opened by a click.
"""

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import viz  # noqa: E402
from examples.texts_example import texts_example  # noqa: E402 - docs/examples

STEPS = (0, 1, 4, 5, 6, 7, 8)


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
    finally:
        driver.quit()
    try:  # smaller files: 64 colours are plenty for these pictures
        from PIL import Image
    except ImportError:
        Image = None
    for path in folder.glob("explore_step*.png") if Image else ():
        Image.open(path).convert("RGB").quantize(colors=64).save(path, optimize=True)
    print(f"screenshots in {folder}")


if __name__ == "__main__":
    main()
