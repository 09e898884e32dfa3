"""Optimizers as torch.optim's: SGD (momentum, dampening, Nesterov, weight decay), Adam (AMSGrad) and
AdamW, with param_groups, per-parameter state and state_dict()/load_state_dict() in torch's layout.

A step skips parameters whose grad is None (as torch's) and frozen ones (requires_grad False): backward
never reaches a frozen parameter, so its gradient stays at zero_grad's 0.0 and plain SGD moves it by
nothing; momentum, weight decay and Adam skip it explicitly. zero_grad(set_to_none=True) sets 0.0 too:
chaingrad's engine keeps every gradient a number.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Iterable

from engine import Value
from nn.pickling import PickledByChaingradName
from nn.weights.state import short


def _check(owner: str, name: str, number: object, low: float, high: float = math.inf, low_open: bool = False) -> float:
    """`number` as a float in [low, high) (or (low, high) with low_open); ValueError naming the argument."""
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise TypeError(f"{owner}: {name} must be a number, got {type(number).__name__}: {short(number)}")
    value = float(number)
    if not (low < value if low_open else low <= value) or not value < high or math.isnan(value):
        interval = f"{'(' if low_open else '['}{low}, {high})"
        raise ValueError(f"{owner}: {name} must lie in {interval}, got {number!r}")
    return value


def _check_flag(owner: str, name: str, flag: object) -> bool:
    if not isinstance(flag, bool):
        raise TypeError(f"{owner}: {name} must be True or False, got {short(flag)}")
    return flag


class Optimizer(PickledByChaingradName):
    """Holds param_groups (dicts of "params" and hyperparameters) and per-parameter state;
    zero_grad() clears the gradients, step() updates the parameters (reading a Value gradient,
    from backward(create_graph=True), by its number)."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        owner = type(self).__name__
        self.defaults = defaults
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Value, dict[str, Any]] = {}
        if isinstance(params, Value) or isinstance(params, dict):
            raise TypeError(f"{owner} takes an iterable of Values or of param-group dicts; pass model.parameters()")
        groups = list(params)
        if not groups:
            raise ValueError(f"{owner} got an empty parameter list; pass model.parameters()")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group {"params": [...], hyperparameter: value, ...}; missing hyperparameters take the defaults."""
        owner = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{owner}: a param group is a dict with a 'params' list, got {short(group)}")
        params = group["params"]
        params = [params] if isinstance(params, Value) else list(params)
        unique: dict[int, Value] = {}
        for parameter in params:
            if not isinstance(parameter, Value):
                raise TypeError(f"{owner} optimizes Values, got {type(parameter).__name__}: {short(parameter)}")
            unique.setdefault(id(parameter), parameter)
        if not unique:
            raise ValueError(f"{owner} got an empty parameter list; pass model.parameters()")
        taken = {id(parameter) for other in self.param_groups for parameter in other["params"]}
        if taken & set(unique):
            raise ValueError(f"{owner}: some parameters appear in more than one param group; give each group its own")
        unknown = set(group) - set(self.defaults) - {"params", "initial_lr"}
        if unknown:
            raise TypeError(f"{owner}: unknown hyperparameters {sorted(unknown)}; it takes {sorted(self.defaults)}")
        full = {**self.defaults, **group, "params": list(unique.values())}
        self._validate(full)
        self.param_groups.append(full)

    def _validate(self, group: dict[str, Any]) -> None:
        """Check (and normalise) one group's hyperparameters; ValueError or TypeError naming the bad one."""
        group["lr"] = _check(type(self).__name__, "lr", group["lr"], 0.0, low_open=True)

    @property
    def parameters(self) -> list[Value]:
        """Every parameter of every group, in order."""
        return [parameter for group in self.param_groups for parameter in group["params"]]

    @property
    def lr(self) -> float:
        """The first group's learning rate; setting it sets every group's."""
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        value = _check(type(self).__name__, "lr", value, 0.0, low_open=True)
        for group in self.param_groups:
            group["lr"] = value

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Set every parameter's gradient to 0.0. set_to_none=True is accepted for torch's code and also
        gives 0.0: chaingrad's engine keeps every gradient a number (frozen parameters are skipped by
        step() instead)."""
        for group in self.param_groups:
            for parameter in group["params"]:
                parameter.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """{"state": {index: {...}}, "param_groups": [{hyperparameters, "params": [indices]}]}, as torch
        (parameters numbered across the groups in order; numbers copied, so later steps leave it alone)."""
        index_of: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            indices = []
            for parameter in group["params"]:
                index_of[id(parameter)] = len(index_of)
                indices.append(index_of[id(parameter)])
            groups.append({**{key: value for key, value in group.items() if key != "params"}, "params": indices})
        state = {
            index_of[id(parameter)]: copy.deepcopy(values)
            for parameter, values in self.state.items()
            if id(parameter) in index_of
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state saved by state_dict() (indices may be strings, as after JSON);
        the groups must have the same sizes. Checked first: a mismatch raises and changes nothing."""
        owner = type(self).__name__
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError(f"{owner}.load_state_dict needs a dict with 'state' and 'param_groups' (from state_dict())")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups) or any(
            len(saved["params"]) != len(group["params"]) for saved, group in zip(saved_groups, self.param_groups)
        ):
            raise ValueError(
                f"{owner}.load_state_dict: saved groups have sizes {[len(g['params']) for g in saved_groups]}, "
                f"this optimizer's {[len(g['params']) for g in self.param_groups]}; build it with the same parameters"
            )
        parameter_of = {
            int(index): parameter
            for saved, group in zip(saved_groups, self.param_groups)
            for index, parameter in zip(saved["params"], group["params"])
        }
        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups):
            new_group = {**group, **{key: value for key, value in saved.items() if key != "params"}, "params": group["params"]}
            self._validate(new_group)
            new_groups.append(new_group)
        new_state = {}
        for index, values in state_dict["state"].items():
            if int(index) not in parameter_of:
                raise ValueError(f"{owner}.load_state_dict: state for parameter {short(index)}, which no group holds")
            new_state[parameter_of[int(index)]] = copy.deepcopy(dict(values))
        self.param_groups[:] = new_groups
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for index, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {index}")
            lines += [f"    {key}: {value}" for key, value in sorted(group.items()) if key != "params"]
        return "\n".join(lines + [")"])


