"""`python -m viz.playground build SITE_DIR`: the playground as a static site, which any static host
(GitHub Pages, a classroom laptop's `python -m viz.playground serve SITE_DIR`) serves as plain files.

The site holds:
- pyodide/: Pyodide, CPython compiled to WebAssembly, from the npm package `pyodide` (pinned below,
  checked against the registry's sha512), only the files that start Python and its standard library;
- vizjs/: `@viz-js/viz`, Graphviz compiled to WebAssembly, which lays the explorer's graphs out
  (through viz.files.use_layout: see viz.playground.runner.browser_layout);
- chaingrad.zip: chaingrad's engine/, nn/ and viz/ as they are in this checkout, and the pure-Python
  `graphviz` package (which viz.graph writes DOT with), with their bytecode compiled by the site's own
  Pyodide under Node.js when `node` is there (precompile.mjs);
- the page (index.html, playground.js, playground.css, and worker.mjs: Python in Web Workers, one for
  the programs, one for training, so the page never freezes), and presets.json: the
  example programs and the default one's explorer, drawn at build time and shown while Python starts.

The npm tarballs are fetched once with `npm pack` into a cache folder ($XDG_CACHE_HOME/chaingrad/npm,
default ~/.cache/chaingrad/npm); later builds work offline.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

from viz.playground.presets import DEFAULT, PRESETS

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent  # the checkout: engine/, nn/, viz/
PACKAGES = {  # npm package: (version, the registry's sha512 of its tarball, the files the site needs -> where)
    "pyodide": ("314.0.8", "74Wq1kXOC+CCEzAfxuRAO701nAcCMLjf8NrwvWpu8S41dVMXwXmLQ05dYB+F4e46AdnGo0oq7YHSVUpHsoarLQ==",
                {name: f"pyodide/{name}" for name in (
                    "pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json",
                    "package.json")}),
    "@viz-js/viz": ("3.31.0", "r7zlQdRvcwvIpjHGgs+KNWHeE/P5/Dq7k8ZAKaMCbZqomxCBJV78gVuQYaHzFVca+kB0mX0fMW9UFevCOBG50A==",
                    {"dist/viz.js": "vizjs/viz.js", "package.json": "vizjs/package.json"}),
}
BUNDLED = ("engine", "nn", "viz")
PAGE_FILES = ("index.html", "playground.js", "playground.css", "worker.mjs")
BUDGET_BYTES = 20 * 1024 * 1024


class PlaygroundBuildError(RuntimeError):
    """The site cannot be built: npm missing or failing, a tarball that is not the pinned one, the budget."""


def cache_folder() -> Path:
    """Where the npm tarballs are kept between builds."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "chaingrad" / "npm"


def _tarball_name(package: str, version: str) -> str:
    return f"{package.lstrip('@').replace('/', '-')}-{version}.tgz"  # as npm pack names it


def _sha512(path: Path) -> str:
    return base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode("ascii")


def fetch_tarballs(cache: Path) -> dict[str, Path]:
    """The pinned npm tarballs, from `cache` or fetched there with `npm pack`; each checked against its sha512."""
    cache.mkdir(parents=True, exist_ok=True)
    found = {}
    for package, (version, integrity, _) in PACKAGES.items():
        path = cache / _tarball_name(package, version)
        if not path.is_file():
            npm = shutil.which("npm")
            if npm is None:
                raise PlaygroundBuildError(
                    f"npm is needed once to fetch {package}@{version} from the npm registry and is not installed: "
                    "install Node.js and npm (Debian/Ubuntu: apt-get install nodejs npm), or put the tarball "
                    f"{path.name} into {cache}")
            completed = subprocess.run([npm, "pack", f"{package}@{version}", "--pack-destination", str(cache)],
                                       capture_output=True, text=True, check=False)
            if completed.returncode != 0 or not path.is_file():
                raise PlaygroundBuildError(f"npm pack {package}@{version} failed: {completed.stderr.strip()[-800:]}")
        if _sha512(path) != integrity:
            path.unlink()
            raise PlaygroundBuildError(f"{path.name} is not the pinned {package}@{version} (its sha512 differs); "
                                       "it was removed: build again to fetch it anew")
        found[package] = path
    return found


