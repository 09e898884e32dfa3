"""How pictures look: the colours of Values by role, and label text made literal for Graphviz."""

from __future__ import annotations

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
