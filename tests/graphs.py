"""Graphs the tests share, from docs/examples where learners read them (not from the library)."""

import runpy
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"

texts_example = runpy.run_path(str(EXAMPLES / "texts_example.py"))["texts_example"]  # e = (a + b)(b + 1)
lecture_neuron = runpy.run_path(str(EXAMPLES / "lecture_neuron.py"))["lecture_neuron"]  # micrograd's o = tanh(...)
