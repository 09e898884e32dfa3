"""Containers as torch.nn's: Sequential (modules run in order), ModuleList and ModuleDict; their
items are named "0", "1", ... or by key, so Sequential(Linear, ReLU, Linear) has torch's state-dict
names "0.weight", "0.bias", "2.weight", "2.bias"."""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping

from nn.activations import BY_NAME
from nn.linear import Linear
from nn.module import Module


def _check_module(item: object, owner: str) -> Module:
    if not isinstance(item, Module):
        raise TypeError(f"{owner} holds Modules, got {type(item).__name__}: {item!r}; wrap functions in a Module subclass")
    return item


class ModuleList(Module):
    """A list of Modules, registered under "0", "1", ..."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        self._items: list[Module] = [_check_module(module, type(self).__name__) for module in modules]

    def _attributes(self) -> list[tuple[str, object]]:
        return [(str(index), module) for index, module in enumerate(self._items)]

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return type(self)(self._items[index])
        return self._items[index]

    def __setitem__(self, index: int, module: Module) -> None:
        self._items[index] = _check_module(module, type(self).__name__)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._items)

    def append(self, module: Module) -> ModuleList:
        self._items.append(_check_module(module, type(self).__name__))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        self._items.insert(index, _check_module(module, type(self).__name__))


class Sequential(ModuleList):
    """Modules run one after the other: Sequential(Linear(2, 16), ReLU(), Linear(16, 1)).

    Also Sequential(OrderedDict(name=module, ...)), whose names then replace "0", "1", ...
    """

    def __init__(self, *modules: Any) -> None:
        self._names: list[str] | None
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            self._names = [str(name) for name in modules[0]]
            for name in self._names:
                if "." in name or not name:
                    raise KeyError(f"module name {name!r} must be non-empty and hold no '.'")
            super().__init__(modules[0].values())
        else:
            self._names = None
            super().__init__(modules)

    def _attributes(self) -> list[tuple[str, object]]:
        names = self._names if self._names is not None and len(self._names) == len(self._items) else None
        return [(names[index] if names else str(index), module) for index, module in enumerate(self._items)]

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return Sequential(*self._items[index])
        return self._items[index]

    def append(self, module: Module) -> Sequential:
        if self._names is not None:
            self._names.append(str(len(self._items)))
        super().append(module)
        return self

    def forward(self, x: Any) -> Any:
        for module in self._items:
            x = module(x)
        return x


class ModuleDict(Module):
    """A dict of Modules, registered under their keys (str, no '.')."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        self._items: dict[str, Module] = {}
        if modules is not None:
            self.update(modules)

    def _attributes(self) -> list[tuple[str, object]]:
        return list(self._items.items())

    def __getitem__(self, key: str) -> Module:
        return self._items[key]

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(key, str) or "." in key or not key:
            raise KeyError(f"ModuleDict keys must be non-empty strings without '.', got {key!r}")
        self._items[key] = _check_module(module, "ModuleDict")

    def __delitem__(self, key: str) -> None:
        del self._items[key]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def keys(self) -> Any:
        return self._items.keys()

    def values(self) -> Any:
        return self._items.values()

    def items(self) -> Any:
        return self._items.items()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, module in pairs:
            self[key] = module


def sequential_from_mlp(mlp: Any) -> Sequential:
    """Sequential(Linear, activation, ..., Linear) sharing an MLP's Values (MLP.to_sequential)."""
    modules: list[Module] = []
    for index, layer in enumerate(mlp.layers):
        activations = {neuron.activation for neuron in layer.neurons}
        if len(activations) != 1:
            raise ValueError(f"layer {index} mixes activations {sorted(activations)}; Sequential needs one per layer")
        linear = Linear.__new__(Linear)
        linear.in_features, linear.out_features = len(layer.neurons[0].w), len(layer.neurons)
        linear.weight = [neuron.w for neuron in layer.neurons]  # the same lists of Values
        linear.bias = [neuron.b for neuron in layer.neurons]
        modules.append(linear)
        (activation,) = activations
        if activation != "linear":
            modules.append(BY_NAME[activation]())
    return Sequential(*modules)