def _trainable(group: dict[str, Any]) -> Iterable[tuple[Value, float]]:
    """(parameter, gradient as a float) for the tracked parameters of a group that have a gradient."""
    for parameter in group["params"]:
        gradient = parameter.grad
        if gradient is None or not parameter.requires_grad:
            continue
        yield parameter, gradient if gradient.__class__ is float else float(gradient)


class SGD(Optimizer):
    """torch.optim.SGD: g = grad + weight_decay * p; with momentum, b = momentum * b + (1 - dampening) * g
    (b = g at the first step) and g = b, or g + momentum * b with nesterov; then p -= lr * g."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        maximize: bool = False,
    ) -> None:
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize}
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        group["momentum"] = _check("SGD", "momentum", group["momentum"], 0.0, 1.0)
        group["dampening"] = _check("SGD", "dampening", group["dampening"], 0.0, math.nextafter(1.0, 2.0))  # [0, 1]
        group["weight_decay"] = _check("SGD", "weight_decay", group["weight_decay"], 0.0)
        _check_flag("SGD", "nesterov", group["nesterov"])
        _check_flag("SGD", "maximize", group["maximize"])
        if group["nesterov"] and (group["momentum"] == 0.0 or group["dampening"] != 0.0):
            raise ValueError("SGD: nesterov needs momentum > 0 and dampening 0")

    def step(self) -> None:
        for group in self.param_groups:
            lr, momentum, dampening, decay = group["lr"], group["momentum"], group["dampening"], group["weight_decay"]
            nesterov, sign = group["nesterov"], -1.0 if group["maximize"] else 1.0
            if not momentum and not decay and sign == 1.0:  # plain SGD, the loop W1 runs
                for parameter in group["params"]:
                    gradient = parameter.grad
                    if gradient is None:
                        continue
                    # a frozen parameter is not reached by backward: its gradient stays at zero_grad's 0.0
                    parameter.data -= lr * (gradient if gradient.__class__ is float else float(gradient))
                continue
            for parameter, gradient in _trainable(group):
                gradient = sign * gradient + decay * parameter.data if decay else sign * gradient
                if momentum:
                    state = self.state.setdefault(parameter, {})
                    buffer = state.get("momentum_buffer")
                    buffer = gradient if buffer is None else momentum * buffer + (1.0 - dampening) * gradient
                    state["momentum_buffer"] = buffer
                    gradient = gradient + momentum * buffer if nesterov else buffer
                parameter.data -= lr * gradient


class Adam(Optimizer):
    """torch.optim.Adam: m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2 with g = grad + weight_decay * p
    (L2, added to the gradient); p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
    amsgrad keeps the running maximum of v."""

    decoupled = False

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad, "maximize": maximize}
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        owner = type(self).__name__
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{owner}: betas must be a pair (beta1, beta2), got {short(betas)}")
        group["betas"] = (_check(owner, "betas[0]", betas[0], 0.0, 1.0), _check(owner, "betas[1]", betas[1], 0.0, 1.0))
        group["eps"] = _check(owner, "eps", group["eps"], 0.0, low_open=True)
        group["weight_decay"] = _check(owner, "weight_decay", group["weight_decay"], 0.0)
        _check_flag(owner, "amsgrad", group["amsgrad"])
        _check_flag(owner, "maximize", group["maximize"])

    def step(self) -> None:
        for group in self.param_groups:
            lr, (beta1, beta2), eps, decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            amsgrad, sign = group["amsgrad"], -1.0 if group["maximize"] else 1.0
            for parameter, gradient in _trainable(group):
                gradient *= sign
                if self.decoupled:
                    parameter.data *= 1.0 - lr * decay
                elif decay:
                    gradient += decay * parameter.data
                state = self.state.setdefault(parameter, {})
                if not state:
                    state.update(step=0, exp_avg=0.0, exp_avg_sq=0.0)
                    if amsgrad:
                        state["max_exp_avg_sq"] = 0.0
                state["step"] += 1
                m = state["exp_avg"] = beta1 * state["exp_avg"] + (1.0 - beta1) * gradient
                v = state["exp_avg_sq"] = beta2 * state["exp_avg_sq"] + (1.0 - beta2) * gradient * gradient
                if amsgrad:
                    v = state["max_exp_avg_sq"] = max(state["max_exp_avg_sq"], v)
                correction1 = 1.0 - beta1 ** state["step"]
                correction2 = 1.0 - beta2 ** state["step"]
                parameter.data -= (lr / correction1) * m / (math.sqrt(v) / math.sqrt(correction2) + eps)


class AdamW(Adam):
    """torch.optim.AdamW: Adam with decoupled weight decay, p *= 1 - lr * weight_decay before the step."""

    decoupled = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)
