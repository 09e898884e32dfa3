"""chaingrad under one name: ``from chaingrad.engine import Value``, ``import chaingrad.nn as nn``,
``chaingrad.viz``, as micrograd's ``from micrograd.engine import Value``.

The code lives in the top-level packages engine, nn and viz, installed beside this one. Where those
names are ours, ``chaingrad.engine`` is the very module ``engine``. Where a learner's own engine.py
or nn.py (micrograd's lecture has both) stands first on sys.path, beside a notebook, ``import
engine`` gives the learner's file, and chaingrad loads its own packages from beside this file
instead: while they import, the top-level names point at chaingrad's modules (so that ``from engine
import Value`` inside nn finds ours), and afterwards every name is put back as it was, the learner's
modules included. That is the one place chaingrad touches sys.modules, only while it imports.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from pathlib import Path
from types import ModuleType

_HOME = Path(__file__).resolve().parent.parent  # where engine/, nn/ and viz/ are installed
_PACKAGES = ("engine", "nn", "viz")
_lock = threading.RLock()

__all__ = ["engine", "nn", "viz"]


def _is_ours(module: ModuleType | None, name: str) -> bool:
    location = getattr(module, "__file__", None)
    return location is not None and Path(location).resolve() == _HOME / name / "__init__.py"


def _top_level_is_ours(name: str) -> bool:
    if name in sys.modules:
        return _is_ours(sys.modules[name], name)
    spec = importlib.util.find_spec(name)
    return spec is not None and spec.origin is not None and Path(spec.origin).resolve() == _HOME / name / "__init__.py"


def _load_beside(name: str) -> ModuleType:
    """Our package `name`, loaded from beside this file while a foreign module holds the name."""
    saved = {key: module for key, module in sys.modules.items() if key in _PACKAGES or key.split(".")[0] in _PACKAGES}
    try:
        for key in saved:  # while ours import, the top-level names are chaingrad's
            del sys.modules[key]
        for key in [key for key in sys.modules if key.startswith("chaingrad.") and key.split(".")[1] in _PACKAGES]:
            sys.modules[key[len("chaingrad."):]] = sys.modules[key]  # ours loaded before: nn.weights, ...
        spec = importlib.util.spec_from_file_location(
            name, _HOME / name / "__init__.py", submodule_search_locations=[str(_HOME / name)]
        )
        if spec is None or spec.loader is None:
            raise ImportError(f"chaingrad cannot find its package {name!r} in {_HOME}; reinstall chaingrad")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        for key in [key for key in sys.modules if key == name or key.startswith(name + ".")]:
            sys.modules["chaingrad." + key] = sys.modules[key]
        return module
    finally:
        for key in [key for key in sys.modules if key in _PACKAGES or key.split(".")[0] in _PACKAGES]:
            del sys.modules[key]
        sys.modules.update(saved)  # the learner's modules, as they were


def package(name: str) -> ModuleType:
    """chaingrad's package `name` (engine, nn or viz), imported on first use and kept as chaingrad.name."""
    with _lock:
        module = sys.modules.get(f"chaingrad.{name}")
        if module is None or not _is_ours(module, name):
            for dependency in _PACKAGES[: _PACKAGES.index(name)]:
                package(dependency)  # nn builds on engine, viz on both
            if _top_level_is_ours(name) and _top_level_is_ours("engine"):
                module = importlib.import_module(name)
                for key in [key for key in sys.modules if key.startswith(name + ".")]:
                    sys.modules["chaingrad." + key] = sys.modules[key]  # chaingrad.engine.value is engine.value
            else:
                module = _load_beside(name)
            sys.modules[f"chaingrad.{name}"] = module
        globals()[name] = module
        return module


def __getattr__(name: str) -> ModuleType:
    """chaingrad.engine, chaingrad.nn and chaingrad.viz after ``import chaingrad``."""
    if name not in _PACKAGES:
        raise AttributeError(f"module 'chaingrad' has no attribute {name!r}; it has {', '.join(_PACKAGES)}")
    return package(name)
