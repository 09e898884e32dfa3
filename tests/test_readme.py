"""Every ```python block of README.md and README.zh-CN.md runs here; a ```text block right after one is
its exact output. The two READMEs give the same two quickstart commands."""

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
READMES = {name: (ROOT / name).read_text(encoding="utf-8") for name in ("README.md", "README.zh-CN.md")}
BLOCK = re.compile(r"```python\n(.*?)```\n(?:\n```text\n(.*?)```)?", re.S)
BLOCKS = [(name, code, expected) for name, text in READMES.items() for code, expected in BLOCK.findall(text)]
README = READMES["README.md"]


def run_block(code: str, name: str) -> str:
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(code, name, "exec"), {"__name__": "readme"})
    return output.getvalue()


def quickstart(text: str) -> list[str]:
    block = text.split("<!-- quickstart -->", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


@pytest.mark.parametrize("name", sorted(READMES))
def test_readme_has_code(name):
    assert len([block for block in BLOCKS if block[0] == name]) >= 3


@pytest.mark.parametrize("name, code, expected", BLOCKS,
                         ids=[f"{name}-block{index}" for index, (name, _, _) in enumerate(BLOCKS)])
def test_readme_block(name, code, expected):
    printed = run_block(code, name)
    if expected:
        assert printed == expected


def test_quickstart_is_two_commands():
    commands = quickstart(README)
    assert len(commands) == 2
    assert "demo.py" in commands[0] and "pip install" in commands[0]
    assert "pytest" in commands[1]
    assert quickstart(READMES["README.zh-CN.md"]) == commands


def test_readmes_link_each_other():
    assert "README.zh-CN.md" in "\n".join(README.splitlines()[:5])
    assert "README.md" in "\n".join(READMES["README.zh-CN.md"].splitlines()[:5])


@pytest.mark.parametrize("name", sorted(READMES))
def test_lecture_example_trains_at_any_seed(name):
    """The small MLP of micrograd's lecture, as the READMEs give it, learns its four labels at every seed."""
    code, expected = next((code, expected) for readme, code, expected in BLOCKS
                          if readme == name and "\nseed = 0\n" in code)
    for seed in range(50):
        assert run_block(code.replace("\nseed = 0\n", f"\nseed = {seed}\n"), name) == expected, f"seed {seed}"
