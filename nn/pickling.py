"""Pickles of nn's objects name their classes under chaingrad's umbrella (``chaingrad.nn.mlp.MLP``
rather than ``nn.mlp.MLP``), so that they load also where a learner's own nn.py (micrograd's lecture
has one) holds the name ``nn``, as graphs do beside a learner's own engine.py (engine.flat)."""

from __future__ import annotations

import copyreg
import importlib
import sys
from pathlib import Path
from typing import Any

_FOLDER = Path(__file__).resolve().parent  # chaingrad's nn
_NEWOBJ = copyreg.__newobj__  # type: ignore[attr-defined] # what object.__reduce_ex__ names for protocol 2+


class PickledByChaingradName:
    """A base for nn's classes (Module, Optimizer, LRScheduler): see the module docstring. A class
    defined elsewhere (a user's own Module) pickles as usual, by its own name."""

    def __reduce_ex__(self, protocol: Any) -> Any:
        reduced = super().__reduce_ex__(protocol)
        cls = type(self)
        if not _is_ours(cls) or not isinstance(reduced, tuple) or reduced[0] is not _NEWOBJ or len(reduced[1]) != 1:
            return reduced
        return (new, ("chaingrad." + cls.__module__, cls.__qualname__), *reduced[2:])


def _is_ours(cls: type) -> bool:
    """Is `cls` defined in chaingrad's nn (a file beside this one), not in a learner's own nn.py? Its
    module is found by its name, or by chaingrad's name for it where a learner's nn holds the name."""
    for name in ("chaingrad." + cls.__module__, cls.__module__):
        module = sys.modules.get(name)
        location = getattr(module, "__file__", None)
        if location is not None and Path(location).resolve().parent == _FOLDER:
            return getattr(module, cls.__name__, None) is cls
    return False


def new(module: str, qualname: str) -> Any:
    """An empty instance of nn's class `qualname` in `module` (a chaingrad.nn... name), for unpickling."""
    cls: Any = importlib.import_module(module)
    for part in qualname.split("."):
        cls = getattr(cls, part)
    return cls.__new__(cls)


new.__module__ = "chaingrad.nn.pickling"  # the name pickles record, whoever holds the top-level `nn`
