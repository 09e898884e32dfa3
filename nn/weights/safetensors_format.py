"""Weights as safetensors, through the `safetensors` package's numpy API (the `safetensors` extra):
one float64 tensor per state-dict entry, torch's names and shapes, metadata {"format": "pt"} so
that torch and Hugging Face tools take the file as PyTorch weights."""

from __future__ import annotations

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


def decode(data: bytes, where: str) -> dict[str, Any]:
    """{name: float or nested lists} from safetensors bytes, or StateDictError naming the file."""
    numpy, safetensors_numpy = _modules()
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
