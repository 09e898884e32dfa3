"""nn.save and nn.load: weights as our JSON or as safetensors (chosen by the suffix ".safetensors").

JSON: {"format": "chaingrad-state-dict", "version": 2, "parameters": {name: number or nested lists}}
(version 1, one number per scalar name, is still read). NaN and inf are refused unless
allow_nonfinite=True, which writes them as the strings "NaN", "Infinity", "-Infinity" (so the file
stays strict JSON). safetensors: one float64 tensor per entry (the `safetensors` extra; torch reads
it with safetensors.torch.load_file). Loading checks the whole file before returning anything: too
large (max_bytes), not UTF-8, nested deeper than any state dict, numbers of more than 100
characters, duplicate keys, a version that is not an integer: each raises StateDictError naming the
file and the problem, in a message of bounded length.
"""

from __future__ import annotations

import json
import math
import os
import re
from typing import Any

from nn.weights import safetensors_format
from nn.weights.files import PathLike, check_path, file_name, read_bounded, write_atomically
from nn.weights.state import NONFINITE_HINT, StateDictError, check_state_dict, short

FORMAT = "chaingrad-state-dict"
VERSION = 2
READABLE_VERSIONS = (1, 2)
MAX_BYTES = 32 * 1024 * 1024  # 1.2 million parameters in JSON, 4 million in safetensors; max_bytes= for more
# (a 64 MiB JSON file of numbers takes about 30 s and 650 MB to load here: the limit keeps a hostile file cheap)
MAX_DEPTH = 16  # the document, the parameters and tensors of up to 13 dimensions
MAX_NUMBER_CHARACTERS = 100
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
NONFINITE_TEXT = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}

__all__ = ["FORMAT", "MAX_BYTES", "StateDictError", "VERSION", "load", "save", "write_atomically"]


def _is_safetensors(name: str) -> bool:
    return name.lower().endswith(".safetensors")


def save(model_or_state: Any, path: PathLike, allow_nonfinite: bool = False) -> None:
    """Write a model's state dict (or a state dict) to `path`: safetensors if it ends in
    ".safetensors", else JSON. Atomic; keeps an existing file's mode; writes through symlinks."""
    name = check_path(path, "nn.save")
    state = model_or_state.state_dict() if hasattr(model_or_state, "state_dict") else model_or_state
    try:
        numbers = check_state_dict(state, allow_nonfinite)
    except StateDictError as error:
        raise StateDictError(f"nn.save({file_name(name)}): {error}") from None
    if _is_safetensors(name):
        data = safetensors_format.encode(numbers)
    else:
        data = _encode_json(numbers, allow_nonfinite)
    write_atomically(name, data)


def _encode_json(numbers: dict[str, Any], allow_nonfinite: bool) -> bytes:
    document = {"format": FORMAT, "version": VERSION, "parameters": numbers}
    if not allow_nonfinite:
        return json.dumps(document, indent=1, allow_nan=False).encode("utf-8")

    def text(number: float) -> Any:
        return number if math.isfinite(number) else ("NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity"))

    document["parameters"] = {key: _map_numbers(value, text) for key, value in numbers.items()}
    return json.dumps(document, indent=1, allow_nan=False).encode("utf-8")


def _map_numbers(entry: Any, function: Any) -> Any:
    """The same nesting with function(number) for each number (iterative)."""
    if not isinstance(entry, list):
        return function(entry)
    root: list[Any] = []
    stack = [(entry, root)]
    while stack:
        source, target = stack.pop()
        for item in source:
            if isinstance(item, list):
                target.append([])
                stack.append((item, target[-1]))
            else:
                target.append(function(item))
    return root


