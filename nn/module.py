"""Module: the base class of every chaingrad model, as torch.nn.Module.

`model(x)` runs `model.forward(x)`. Parameters are the Values found by walking the attributes
(underscore ones included), lists, tuples and dicts of Values and Modules, and the containers
ModuleList, ModuleDict and Sequential, each Value once. A list (of lists ...) of Values of one shape
is one tensor in the state dict: `Linear.weight` is the entry "weight" of shape [out][in], as in
torch; `named_parameters()` names each scalar, "weight.1.0".
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, TypeVar

from engine import Value
from nn.pickling import PickledByChaingradName
from nn.weights.state import IncompatibleKeys, match_state_dict, numbers_of, shape_of

ModuleType = TypeVar("ModuleType", bound="Module")
Tensor = Any  # a Value, or a non-empty list of tensors of one shape
CONTAINERS = (list, tuple, dict)


def check_size(name: str, size: object) -> int:
    """`size` if it is an int >= 1, else TypeError or ValueError naming the argument."""
    if isinstance(size, bool) or not isinstance(size, int):
        raise TypeError(f"{name} must be an int, got {type(size).__name__}: {size!r}")
    if size < 1:
        raise ValueError(f"{name} must be at least 1, got {size}")
    return size


def tensor_shape(item: object) -> tuple[int, ...] | None:
    """The shape of `item` if it is a tensor of Values (a Value, or a list or tuple of tensors of one shape), else None."""
    return shape_of(item, _is_value)


def _is_value(item: object) -> bool:
    return isinstance(item, Value)


def flat_values(tensor: Tensor) -> list[tuple[str, Value]]:
    """(index suffix, Value) for each scalar of a tensor, row by row: ("", v) for a Value, ("0.1", v) ..."""
    found: list[tuple[str, Value]] = []
    stack: list[tuple[str, Any]] = [("", tensor)]
    while stack:
        suffix, item = stack.pop()
        if isinstance(item, Value):
            found.append((suffix, item))
        else:
            children = [(_join(suffix, str(index)), child) for index, child in enumerate(item)]
            stack.extend(reversed(children))
    return found


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix and name else prefix or name


class Module(PickledByChaingradName):
    """Base class: forward(), parameters by walking attributes, train/eval, state dicts, a torch-like repr.

    Subclasses define forward() and set their parameters as attributes; calling super().__init__()
    is welcome but not needed.
    """

    training: bool = True  # a class default, so subclasses need not call super().__init__()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A class that defines forward() (and no __call__) is called straight through it: model(x)
        costs no extra call (there are no hooks to run in between)."""
        super().__init_subclass__(**kwargs)
        if "forward" in vars(cls) and "__call__" not in vars(cls):
            cls.__call__ = vars(cls)["forward"]  # type: ignore[method-assign]

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__} has no forward(); define forward(self, x) in the subclass, as in torch.nn.Module"
        )

    # --- the walk -------------------------------------------------------------------------------

    def _attributes(self) -> list[tuple[str, object]]:
        """(name, object) for what this module holds directly; containers list their items."""
        return list(vars(self).items())

    def _walk(self, prefix: str = "") -> Iterator[tuple[str, str, object]]:
        """("module" | "tensor", dotted name, object) for each module (each once, pre-order, self first)
        and each tensor held by those modules, in attribute order. No recursion."""
        seen: set[int] = set()
        stack: list[tuple[str, object]] = [(prefix, self)]
        while stack:
            name, item = stack.pop()
            if isinstance(item, Module):
                if id(item) in seen:  # shared, or a back-reference: walk it once
                    continue
                seen.add(id(item))
                yield "module", name, item
                children = item._attributes()
            elif tensor_shape(item) is not None:
                yield "tensor", name, item
                continue
            elif isinstance(item, dict):
                children = [(str(key), child) for key, child in item.items()]
            elif isinstance(item, (list, tuple)):
                children = [(str(index), child) for index, child in enumerate(item)]
            else:
                continue
            for child_name, child in reversed(children):
                if isinstance(child, (Value, Module) + CONTAINERS):
                    stack.append((_join(name, child_name), child))

    def named_tensors(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        """(dotted name, tensor of Values) for each tensor: the state dict's entries, as Values."""
        for kind, name, item in self._walk(prefix):
            if kind == "tensor":
                yield name, item

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        """(dotted name, Value) for each parameter, each once, in attribute order ("weight.1.0")."""
        seen: set[int] = set()
        for name, tensor in self.named_tensors(prefix):
            for suffix, value in flat_values(tensor):
                if id(value) not in seen:
                    seen.add(id(value))
                    yield _join(name, suffix), value

    def parameters(self) -> list[Value]:
        """The parameters, each once (frozen ones included, as torch lists them)."""
        return [parameter for _, parameter in self.named_parameters()]

    def num_parameters(self) -> int:
        """How many scalar parameters the module has."""
        return len(self.parameters())

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module ("") and every submodule, each once, pre-order."""
        for kind, name, item in self._walk(prefix):
            if kind == "module":
                yield name, item  # type: ignore[misc]

    def modules(self) -> Iterator[Module]:
        """This module and every submodule, each once."""
        return (module for _, module in self.named_modules())

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for the modules held directly (in attributes, lists, tuples and dicts), each once."""
        seen = {id(self)}
        stack: list[tuple[str, object]] = list(reversed(self._attributes()))
        while stack:
            name, item = stack.pop()
            if isinstance(item, Module):
                if id(item) not in seen:
                    seen.add(id(item))
                    yield name, item
            elif isinstance(item, dict):
                stack.extend((_join(name, str(key)), child) for key, child in reversed(list(item.items())))
            elif isinstance(item, (list, tuple)) and tensor_shape(item) is None:
                stack.extend((_join(name, str(index)), child) for index, child in reversed(list(enumerate(item))))

    def children(self) -> Iterator[Module]:
        """The modules held directly."""
        return (module for _, module in self.named_children())

    def apply(self: ModuleType, function: Callable[[Module], object]) -> ModuleType:
        """Call function(module) on every submodule, children before their parents, then on self (as torch)."""
        for module in reversed(list(self.modules())):
            function(module)
        return self

    def train(self: ModuleType, mode: bool = True) -> ModuleType:
        """Set .training on this module and every submodule; returns self."""
        if not isinstance(mode, bool):
            raise TypeError(f"train(mode) needs a bool, got {type(mode).__name__}: {mode!r}")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self: ModuleType) -> ModuleType:
        """train(False)."""
        return self.train(False)

    def requires_grad_(self: ModuleType, requires_grad: bool = True) -> ModuleType:
        """Track (True) or freeze (False) every parameter; returns self. Frozen parameters stay
        parameters (in parameters() and the state dict); optimizers skip them."""
        if not isinstance(requires_grad, bool):
            raise TypeError(f"requires_grad_() needs a bool, got {type(requires_grad).__name__}: {requires_grad!r}")
        for parameter in self.parameters():
            parameter.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Set every parameter's gradient to 0.0 (set_to_none=True too: chaingrad's engine keeps every
        gradient a number)."""
        for parameter in self.parameters():
            parameter.grad = 0.0

    # --- state dicts ----------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """{dotted name: number, or nested lists of numbers} for each tensor (torch's names and shapes)."""
        return {name: numbers_of(tensor) for name, tensor in self.named_tensors()}

    def load_state_dict(self, state: Any, strict: bool = True, allow_nonfinite: bool = False) -> IncompatibleKeys:
        """Set the parameters from `state` (ours, torch's tensors, numpy arrays, or the flat
        one-number-per-name form). Everything is checked before anything changes: a wrong shape or a
        bad number raises StateDictError; so do missing or unexpected keys unless strict=False, and
        NaN or inf unless allow_nonfinite=True.

        Returns:
            IncompatibleKeys(missing_keys, unexpected_keys), as torch's load_state_dict.
        """
        missing, unexpected, assignments = match_state_dict(dict(self.named_tensors()), state, strict, allow_nonfinite)
        for value, number in assignments:
            value.data = number
        return IncompatibleKeys(missing, unexpected)

    # --- printing, pickling ---------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The part of the repr inside the parentheses (as in torch.nn.Module)."""
        return ""

    def _children(self) -> list[tuple[str, Module]]:
        """(name, module) shown inside the repr."""
        return list(self.named_children())

    def __repr__(self) -> str:
        children = self._children()
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        for name, child in children:
            lines.append(f"  ({name}): " + repr(child).replace("\n", "\n  "))
        lines.append(")")
        return "\n".join(lines)
