"""Saving and loading weights as JSON: atomic writes, and loads that check everything first."""

from __future__ import annotations

import json
import math
import os
import tempfile
from typing import Mapping, Sequence, Union

FORMAT = "chaingrad-state-dict"
VERSION = 1


class StateDictError(ValueError):
    """A state dict or weights file does not match the model (missing or extra keys, bad numbers)."""


def check_state_dict(state: Mapping[str, object], expected: Sequence[str] | None = None) -> dict[str, float]:
    """`state` as {name: float}, or StateDictError naming the first bad key (nothing is changed)."""
    if not isinstance(state, Mapping):
        raise StateDictError(f"a state dict must map names to numbers, got {type(state).__name__}")
    numbers: dict[str, float] = {}
    for name, number in state.items():
        if not isinstance(name, str):
            raise StateDictError(f"state dict key {name!r} is not a string")
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
            raise StateDictError(f"state dict key {name!r} holds {number!r}, not a finite number")
        numbers[name] = float(number)
    if expected is not None:
        missing = [name for name in expected if name not in numbers]
        extra = [name for name in numbers if name not in set(expected)]
        if missing or extra:
            raise StateDictError(
                f"state dict does not match the model ({len(numbers)} entries, the model has {len(expected)} "
                f"parameters): missing {missing[:5]}{' ...' if len(missing) > 5 else ''}, "
                f"unexpected {extra[:5]}{' ...' if len(extra) > 5 else ''}; was it saved from the same architecture?"
            )
    return numbers


def save(model_or_state: object, path: Union[str, os.PathLike]) -> None:
    """Write a model's state dict (or a state dict) to `path` as JSON, atomically.

    The file is written beside the target, flushed to disk, then renamed over it: a crash mid-save
    leaves the previous file whole.
    """
    state = model_or_state.state_dict() if hasattr(model_or_state, "state_dict") else model_or_state
    numbers = check_state_dict(state)  # type: ignore[arg-type]
    text = json.dumps({"format": FORMAT, "version": VERSION, "parameters": numbers}, indent=1)
    write_atomically(path, text.encode("utf-8"))


def write_atomically(path: Union[str, os.PathLike], data: bytes) -> None:
    """Write `data` to `path` through a temporary file beside it, flushed to disk, then renamed over
    it: a crash mid-write leaves the previous file whole, never a half-written one."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".chaingrad-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load(path: Union[str, os.PathLike]) -> dict[str, float]:
    """Read a weights file written by save(); StateDictError if it is not one."""
    with open(path, encoding="utf-8") as handle:
        try:
            document = json.load(handle)
        except json.JSONDecodeError as error:
            raise StateDictError(f"{os.fspath(path)!r} is not JSON ({error}); was it written by nn.save?") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT or "parameters" not in document:
        raise StateDictError(f"{os.fspath(path)!r} is not a chaingrad weights file (no {FORMAT!r} header)")
    if document.get("version") != VERSION:
        raise StateDictError(
            f"{os.fspath(path)!r} has format version {document.get('version')!r}; this chaingrad reads {VERSION}"
        )
    return check_state_dict(document["parameters"])
