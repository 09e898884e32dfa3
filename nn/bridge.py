"""A bridge to PyTorch (optional; torch is imported only when these are called).

to_torch(model) builds the torch module with the same weights (float64 by default): Linear ->
torch.nn.Linear, Sequential -> torch.nn.Sequential (same names), activations -> torch's, and
Neuron/Layer/MLP -> Sequential(Linear, activation, ..., Linear) as MLP.to_sequential() lays them out.
from_torch(module) goes the other way for Linear, Sequential and the activations, giving an
nn.Sequential (or Linear, or activation) with the same state-dict names.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from nn.activations import Activation, Identity, LeakyReLU, ReLU, Sigmoid, Tanh
from nn.linear import Linear
from nn.mlp import MLP, Layer, Neuron
from nn.module import Module
from nn.sequential import Sequential, sequential_from_mlp


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(
            "nn.to_torch and nn.from_torch need PyTorch; install a CPU build, e.g. pip install torch==2.13.0 "
            "(chaingrad itself never needs it)"
        ) from None
    return torch


def to_torch(model: Module, dtype: Any = None) -> Any:
    """The torch.nn module computing what `model` computes, with a copy of its weights (float64 unless `dtype`)."""
    torch = _torch()
    dtype = torch.float64 if dtype is None else dtype
    # one pass, children before parents, without recursion: built[id(module)] = its torch module
    root = _as_sequential(model)
    order: list[Module] = []
    children_of: dict[int, list[tuple[str, Module]]] = {}  # a Sequential's children, MLPs made Sequential
    stack: list[Module] = [root]
    while stack:
        module = stack.pop()
        order.append(module)
        if isinstance(module, Sequential):
            children = [(name, _as_sequential(child)) for name, child in module._attributes()]  # type: ignore[arg-type]
            children_of[id(module)] = children
            stack.extend(child for _, child in children)
    built: dict[int, Any] = {}
    for module in reversed(order):
        if isinstance(module, Sequential):
            named = OrderedDict((name, built[id(child)]) for name, child in children_of[id(module)])
            built[id(module)] = torch.nn.Sequential(named)
        else:
            built[id(module)] = _to_torch_one(module, torch, dtype)
    return built[id(root)]


def _as_sequential(module: Module) -> Module:
    """An MLP, Layer or Neuron as the Sequential of Linear and activations that computes the same
    (sharing its Values); any other module as it is."""
    if isinstance(module, MLP):
        return sequential_from_mlp(module)
    if isinstance(module, (Layer, Neuron)):
        holder = MLP.__new__(MLP)
        layer = module if isinstance(module, Layer) else Layer.__new__(Layer)
        if isinstance(module, Neuron):
            layer.neurons = [module]
        holder.layers = [layer]
        return sequential_from_mlp(holder)
    return module


def _to_torch_one(module: Module, torch: Any, dtype: Any) -> Any:
    """The torch module for a Linear or an activation module."""
    if isinstance(module, Linear):
        linear = torch.nn.Linear(module.in_features, module.out_features, bias=module.bias is not None, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[value.data for value in row] for row in module.weight], dtype=dtype))
            if module.bias is not None:
                linear.bias.copy_(torch.tensor([value.data for value in module.bias], dtype=dtype))
        return linear
    if isinstance(module, LeakyReLU):
        return torch.nn.LeakyReLU(module.negative_slope)
    simple: dict[type[Module], str] = {ReLU: "ReLU", Tanh: "Tanh", Sigmoid: "Sigmoid", Identity: "Identity"}
    if type(module) in simple:
        return getattr(torch.nn, simple[type(module)])()
    raise TypeError(
        f"nn.to_torch converts Linear, Sequential, MLP, Layer, Neuron and the activation modules, not {type(module).__name__}; "
        "write the torch module by hand and copy the weights with load_state_dict"
    )


def from_torch(module: Any) -> Module:
    """The chaingrad module computing what a torch Linear, Sequential or activation computes, with its weights."""
    torch = _torch()
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"nn.from_torch needs a torch.nn.Module, got {type(module).__name__}")
    order: list[Any] = []
    stack = [module]
    while stack:
        item = stack.pop()
        order.append(item)
        if isinstance(item, torch.nn.Sequential):
            stack.extend(item.children())
    built: dict[int, Module] = {}
    for item in reversed(order):
        built[id(item)] = _from_torch_one(item, torch, built)
    return built[id(module)]


def _from_torch_one(item: Any, torch: Any, built: dict[int, Module]) -> Module:
    if isinstance(item, torch.nn.Sequential):
        named = list(item.named_children())
        if all(name == str(index) for index, (name, _) in enumerate(named)):
            return Sequential(*(built[id(child)] for _, child in named))
        return Sequential(OrderedDict((name, built[id(child)]) for name, child in named))
    if isinstance(item, torch.nn.Linear):
        linear = Linear(item.in_features, item.out_features, bias=item.bias is not None, rng=0)
        linear.load_state_dict({name: tensor.detach().double().tolist() for name, tensor in item.state_dict().items()})
        return linear
    if isinstance(item, torch.nn.LeakyReLU):
        return LeakyReLU(item.negative_slope)
    simple: dict[Any, type[Activation]] = {
        torch.nn.ReLU: ReLU, torch.nn.Tanh: Tanh, torch.nn.Sigmoid: Sigmoid, torch.nn.Identity: Identity,
    }
    if type(item) in simple:
        return simple[type(item)]()
    raise TypeError(
        "nn.from_torch converts torch.nn.Linear, Sequential, ReLU, Tanh, Sigmoid, LeakyReLU and Identity, "
        f"not {type(item).__name__}"
    )
