"""chaingrad's nn: modules, losses, optimizers, toy datasets and weight files, built from engine Values."""

from nn.data import DATASETS, batches, make_blobs, make_circles, make_moons, make_spiral, make_xor
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
from nn.module import MLP, Layer, Module, Neuron
from nn.optim import SGD, Adam, Optimizer
from nn.serialize import StateDictError, load, save

__all__ = [
    "Adam", "DATASETS", "Layer", "MLP", "Module", "Neuron", "Optimizer", "SGD", "StateDictError",
    "batches", "binary_cross_entropy", "cross_entropy", "hinge", "l2", "load", "log_softmax",
    "make_blobs", "make_circles", "make_moons", "make_spiral", "make_xor", "mse", "quadratic_cost",
    "save", "softmax",
]