def _vendor(tarballs: dict[str, Path], site: Path) -> None:
    for package, (_, _, files) in PACKAGES.items():
        with tarfile.open(tarballs[package]) as archive:
            for name, target in files.items():
                member = archive.extractfile(f"package/{name}")
                if member is None:
                    raise PlaygroundBuildError(f"{package}'s tarball has no {name}")
                destination = site / target
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_bytes(member.read())


def _bundle(site: Path) -> None:
    """chaingrad.zip: engine/, nn/, viz/ (without the page's own files) and the graphviz package."""
    spec = importlib.util.find_spec("graphviz")
    if spec is None or spec.origin is None:
        raise PlaygroundBuildError("the graphviz package is not installed: pip install 'chaingrad[viz]'")
    folders = [(ROOT / name, name) for name in BUNDLED] + [(Path(spec.origin).parent, "graphviz")]
    with zipfile.ZipFile(site / "chaingrad.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for folder, name in folders:
            for path in sorted(folder.rglob("*")):
                relative = path.relative_to(folder)
                if path.is_dir() or "__pycache__" in relative.parts or relative.parts[:2] == ("playground", "site"):
                    continue
                if path.suffix in (".py", ".js", ".css") or path.name == "py.typed":
                    archive.write(path, f"{name}/{relative.as_posix()}")


def _precompile(site: Path) -> bool:
    """Add the modules' bytecode to chaingrad.zip, compiled by the site's own Pyodide under Node.js
    (precompile.mjs); False, and the zip left as it is (the browser compiles the sources, about 0.4 s
    slower to start), when this machine has no `node`."""
    node = shutil.which("node")
    if node is None:
        return False
    completed = subprocess.run([node, str(HERE / "precompile.mjs"), str(site.resolve())], capture_output=True,
                               text=True, check=False)
    if completed.returncode != 0:
        raise PlaygroundBuildError(f"compiling the bundle's bytecode with Node.js failed: {completed.stderr.strip()[-800:]}")
    return True


def _first_explorers() -> dict[str, str]:
    """The default program's explorer page in each language, drawn now (by dot), so that a student sees
    it while Python starts in the page; {} when this machine has no dot (the page then waits for Python)."""
    from viz.files import find_dot
    from viz.playground.runner import run

    if find_dot() is None:
        return {}
    pages = {lang: run(PRESETS[DEFAULT]["code"][lang], lang)["explorer"] for lang in ("en", "zh")}
    return {lang: page for lang, page in pages.items() if page}


def site_size(site: Path) -> int:
    """The bytes of every file in the site."""
    return sum(path.stat().st_size for path in site.rglob("*") if path.is_file())


def build(site: str | Path, cache: str | Path | None = None) -> Path:
    """Write the playground's static site into `site` (emptied first if it is an earlier build)."""
    site = Path(site)
    if site.exists() and any(site.iterdir()) and not (site / "chaingrad.zip").exists():
        raise PlaygroundBuildError(f"{site} is not empty and not an earlier playground build: choose a new folder")
    tarballs = fetch_tarballs(Path(cache) if cache else cache_folder())
    if site.exists():
        shutil.rmtree(site)
    site.mkdir(parents=True)
    _vendor(tarballs, site)
    _bundle(site)
    bytecode = _precompile(site)
    for name in PAGE_FILES:
        shutil.copyfile(HERE / "site" / name, site / name)
    presets = {"default": DEFAULT, "presets": PRESETS, "first": _first_explorers()}
    (site / "presets.json").write_text(json.dumps(presets, ensure_ascii=False, indent=1), encoding="utf-8")
    versions: dict[str, object] = {package: version for package, (version, _, _) in PACKAGES.items()}
    versions["bytecode"] = bytecode
    (site / "versions.json").write_text(json.dumps(versions, indent=1), encoding="utf-8")
    size = site_size(site)
    if size > BUDGET_BYTES:
        raise PlaygroundBuildError(f"the site is {size / 2**20:.1f} MB, over its budget of {BUDGET_BYTES / 2**20:.0f} MB")
    return site