def load(path: PathLike, allow_nonfinite: bool = False, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """Read a weights file written by nn.save (or any safetensors file) as a state dict; StateDictError
    if it is not one. Pass the result to model.load_state_dict."""
    name = check_path(path, "nn.load")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise TypeError(f"nn.load: max_bytes must be a positive int, got {short(max_bytes)}")
    data = read_bounded(name, max_bytes, StateDictError, "nn.load")
    where = file_name(name)
    if _is_safetensors(name):
        state = safetensors_format.decode(data, where)
    else:
        state = _decode_json(data, where)
    try:
        return check_state_dict(state, allow_nonfinite)
    except StateDictError as error:
        hint = "" if allow_nonfinite or NONFINITE_HINT in str(error) or "finite" not in str(error) else f"; {NONFINITE_HINT}"
        raise StateDictError(f"{where}: {error}{hint}") from None


def _decode_json(data: bytes, where: str) -> Any:
    start = data.lstrip()[:1]
    if start != b"{":
        shown = "only whitespace" if not start and data else ("empty" if not data else f"starts with {start!r}")
        raise StateDictError(f"{where} is {shown}, not a JSON object; is it a chaingrad weights file (nn.save)?")
    depth = _nesting_depth(data)
    if depth > MAX_DEPTH:
        raise StateDictError(f"{where} nests lists or objects more than {MAX_DEPTH} deep; it is not a weights file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise StateDictError(
            f"{where} is not UTF-8 text (byte {error.start} is {data[error.start:error.start + 1]!r}); "
            "a chaingrad JSON weights file is UTF-8: was it written by nn.save?"
        ) from None
    try:
        document = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except json.JSONDecodeError as error:
        raise StateDictError(
            f"{where} is not JSON ({short(error.msg)} at line {error.lineno} column {error.colno}); was it written by nn.save?"
        ) from None
    except _Refused as error:
        raise StateDictError(f"{where}: {error}") from None
    except RecursionError:
        raise StateDictError(f"{where} nests too deeply to be a weights file") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT or "parameters" not in document:
        raise StateDictError(f"{where} is not a chaingrad weights file (no {FORMAT!r} header)")
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise StateDictError(
            f"{where} has format version {short(version)}, which is not an integer; this chaingrad reads {READABLE_VERSIONS}"
        )
    if version not in READABLE_VERSIONS:
        raise StateDictError(
            f"{where} has format version {version}; this chaingrad reads {READABLE_VERSIONS}: is it from a newer chaingrad?"
        )
    parameters = document["parameters"]
    if not isinstance(parameters, dict):
        raise StateDictError(f"{where}: 'parameters' must map names to numbers, got {type(parameters).__name__}")
    return {key: _map_numbers(value, _read_number) for key, value in parameters.items()}


def _nesting_depth(data: bytes) -> int:
    """How deeply brackets nest in JSON `data` (strings removed), counted with C-speed passes only
    (a regex, bytes.translate, bytes.replace), so that a file nested 100,000 deep is refused before
    the parser's recursion sees it. Stops past MAX_DEPTH."""
    brackets = _STRINGS.sub(b"", data).translate(None, _NOT_BRACKETS)
    depth = 0
    while brackets and depth <= MAX_DEPTH:
        inner = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if inner == brackets:
            break  # unbalanced: json.loads reports where
        brackets, depth = inner, depth + 1
    return depth


class _Refused(ValueError):
    pass


def _parse_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARACTERS:
        raise _Refused(f"a number of {len(text):,} digits ({text[:20]}...); a weights file holds floats")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARACTERS:
        raise _Refused(f"a number of {len(text):,} characters ({text[:20]}...); a weights file holds floats")
    return float(text)


def _parse_constant(text: str) -> float:
    return NONFINITE_TEXT[text]  # NaN, Infinity, -Infinity as Python's json writes them


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _Refused(f"the key {short(key)} appears twice in one object; which one is meant is unclear")
        document[key] = value
    return document


def _read_number(item: Any) -> Any:
    """A number as it is; the strings "NaN", "Infinity", "-Infinity" as those floats."""
    if isinstance(item, str) and item in NONFINITE_TEXT:
        return NONFINITE_TEXT[item]
    return item


def is_safetensors_path(path: PathLike) -> bool:
    """Whether nn.save/nn.load treat `path` as safetensors."""
    return _is_safetensors(os.fsdecode(os.fspath(path)))
