"""What the READMEs and the notebooks cite is there: every local path they name exists in a clone, each of
the five texts is cited by its origin with a link or with words saying none was found, the projects they
name are linked, and no file points at the folder the texts were kept in (a clone does not have it)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.ipynb")) + sorted((ROOT / "docs" / "notebooks" / "zh").glob("*.ipynb"))
DOCUMENTS = [ROOT / "README.md", ROOT / "README.zh-CN.md"] + NOTEBOOKS
CITING = [ROOT / "README.md", ROOT / "README.zh-CN.md", ROOT / "docs" / "notebooks" / "01_computational_graphs.ipynb",
          ROOT / "docs" / "notebooks" / "zh" / "01_computational_graphs.ipynb"]
TEXTS = ("000", "001", "002", "003", "004")
NO_LINK = ("no public link", "not free online", "没有找到公开链接", "没有免费的在线版")
TOP_LEVEL = ("docs", "engine", "nn", "viz", "tests", "bench", "chaingrad", ".ci")
WRITTEN = ("bench/results/",)  # folders the code writes (git ignores them): named, not shipped
PROJECTS = {  # a name as the documents write it: the link it must come with
    "micrograd": "https://github.com/karpathy/micrograd",
    "minitorch": "https://minitorch.github.io/",
    "PyTorch": "https://pytorch.org/",
    "lecture": "https://www.youtube.com/watch?v=VMj-3S1tku0",
    "讲座": "https://www.youtube.com/watch?v=VMj-3S1tku0",
}


def name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def prose_and_code(path: Path) -> tuple[str, str]:
    """A document's markdown and its code (a README's code blocks count as code)."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = lambda kind: "\n\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == kind)  # noqa: E731
        return text("markdown"), text("code")
    markdown = path.read_text(encoding="utf-8")
    blocks = re.findall(r"^```\w*\n(.*?)^```", markdown, flags=re.S | re.M)
    return re.sub(r"^```\w*\n.*?^```", "", markdown, flags=re.S | re.M), "\n".join(blocks)


def local_paths(path: Path) -> list[str]:
    """The repository paths a document names: markdown link targets that are not URLs, `backticked`
    paths starting at a top-level folder or at ../, and '../...' strings in code (notebooks run in their folder)."""
    prose, code = prose_and_code(path)
    found = [target for target in re.findall(r"\]\(([^)\s]+)\)", prose) if not re.match(r"[a-z]+:|#", target)]
    found += [token for token in re.findall(r"`([\w.][\w./-]*/[\w./-]*)`", prose)
              if token.split("/")[0] in TOP_LEVEL or token.startswith("../")]
    found += re.findall(r"[\"'](\.\./[\w./-]+)[\"']", code)
    return [target for target in found if not target.startswith(WRITTEN)]


def exists(path: Path, target: str) -> bool:
    target = target.split("#")[0]
    if target.startswith("../") or path.suffix == ".ipynb" and target.split("/")[0] not in TOP_LEVEL:
        return (path.parent / target).exists()
    return (ROOT / target).exists() or (path.parent / target).exists()


def sources_section(path: Path) -> str:
    """The part of a document under its heading 'Sources' (出处), up to the next heading at its level or above."""
    prose, _ = prose_and_code(path)
    match = re.search(r"^(#+) [^\n]*(Sources|出处)[^\n]*$", prose, flags=re.M)
    assert match, f"{name(path)} has no Sources (出处) section"
    level = len(match[1])
    rest = prose[match.end():]
    end = re.search(rf"^#{{1,{level}}} ", rest, flags=re.M)
    return rest[:end.start()] if end else rest


def test_the_documents_are_found():
    assert len(NOTEBOOKS) >= 12 and all(path.exists() for path in DOCUMENTS)


@pytest.mark.parametrize("path", DOCUMENTS, ids=name)
def test_every_local_path_named_exists(path):
    missing = [target for target in local_paths(path) if not exists(path, target)]
    assert not missing, f"{name(path)} names paths a clone does not have: {missing}"


def test_the_path_check_can_fail(tmp_path):
    """The checker itself: a missing file in a link, in backticks and in a notebook's code is caught."""
    readme = ROOT / "README.md"
    assert not exists(readme, "docs/no_such_file.md")
    assert local_paths(readme) and all(exists(readme, target) for target in local_paths(readme))
    prose = "see [the texts](shared/seeds/README.md) and `docs/examples/apple.py`\n"
    fake = tmp_path / "fake.md"
    fake.write_text(prose, encoding="utf-8")
    assert local_paths(fake) == ["shared/seeds/README.md", "docs/examples/apple.py"]


@pytest.mark.parametrize("path", CITING, ids=name)
def test_each_text_is_cited_by_its_origin(path):
    section = sources_section(path)
    for text in TEXTS:
        rows = [line for line in section.splitlines() if line.startswith(f"| `{text}` |")]
        assert len(rows) == 1, f"{name(path)}: text {text} has no row in its Sources table"
        origin, link = rows[0].split("|")[2:4]
        assert len(origin.strip()) > 20, f"{name(path)}: text {text}: say its title and author or site"
        assert re.search(r"https?://", link) or any(words in link for words in NO_LINK), \
            f"{name(path)}: text {text}: give a link, or say that no public link was found"


@pytest.mark.parametrize("path", DOCUMENTS, ids=name)
def test_named_projects_are_linked(path):
    prose, _ = prose_and_code(path)
    for project, link in PROJECTS.items():
        if project in prose and (project not in ("lecture", "讲座") or "micrograd" in prose):
            assert link in prose, f"{name(path)} names {project} without its link {link}"


def test_nothing_points_at_the_texts_folder_or_holds_a_text():
    """The texts were kept in a shared folder outside the repository (…/seeds/); nothing tracked names it,
    and no text file of theirs (000_<hash>.txt ...) is tracked."""
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    files = [ROOT / line for line in listed.stdout.splitlines() if (ROOT / line).is_file()]
    assert not [file for file in files if re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt", file.name)]
    pointing = []
    for file in files:
        if file == Path(__file__) or file.suffix in (".png", ".svg"):
            continue
        try:
            content = file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if re.search(r"\bseeds/|shared/|shared folder", content):
            pointing.append(name(file))
    assert not pointing, f"these files point at a folder a clone does not have: {pointing}"
