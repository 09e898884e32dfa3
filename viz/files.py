"""Finding a Graphviz `dot`, running it, and writing pictures: SVG and PNG files, or the `.dot` source.

A `dot` on PATH is used when there is one; otherwise the `graphviz-pure` executable that the
`viz` extra installs (a static build of dot: no system package needed), found in this Python's
scripts folder, then on PATH. chaingrad runs that program itself (`run_dot`), so its own pictures
never depend on how the graphviz package is configured.

PNG pictures whose labels hold characters the bundled Latin fonts lack (Chinese, Japanese, Korean,
...) are laid out as SVG and rasterised with resvg (the `resvg-py` wheel of the `viz` extra) in a
system font that has them (`find_cjk_font`; e.g. Debian's fonts-wqy-microhei or fonts-noto-cjk).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Union


PathLike = Union[str, "os.PathLike[str]"]
FORMATS = ("svg", "png", "dot")
FONT = "Helvetica"  # the one font of every picture: Graphviz knows its metrics (graphviz-pure ships Arimo for it)
CJK_FONTS = (  # (family, file name), in order of preference; searched for in FONT_FOLDERS
    ("WenQuanYi Micro Hei", "wqy-microhei.ttc"),
    ("Noto Sans CJK SC", "NotoSansCJK-Regular.ttc"),
    ("WenQuanYi Zen Hei", "wqy-zenhei.ttc"),
    ("Noto Sans SC", "NotoSansSC-Regular.otf"),
    ("Droid Sans Fallback", "DroidSansFallbackFull.ttf"),
    ("Microsoft YaHei", "msyh.ttc"),
    ("SimHei", "simhei.ttf"),
    ("PingFang SC", "PingFang.ttc"),
    ("Hiragino Sans GB", "Hiragino Sans GB.ttc"),
)
FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
                "/System/Library/Fonts", "/Library/Fonts", "C:/Windows/Fonts")


class MissingRendererError(RuntimeError):
    """No Graphviz renderer (neither `dot` nor `graphviz-pure`) could be found."""


class MissingDependencyError(ImportError):
    """An optional dependency (an extra) is not installed."""


class MissingFontError(RuntimeError):
    """A PNG needs a font for its labels' script and none is installed."""


def require(module: str, extra: str):
    """Import an optional dependency, or say which extra installs it."""
    try:
        return __import__(module)
    except ImportError:
        raise MissingDependencyError(
            f"{module} is not installed; install the '{extra}' extra: pip install 'chaingrad[{extra}]'"
        ) from None


def find_dot() -> str | None:
    """The path of a Graphviz dot to run: `dot` on PATH, else graphviz-pure; None if neither exists."""
    on_path = shutil.which("dot")
    if on_path:
        return on_path
    return find_bundled_dot()


def find_bundled_dot() -> str | None:
    """The graphviz-pure executable of the `viz` extra: in this Python's scripts folder, else on PATH."""
    for folder in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        for name in ("graphviz-pure", "graphviz-pure.exe"):
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
    return shutil.which("graphviz-pure")


def _require_dot() -> str:
    dot = find_dot()
    if dot is None:
        raise MissingRendererError(
            "no Graphviz renderer found: install the 'viz' extra (pip install 'chaingrad[viz]', which brings "
            "graphviz-pure, a static dot) or a system Graphviz; saving the '.dot' source works without one"
        )
    return dot


def run_dot(source: str, file_format: str) -> bytes:
    """Lay out DOT `source` and return the picture's bytes ('svg' or 'png').

    Graphviz's warnings (e.g. about widths of non-ASCII characters) are kept out of the output;
    a failure raises RuntimeError with dot's message.
    """
    completed = subprocess.run([_require_dot(), f"-T{file_format}"], input=source.encode("utf-8"),
                               capture_output=True, check=False)
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"Graphviz could not draw the graph (exit {completed.returncode}): {message}")
    return completed.stdout


def needs_cjk_font(text: str) -> bool:
    """True if `text` holds characters beyond the Latin, Greek and symbol ranges the bundled fonts cover."""
    return any(ord(character) >= 0x2E80 for character in text)


def find_cjk_font() -> tuple[str, Path] | None:
    """(family, file) of an installed font with Chinese characters, or None."""
    wanted = {file_name.lower(): family for family, file_name in CJK_FONTS}
    found: dict[str, Path] = {}
    for folder in FONT_FOLDERS:
        root = Path(folder).expanduser()
        if not root.is_dir():
            continue
        for directory, _, files in os.walk(root):
            for file_name in files:
                if file_name.lower() in wanted and wanted[file_name.lower()] not in found:
                    found[wanted[file_name.lower()]] = Path(directory) / file_name
    for family, _ in CJK_FONTS:
        if family in found:
            return family, found[family]
    return None


