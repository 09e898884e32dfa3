"""The playground's figures, side by side with CPython on this machine: the site's size, how long the
page takes to be ready (Pyodide started, chaingrad imported, viz-js ready), and a W1 step's time in
the browser's Python (Pyodide) against this CPython's.

    python -m bench.playground                  # builds the site into a temporary folder
    python -m bench.playground --site SITE_DIR  # a site built already
    python -m bench.playground --rounds 3 --loads 3

W1 runs through bench.run's own child (run_child: the same data, weights and repeats) in both: in a
fresh CPython process, and in a Pyodide in a Web Worker of the page, as the train tab's (bench/'s files
written into its file system), in
interleaved rounds, so that a noisy spell on a shared machine hits both alike. The ready time is
measured in fresh browser profiles (nothing cached: a student's first visit) and on a reload.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("chaingrad", "compiled")


def _browser(profile: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("google-chrome") or "chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", f"--user-data-dir={profile}", "--window-size=1024,768"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_script_timeout(600)
    return driver


def _await(driver, promise: str, *arguments):
    return driver.execute_async_script("const done = arguments[arguments.length - 1];"
                                       f"Promise.resolve().then(() => {promise}).then(done, (e) => done('error: ' + e));",
                                       *arguments)


def _load(driver, url: str) -> dict:
    driver.get(url)
    _await(driver, "window.chaingrad.ready")
    return {"ready": driver.execute_script("return window.chaingrad.readySeconds()"),
            **driver.execute_script("return window.chaingrad.timings()")}


def _w1_in_browser(driver, engine: str) -> dict:
    """W1 in a Pyodide of its own, in a Web Worker as the train tab's (the playground's worker, role "bench")."""
    files = {f"bench/{path.name}": path.read_text(encoding="utf-8") for path in (ROOT / "bench").glob("*.py")}
    code = f"import json\nfrom bench.run import run_child\njson.dumps(run_child({engine!r}, 'W1', 100, 10))"
    answer = _await(driver, "new Promise((resolve, reject) => {"
                    "  window.benchWorker = window.benchWorker || new Worker('worker.mjs?role=bench', {type: 'module'});"
                    "  window.benchWorker.onmessage = (event) => {"
                    "    if (event.data.type === 'failed') reject(event.data.message);"
                    "    else if (event.data.id === 1) event.data.error ? reject(event.data.error) : resolve(event.data.result);"
                    "  };"
                    "  window.benchWorker.postMessage({id: 1, type: 'python', files: arguments[0], code: arguments[1]});"
                    "})", files, code)
    if answer.startswith("error: "):
        raise RuntimeError(answer)
    return json.loads(answer)


def _w1_in_cpython(engine: str) -> dict:
    completed = subprocess.run([sys.executable, "-m", "bench.run", "--child", engine, "W1", "100", "10"],
                               cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", help="a built site (default: build one into a temporary folder)")
    parser.add_argument("--rounds", type=int, default=3, help="W1 rounds, each one browser and one CPython process")
    parser.add_argument("--loads", type=int, default=3, help="first visits, each in a fresh browser profile")
    arguments = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from viz.playground.build import build, site_size
    from viz.playground.serve import serve_in_thread

    folder = tempfile.mkdtemp(prefix="chaingrad-bench-")
    try:
        site = Path(arguments.site) if arguments.site else build(Path(folder) / "site")
        server, url = serve_in_thread(site)
        print(f"site: {site_size(site) / 2**20:.1f} MB ({site_size(site):,} bytes)")
        loads = []
        for number in range(arguments.loads):
            driver = _browser(str(Path(folder) / f"profile{number}"))
            try:
                first = _load(driver, url)
                again = _load(driver, url)
            finally:
                driver.quit()
            loads.append((first, again))
            print(f"load {number + 1}: ready {first['ready']:.2f} s after opening (in its worker: Pyodide "
                  f"{first['pyodide']:.2f} s, chaingrad imported {first['chaingrad']:.2f} s); reload {again['ready']:.2f} s")
        print(f"ready, median of {len(loads)} first visits: {statistics.median(f['ready'] for f, _ in loads):.2f} s; "
              f"reload {statistics.median(a['ready'] for _, a in loads):.2f} s")
        driver = _browser(str(Path(folder) / "profile-w1"))
        try:
            _load(driver, url)
            for engine in ENGINES:
                browser_times, cpython_times = [], []
                for _ in range(arguments.rounds):
                    browser_times.append(_w1_in_browser(driver, engine)["seconds"])
                    cpython_times.append(_w1_in_cpython(engine)["seconds"])
                pyodide, cpython = statistics.median(browser_times), statistics.median(cpython_times)
                print(f"W1 step, {engine}: Pyodide {pyodide * 1000:.1f} ms, CPython {sys.version.split()[0]} "
                      f"{cpython * 1000:.1f} ms: {pyodide / cpython:.2f}x (medians of {arguments.rounds} rounds; "
                      f"Pyodide {', '.join(f'{t * 1000:.0f}' for t in browser_times)} ms, "
                      f"CPython {', '.join(f'{t * 1000:.0f}' for t in cpython_times)} ms)")
        finally:
            driver.quit()
        server.shutdown()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
