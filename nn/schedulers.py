"""Learning-rate schedulers as torch.optim.lr_scheduler's: StepLR, ExponentialLR, CosineAnnealingLR,
LambdaLR. Each sets every group's lr from its initial lr (kept in the group as "initial_lr") and the
epoch count, in closed form; call scheduler.step() after optimizer.step()."""

from __future__ import annotations

import math
from typing import Any, Callable

from nn.optim import Optimizer, _check
from nn.pickling import PickledByChaingradName
from nn.weights.state import short


def _check_optimizer(owner: str, optimizer: object) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"{owner}(optimizer) needs an nn optimizer (nn.SGD, nn.Adam, ...), got {type(optimizer).__name__}: "
            f"{short(optimizer)}; pass the optimizer first, e.g. {owner}(nn.SGD(model.parameters(), lr=0.1), ...)"
        )


class LRScheduler(PickledByChaingradName):
    """Base: last_epoch counts step() calls; get_last_lr() gives the lrs it last set."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        _check_optimizer(type(self).__name__, optimizer)
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, int) or last_epoch < -1:
            raise ValueError(f"{type(self).__name__}: last_epoch must be an int >= -1, got {last_epoch!r}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(
                    f"{type(self).__name__}: resuming at last_epoch={last_epoch} needs 'initial_lr' in every param group"
                )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def lr_at(self, base_lr: float, epoch: int, index: int) -> float:
        """The lr of group `index` (initial lr `base_lr`) after `epoch` steps."""
        raise NotImplementedError

    def step(self) -> None:
        self.last_epoch += 1
        for index, (group, base_lr) in enumerate(zip(self.optimizer.param_groups, self.base_lrs)):
            group["lr"] = self.lr_at(base_lr, self.last_epoch, index)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (and, for LambdaLR, the functions), as torch."""
        return {key: value for key, value in vars(self).items() if key not in ("optimizer", "lr_lambdas")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what state_dict() gave, and the lrs it had set (so the order of loading the
        optimizer and the scheduler does not matter)."""
        vars(self).update(state_dict)
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr


class StepLR(LRScheduler):
    """lr = initial_lr * gamma ** (epoch // step_size)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be an int >= 1, got {step_size!r}")
        self.step_size = step_size
        self.gamma = _check("StepLR", "gamma", gamma, 0.0, low_open=True)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int, index: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """lr = initial_lr * gamma ** epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = _check("ExponentialLR", "gamma", gamma, 0.0, low_open=True)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int, index: int) -> float:
        return base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2 (torch's closed form)."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:  # noqa: N803
        if isinstance(T_max, bool) or not isinstance(T_max, int) or T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be an int >= 1, got {T_max!r}")
        self.T_max = T_max
        self.eta_min = _check("CosineAnnealingLR", "eta_min", eta_min, 0.0)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int, index: int) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1.0 + math.cos(math.pi * epoch / self.T_max)) / 2.0


class LambdaLR(LRScheduler):
    """lr = initial_lr * lr_lambda(epoch); one function, or one per param group."""

    def __init__(
        self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | list[Callable[[int], float]], last_epoch: int = -1
    ) -> None:
        _check_optimizer("LambdaLR", optimizer)
        functions = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * len(optimizer.param_groups)
        for function in functions:
            if not callable(function):
                raise TypeError(
                    f"LambdaLR(lr_lambda) needs a function of the epoch (or a list of them), got "
                    f"{type(function).__name__}: {short(function)}; e.g. lr_lambda=lambda epoch: 0.95 ** epoch"
                )
        if len(functions) != len(optimizer.param_groups):
            raise ValueError(f"LambdaLR: lr_lambda must be a function or one per param group ({len(optimizer.param_groups)})")
        self.lr_lambdas = functions
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int, index: int) -> float:
        return base_lr * self.lr_lambdas[index](epoch)
