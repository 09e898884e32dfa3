"""Line budgets, one per group of files, as tinygrad's CI keeps its own: the reading core first.

Each budget sits a little above the group's size when it was set (the counts in the comments,
physical lines). A change that needs more raises the budget in the same commit and says why;
nothing else in the suite would notice a file growing (the engine drifted from <= 800 lines to
1,998 while nothing checked). Every Python file of engine/, nn/ and viz/ is in exactly one group.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

BUDGETS = {
    # group: (budget, files; a folder means every *.py file in it)
    "reading core": (150, ["engine/tiny.py"]),  # 150 when set: the idea, read first (see tests/test_tiny.py)
    "engine core": (1800, ["engine/ops.py", "engine/node.py", "engine/value.py", "engine/nary.py",
                           "engine/autograd.py", "engine/modes.py", "engine/errors.py"]),
    # 1,608; 1,772 with issue 21's checks of learners' mistakes and issue 20's nodes made while tracing
    "engine tools": (560, ["engine/functional.py", "engine/check.py", "engine/flat.py", "engine/__init__.py"]),  # 511
    "compiler": (2450, ["engine/compile.py", "engine/codegen.py", "engine/tape.py", "engine/guards.py",
                        "engine/loops.py"]),
    # 1,117; 1,741 with the guards and the watch while tracing (issue 20: a compiled call never silently wrong);
    # 2,311 with loops (issue 20: a batch's repeats written once: W1 0.70x the floor by instructions, its first
    # call 0.45 -> 0.13 s; the skips of a sample past the margin and a unit that is off, W1 29.6 -> 26.0 M;
    # 2,409 with the review's mends: turns eager never visits, wide sums, sum() from Python 3.12)
    "nn": (2500, ["nn"]),  # 2,204; 2,450 with issue 21's loss modules, nn.functional and the checks naming learners' mistakes
    "viz": (2250, ["viz/*.py"]),  # 1,263; 2,147 with issue 22's explorer at lecture scale (lang, neurons, nudge, paths,
    # a learner's own Value, one number format)
    "playground": (850, ["viz/playground"]),  # 795 when set (issue 25): the site's build, checker, runner and presets
}


def files_of(entries):
    paths = []
    for entry in entries:
        path = ROOT / entry
        if entry.endswith("/*.py"):  # a folder's own files, not its subfolders'
            paths += sorted(path.parent.glob("*.py"))
        else:
            paths += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return paths


def lines_of(paths):
    return sum(len(path.read_text(encoding="utf-8").splitlines()) for path in paths)


@pytest.mark.parametrize("group", list(BUDGETS))
def test_each_group_of_files_keeps_to_its_line_budget(group):
    budget, entries = BUDGETS[group]
    paths = files_of(entries)
    assert paths and all(path.is_file() for path in paths), f"{group}: a file named in BUDGETS is missing"
    count = lines_of(paths)
    assert count <= budget, (
        f"{group} has {count} lines, over its budget of {budget}: make it smaller, or raise the budget in "
        "tests/test_budgets.py in the same commit and say why"
    )


def test_every_library_file_is_in_one_group():
    grouped = [path for _, entries in BUDGETS.values() for path in files_of(entries)]
    library = [path for folder in ("engine", "nn", "viz") for path in sorted((ROOT / folder).rglob("*.py"))]
    assert sorted(grouped) == sorted(library) and len(grouped) == len(set(grouped))


def test_the_readmes_reading_path_starts_at_tiny_py_with_honest_line_counts():
    """README's "Read the code" table: its first file is engine/tiny.py, and each row's count is
    within 10% of its files' lines today (so small edits need no README change)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Read the code", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[2:4] for line in section.splitlines() if re.match(r"\| \d+ \|", line)]
    assert rows and rows[0][0].strip() == "`engine/tiny.py`"
    for files, count in rows:
        names = re.findall(r"`([\w/.]+\.py)`", files)
        paths = [ROOT / (name if "/" in name else f"{names[0].rsplit('/', 1)[0]}/{name}") for name in names]
        assert abs(lines_of(paths) - int(count.replace(",", ""))) <= 0.1 * lines_of(paths), (files, count)