def svg_to_png(svg: bytes, zoom: float = 2.0) -> bytes:
    """Rasterise Graphviz's SVG with resvg, every text in an installed CJK font (which has Latin letters too)."""
    resvg = require("resvg_py", "viz")
    font = find_cjk_font()
    if font is None:
        raise MissingFontError(
            "this picture's labels need a font with CJK characters for PNG and none is installed: install one "
            "(Debian/Ubuntu: apt-get install fonts-wqy-microhei; or fonts-noto-cjk), or write an .svg instead"
        )
    family, path = font
    text = svg.decode("utf-8")
    text = re.sub(r'font-family="[^"]*"', f'font-family="{family}"', text)
    # resvg reads sizes in pixels: Graphviz's points become pixels at the chosen zoom
    text = re.sub(r'(<svg[^>]*?\s)width="([\d.]+)pt" height="([\d.]+)pt"',
                  lambda m: f'{m[1]}width="{round(float(m[2]) * zoom)}" height="{round(float(m[3]) * zoom)}"',
                  text, count=1)
    return bytes(resvg.svg_to_bytes(svg_string=text, background="white", skip_system_fonts=True,
                                    font_files=[str(path)]))


def picture_bytes(source: str, file_format: str) -> bytes:
    """The picture of DOT `source` as 'svg' or 'png' bytes (PNG through SVG when labels need a CJK font)."""
    if file_format == "png" and needs_cjk_font(source):
        return svg_to_png(run_dot(source, "svg"))
    return run_dot(source, file_format)


def write_picture(graph, path: PathLike) -> Path:
    """Write a graphviz.Digraph (or DOT source text) to `path`; the format comes from the suffix
    (.svg, .png or .dot).

    Files are written atomically (a temporary file renamed over the target).
    """
    target = Path(path)
    file_format = target.suffix.lstrip(".").lower()
    if file_format not in FORMATS:
        raise ValueError(f"cannot write {target.name!r}: use a .svg, .png or .dot file name")
    source = graph if isinstance(graph, str) else graph.source
    if file_format == "dot":
        write_atomically(target, source.encode("utf-8"))
        return target
    write_atomically(target, picture_bytes(source, file_format))
    return target


def write_atomically(path: PathLike, data: bytes) -> Path:
    """Write `data` to `path` (through symlinks) via a temporary file beside it, flushed to disk and
    renamed over it, so a crash leaves the previous file whole; an existing file keeps its mode."""
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.stat() if target.exists() else None
    if old is not None and not stat.S_ISREG(old.st_mode):
        raise IsADirectoryError(f"{str(target)!r} exists and is not a regular file; choose another path for the picture")
    temporary = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temporary, flags, 0o666)  # 0o666 less the umask, as any new file
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            if old is not None:
                os.chmod(temporary, stat.S_IMODE(old.st_mode))
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


def offer_bundled_dot() -> None:
    """Let the graphviz package (and so a user's own graphviz.Digraph) find graphviz-pure when the
    machine has no `dot`.

    The graphviz package runs `dot` by name, and its documented way to find it is PATH. When no
    `dot` is on PATH and the `viz` extra's graphviz-pure is installed, a folder holding a `dot`
    link to graphviz-pure (in chaingrad's cache folder) is appended to the end of PATH, so it never
    shadows a Graphviz the machine has. Called once by `import viz`; nothing else is changed.
    """
    if shutil.which("dot") is not None:
        return
    bundled = find_bundled_dot()
    if bundled is None:
        return
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "chaingrad" / "dot-link"
    name = "dot.exe" if os.name == "nt" else "dot"
    link = cache / name
    try:
        cache.mkdir(parents=True, exist_ok=True)
        if not (link.is_symlink() and os.readlink(link) == bundled):
            temporary = cache / f".{name}.{os.getpid()}"
            if temporary.is_symlink() or temporary.exists():
                temporary.unlink()
            temporary.symlink_to(bundled)
            os.replace(temporary, link)
    except OSError:
        return  # a read-only home: our own pictures still work (run_dot), only foreign Digraphs do not
    os.environ["PATH"] = os.environ.get("PATH", "") + os.pathsep + str(cache)
