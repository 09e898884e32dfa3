"""The repository itself: the licence setup.cfg declares is the LICENSE file, and .gitignore agrees with
what is tracked (no tracked file is ignored, and what the demo and the tests write is)."""

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_license_file_is_the_declared_one():
    metadata = configparser.ConfigParser()
    metadata.read(ROOT / "setup.cfg", encoding="utf-8")
    assert metadata["metadata"]["license"] == "MIT"
    assert metadata["metadata"]["license_files"] == "LICENSE"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text


def test_the_all_extra_installs_every_extra():
    """pip install -e ".[all]" (the quickstart) brings what every other extra brings, so every notebook runs
    whole after it (notebook 6's digits need scikit-learn, the examples extra)."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    extras = {name: set(value.split()) for name, value in config["options.extras_require"].items()}
    assert "scikit-learn>=1.0" in extras["examples"]
    missing = {name: sorted(needed - extras["all"]) for name, needed in extras.items() if needed - extras["all"]}
    assert not missing, f"[all] lacks what these extras install: {missing}"


def git(*arguments: str) -> str:
    return subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def in_git_checkout():
    if shutil.which("git") is None or subprocess.run(["git", "rev-parse"], cwd=ROOT, capture_output=True).returncode:
        pytest.skip("not a git checkout (an sdist or a copied tree): nothing to compare .gitignore with")


def test_no_tracked_file_is_ignored(in_git_checkout):
    assert git("ls-files", "--cached", "--ignored", "--exclude-standard") == ""
    assert "docs/graph.svg" in git("ls-files").splitlines()  # the README's picture is tracked


@pytest.mark.parametrize("written", [
    "out/decision_boundary.png", ".venv/bin/python", "docs/notebooks/.ipynb_checkpoints/01.ipynb",
    "engine/__pycache__/value.cpython-311.pyc", ".hypothesis/examples", "chaingrad.egg-info/PKG-INFO",
])
def test_what_runs_write_is_ignored(in_git_checkout, written):
    assert git("check-ignore", "--no-index", written).strip() == written
