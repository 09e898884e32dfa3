"""Fixtures shared by the test files."""

import gc

import pytest

from engine import Value
from engine.value import NaryValue


@pytest.fixture
def count_values():
    """With the cycle collector paused (so that only reference counting frees anything), a function
    counting the live Values: a graph that outlives its last reference holds a reference cycle."""
    gc.collect()
    collector_was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield lambda: len([obj for obj in gc.get_objects() if type(obj) in (Value, NaryValue)])
    finally:
        if collector_was_enabled:
            gc.enable()
