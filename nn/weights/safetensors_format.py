"""Weights as safetensors, through the `safetensors` package's numpy API (the `safetensors` extra):
one float64 tensor per state-dict entry, torch's names and shapes, metadata {"format": "pt"} so
that torch and Hugging Face tools take the file as PyTorch weights."""

from __future__ import annotations

import json
import re
from typing import Any

from nn.weights.state import StateDictError, short


def _modules() -> tuple[Any, Any]:
    try:
        import numpy
        import safetensors.numpy
    except ImportError as error:
        raise ImportError(
            "weights files ending in .safetensors need the safetensors package: pip install 'chaingrad[safetensors]' "
            f"(or save to a .json path); the import said: {error}"
        ) from error
    return numpy, safetensors.numpy


def encode(numbers: dict[str, Any]) -> bytes:
    """The safetensors bytes of a checked state dict {name: float or nested lists}."""
    numpy, safetensors_numpy = _modules()
    arrays = {name: numpy.asarray(entry, dtype=numpy.float64) for name, entry in numbers.items()}
    return bytes(safetensors_numpy.save(arrays, metadata={"format": "pt"}))


def _refuse_duplicate_names(data: bytes, where: str) -> None:
    """StateDictError if the header (8 bytes of length, then JSON) names a tensor twice: the
    safetensors parser keeps one of them silently, and nn's JSON reader refuses the same. A header
    that does not parse is left to the safetensors parser to report."""
    length = int.from_bytes(data[:8], "little") if len(data) >= 8 else -1
    if not 2 <= length <= len(data) - 8:
        return
    header = data[8:8 + length]
    brackets = re.sub(rb'"(?:[^"\\]|\\.)*"', b"", header).translate(None, _NOT_BRACKETS)
    for _ in range(_HEADER_DEPTH):  # {"name": {"shape": [2, 3], ...}}: nested 3 deep
        brackets = brackets.replace(b"[]", b"").replace(b"{}", b"")
    if brackets:
        return  # deeper, or unbalanced: never given to Python's recursive parser

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        names = [name for name, _ in pairs]
        for name in names:
            if names.count(name) > 1:
                raise _Duplicate(name)
        return dict(pairs)

    try:
        json.loads(header, object_pairs_hook=unique)
    except _Duplicate as duplicate:
        raise StateDictError(
            f"{where}: the tensor name {short(duplicate.args[0])} appears twice in the safetensors header; which "
            "one is meant is unclear: write the file again with one entry per name"
        ) from None
    except ValueError:  # not JSON: the safetensors parser says what is wrong
        return


class _Duplicate(Exception):
    pass


_HEADER_DEPTH = 3
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")


def decode(data: bytes, where: str) -> dict[str, Any]:
    """{name: float or nested lists} from safetensors bytes, or StateDictError naming the file."""
    numpy, safetensors_numpy = _modules()
    _refuse_duplicate_names(data, where)
    try:
        arrays = safetensors_numpy.load(data)
    except Exception as error:  # the Rust parser's SafetensorError and friends
        raise StateDictError(f"{where} is not a safetensors file ({short(str(error))})") from None
    state = {}
    for name, array in arrays.items():
        if array.dtype.kind not in "fiu":
            raise StateDictError(f"{where}: tensor {short(name)} has dtype {array.dtype}, not a number type")
        state[name] = array.astype(numpy.float64).tolist()
    return state
