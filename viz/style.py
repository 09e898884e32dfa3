"""How pictures look: the colours of Values by role, and label text made literal for Graphviz."""

from __future__ import annotations

from viz.files import needs_cjk_font

COLOURS = {
    "output": "#f4b183",  # the root
    "parameter": "#a9d18e",  # leaves passed as `parameters`
    "input": "#9dc3e6",  # other leaves
    "intermediate": "#ffffff",
    "constant": "#e7e6e6",  # numbers and untracked Values mixed into ops: no gradient flows to them
}
UNREACHED = "#f2f2f2"  # a Value the backward pass has not reached yet (dashed border, 'grad not yet')


def escape(text: str) -> str:
    """Text shown literally in a record label: DOT's record characters and '&' (which Graphviz would
    read as the start of an entity such as &amp;) are escaped."""
    text = text.replace("&", "&amp;")
    for character in "\\{}|<>\"":
        text = text.replace(character, "\\" + character)
    return text


def cjk_width(fields: list[str]) -> str | None:
    """Graphviz counts a CJK character as wide as a space; a node width (inches) that fits them, or None."""
    if not any(needs_cjk_font(text) for text in fields):
        return None
    widest = max(sum(11.0 if needs_cjk_font(c) else 6.2 for c in text) for text in fields)
    return f"{(widest + 16) / 72:.2f}"
