"""Pickles of nn's objects name their classes under chaingrad's umbrella (``chaingrad.nn.mlp.MLP``
rather than ``nn.mlp.MLP``), so that they load also where a learner's own nn.py (micrograd's lecture
has one) holds the name ``nn``, as graphs do beside a learner's own engine.py (engine.flat)."""

from __future__ import annotations

import copyreg
import importlib
from typing import Any


_NEWOBJ = copyreg.__newobj__  # type: ignore[attr-defined] # what object.__reduce_ex__ names for protocol 2+


class PickledByChaingradName:
    """A base for nn's classes (Module, Optimizer, LRScheduler): see the module docstring. A class
    defined elsewhere (a user's own Module) pickles as usual, by its own name."""

    def __reduce_ex__(self, protocol: Any) -> Any:
        reduced = super().__reduce_ex__(protocol)
        cls = type(self)
        ours = cls.__module__ == "nn" or cls.__module__.startswith("nn.")
        if not ours or not isinstance(reduced, tuple) or reduced[0] is not _NEWOBJ or len(reduced[1]) != 1:
            return reduced
        return (new, ("chaingrad." + cls.__module__, cls.__qualname__), *reduced[2:])


def new(module: str, qualname: str) -> Any:
    """An empty instance of nn's class `qualname` in `module` (a chaingrad.nn... name), for unpickling."""
    cls: Any = importlib.import_module(module)
    for part in qualname.split("."):
        cls = getattr(cls, part)
    return cls.__new__(cls)


new.__module__ = "chaingrad.nn.pickling"  # the name pickles record, whoever holds the top-level `nn`
