"""Every ```python block of README.md runs here; a ```text block right after one is its exact output."""

import contextlib
import io
import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"```python\n(.*?)```\n(?:\n```text\n(.*?)```)?", re.S)
BLOCKS = BLOCK.findall(README)


def test_readme_has_code():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("code, expected", BLOCKS, ids=[f"block{index}" for index in range(len(BLOCKS))])
def test_readme_block(code, expected):
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    if expected:
        assert output.getvalue() == expected


def test_quickstart_is_two_commands():
    block = README.split("<!-- quickstart -->", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    assert "demo.py" in commands[0] and "pip install" in commands[0]
    assert "pytest" in commands[1]
