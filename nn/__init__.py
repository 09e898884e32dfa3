"""chaingrad's nn, a miniature torch.nn built from engine Values: modules (Module, Linear, Sequential,
activations, micrograd's Neuron/Layer/MLP), losses, optimizers and lr schedulers, gradient clipping,
toy datasets, weight files (JSON and safetensors) and a bridge to PyTorch (nn.to_torch, nn.from_torch)."""

from nn import utils
from nn.activations import ACTIVATIONS, Identity, LeakyReLU, ReLU, Sigmoid, Tanh
from nn.bridge import from_torch, to_torch
from nn.data import DATASETS, batches, make_blobs, make_circles, make_moons, make_spiral, make_xor
from nn.generator import manual_seed
from nn.linear import Linear
from nn.losses import (
    binary_cross_entropy,
    cross_entropy,
    hinge,
    l2,
    log_softmax,
    mse,
    quadratic_cost,
    softmax,
)
from nn.mlp import MLP, Layer, Neuron
from nn.module import Module
from nn.optim import SGD, Adam, AdamW, Optimizer
from nn.schedulers import CosineAnnealingLR, ExponentialLR, LambdaLR, LRScheduler, StepLR
from nn.sequential import ModuleDict, ModuleList, Sequential
from nn.weights.serialize import load, save
from nn.weights.state import StateDictError
from nn.utils import clip_grad_norm_, clip_grad_value_

__all__ = [
    "ACTIVATIONS", "Adam", "AdamW", "CosineAnnealingLR", "DATASETS", "ExponentialLR", "Identity", "LRScheduler",
    "LambdaLR", "Layer", "LeakyReLU", "Linear", "MLP", "Module", "ModuleDict", "ModuleList", "Neuron", "Optimizer",
    "ReLU", "SGD", "Sequential", "Sigmoid", "StateDictError", "StepLR", "Tanh", "batches", "binary_cross_entropy",
    "clip_grad_norm_", "clip_grad_value_", "cross_entropy", "from_torch", "hinge", "l2", "load", "log_softmax",
    "make_blobs", "make_circles", "make_moons", "make_spiral", "make_xor", "manual_seed", "mse", "quadratic_cost",
    "save", "softmax", "to_torch", "utils",
]
