"""State dicts: {name: number or nested lists of numbers}, checked before anything is changed.

An entry is a tensor: a number, or a non-empty list of entries of one shape (torch's names and
shapes: "0.weight" is [out][in]). Entries may also be torch tensors or numpy arrays (read with
.tolist()), and the flat form, one number per scalar name ("0.weight.1.0"), is accepted too.
Every message is bounded: long names and values are cut.
"""

from __future__ import annotations

import math
import reprlib
from numbers import Real
from typing import Any, Callable, Mapping, NamedTuple

from engine import Value

_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxlong = 40
_repr.maxlist = _repr.maxtuple = _repr.maxdict = 4
NONFINITE_HINT = "pass allow_nonfinite=True to keep NaN and inf (e.g. to inspect a diverged run)"


class IncompatibleKeys(NamedTuple):
    """What load_state_dict(strict=False) did not match, as torch's (missing_keys, unexpected_keys)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class StateDictError(ValueError):
    """A state dict or weights file does not fit: missing or extra keys, wrong shapes, bad numbers, a bad file."""


def short(item: object) -> str:
    """A repr cut to about 60 characters (messages never grow with the input)."""
    return _repr.repr(item)


def shape_of(item: object, is_leaf: Callable[[object], bool]) -> tuple[int, ...] | None:
    """The shape of `item` if it is a leaf or a non-empty list/tuple of items of one shape, else None.
    Iterative: one pass down the first elements, then a check of every list at every depth."""
    if is_leaf(item):
        return ()
    shape: list[int] = []
    probe: Any = item
    while isinstance(probe, (list, tuple)) and probe:
        shape.append(len(probe))
        probe = probe[0]
    if not shape or not is_leaf(probe):
        return None
    level: list[Any] = [item]
    for size in shape:
        following: list[Any] = []
        for row in level:
            if not isinstance(row, (list, tuple)) or len(row) != size:
                return None
            following.extend(row)
        level = following
    return tuple(shape) if all(is_leaf(leaf) for leaf in level) else None


def flatten(item: Any, depth: int) -> list[Any]:
    """The leaves of a tensor `depth` lists deep, row by row."""
    level = [item]
    for _ in range(depth):
        level = [leaf for row in level for leaf in row]
    return level


def reshape(flat: list[Any], shape: tuple[int, ...]) -> Any:
    """`flat` as nested lists of `shape` (a scalar for shape ())."""
    if not shape:
        return flat[0]
    nested: list[Any] = flat
    for size in reversed(shape[1:]):
        nested = [nested[start:start + size] for start in range(0, len(nested), size)]
    return nested


def numbers_of(tensor: Any) -> Any:
    """A tensor of Values as the same nesting of their numbers."""
    shape = shape_of(tensor, lambda item: isinstance(item, Value))
    if shape is None:
        raise StateDictError(f"{short(tensor)} is not a tensor of Values")
    return reshape([value.data for value in flatten(tensor, len(shape))], shape)


def _is_number(item: object) -> bool:
    return isinstance(item, Real) and not isinstance(item, bool)


def _as_lists(entry: Any) -> Any:
    """A torch tensor or numpy array as nested lists (their .tolist()); anything else as it is."""
    tolist = getattr(entry, "tolist", None)
    if tolist is not None and not isinstance(entry, (list, tuple, Value)):
        detach = getattr(entry, "detach", None)  # a torch tensor: no autograd needed to read it
        return (detach() if callable(detach) else entry).tolist()
    return entry


def check_entry(name: str, entry: object, allow_nonfinite: bool = False) -> tuple[tuple[int, ...], list[float]]:
    """(shape, numbers row by row) of one state-dict entry, or StateDictError naming the key."""
    entry = _as_lists(entry)
    shape = shape_of(entry, _is_number)
    if shape is None:
        any_shape = shape_of(entry, lambda item: not isinstance(item, (list, tuple)))
        if any_shape is not None:  # rectangular, but some leaf is not a number
            bad = next(item for item in flatten(entry, len(any_shape)) if not _is_number(item))
            raise StateDictError(f"state dict key {short(name)} holds {short(bad)}, not a finite number")
        raise StateDictError(
            f"state dict key {short(name)} holds {short(entry)}, which is neither a number nor a rectangular "
            "list of numbers"
        )
    numbers = []
    for number in flatten(entry, len(shape)):
        try:
            number = float(number)
        except OverflowError:
            raise StateDictError(f"state dict key {short(name)} holds {short(number)}, too large for a float") from None
        if not allow_nonfinite and not math.isfinite(number):
            raise StateDictError(f"state dict key {short(name)} holds {number!r}, not a finite number; {NONFINITE_HINT}")
        numbers.append(number)
    return shape, numbers


def check_state_dict(state: object, allow_nonfinite: bool = False) -> dict[str, Any]:
    """`state` as {name: float or nested lists of floats}, or StateDictError naming the first bad key."""
    if not isinstance(state, Mapping):
        raise StateDictError(f"a state dict must map names to numbers, got {type(state).__name__}")
    checked: dict[str, Any] = {}
    for name, entry in state.items():
        if not isinstance(name, str):
            raise StateDictError(f"state dict key {short(name)} is not a string")
        shape, numbers = check_entry(name, entry, allow_nonfinite)
        checked[name] = reshape(numbers, shape)
    return checked


def _names(names: list[str]) -> str:
    shown = ", ".join(short(name) for name in names[:5])
    return f"[{shown}{', ...' if len(names) > 5 else ''}]"


def match_state_dict(
    tensors: Mapping[str, Any], state: object, strict: bool = True, allow_nonfinite: bool = False
) -> tuple[list[str], list[str], list[tuple[Value, float]]]:
    """Match `state` against a model's tensors {name: tensor of Values}.

    Returns:
        (missing keys, unexpected keys, [(Value, number)] to assign). StateDictError for a wrong
        shape or a bad number, and for missing or unexpected keys when strict.
    """
    if not isinstance(state, Mapping):
        raise StateDictError(f"a state dict must map names to numbers, got {type(state).__name__}; pass nn.load(path)")
    shapes = {name: shape_of(tensor, lambda item: isinstance(item, Value)) for name, tensor in tensors.items()}
    assignments: list[tuple[Value, float]] = []
    covered: set[tuple[str, str]] = set()  # (tensor name, element suffix) set by flat-form keys
    full: set[str] = set()
    unexpected: list[str] = []
    for name, entry in state.items():
        if not isinstance(name, str):
            raise StateDictError(f"state dict key {short(name)} is not a string")
        tensor_name, suffix = name, ""
        while tensor_name not in tensors and "." in tensor_name:  # the flat form: "w.0" names w[0]
            tensor_name, _, index = tensor_name.rpartition(".")
            suffix = f"{index}.{suffix}" if suffix else index
            if not index.isdigit():
                break
        if tensor_name not in tensors or not all(part.isdigit() for part in suffix.split(".") if suffix):
            unexpected.append(name)
            continue
        shape, numbers = check_entry(name, entry, allow_nonfinite)
        target_shape = shapes[tensor_name]
        assert target_shape is not None
        indices = [int(part) for part in suffix.split(".")] if suffix else []
        if len(indices) > len(target_shape) or any(i >= size for i, size in zip(indices, target_shape)):
            unexpected.append(name)
            continue
        expected_shape = target_shape[len(indices):]
        if shape != expected_shape:
            raise StateDictError(
                f"size mismatch for {short(name)}: the state dict has shape {short(list(shape))}, "
                f"the model {list(expected_shape)}; was it saved from the same architecture?"
            )
        part: Any = tensors[tensor_name]
        for position in indices:
            part = part[position]
        assignments += zip(flatten(part, len(expected_shape)), numbers)
        if suffix:
            covered.add((tensor_name, suffix))
        else:
            full.add(tensor_name)
    missing = [name for name in tensors if name not in full and not _covered(name, shapes[name], covered)]
    if strict and (missing or unexpected):
        raise StateDictError(
            f"state dict does not match the model ({len(state)} entries, the model has {len(tensors)} tensors): "
            f"missing {_names(missing)}, unexpected {_names(unexpected)}; was it saved from the same architecture? "
            "(load_state_dict(state, strict=False) loads the keys that match)"
        )
    return missing, unexpected, assignments


def _covered(name: str, shape: tuple[int, ...] | None, covered: set[tuple[str, str]]) -> bool:
    """Whether flat-form keys ("w.0", "w.1.2", ...) set every scalar of tensor `name`."""
    if not covered or shape is None:
        return False
    scalars = 0
    for tensor_name, suffix in covered:
        if tensor_name == name:
            scalars += math.prod(shape[suffix.count(".") + 1:])
    return scalars == math.prod(shape)
