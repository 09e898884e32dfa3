"""micrograd's draw_dot under README's import diff: the lecture's and trace_graph.ipynb's cells render
on a machine without Graphviz (no `dot` on PATH), through the dot that `import chaingrad.viz` offers."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import viz

ROOT = Path(__file__).resolve().parent.parent

# karpathy/micrograd, trace_graph.ipynb (MIT licence), cells 0-5 as written there
TRACE_GRAPH = '''
from graphviz import Digraph
from micrograd.engine import Value

def trace(root):
    nodes, edges = set(), set()
    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)
    build(root)
    return nodes, edges

def draw_dot(root, format='svg', rankdir='LR'):
    assert rankdir in ['LR', 'TB']
    nodes, edges = trace(root)
    dot = Digraph(format=format, graph_attr={'rankdir': rankdir})
    for n in nodes:
        dot.node(name=str(id(n)), label = "{ data %.4f | grad %.4f }" % (n.data, n.grad), shape='record')
        if n._op:
            dot.node(name=str(id(n)) + n._op, label=n._op)
            dot.edge(str(id(n)) + n._op, str(id(n)))
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot

x = Value(1.0)
y = (x * 2 + 1).relu()
y.backward()
shown = [draw_dot(y)._repr_mimebundle_()]

import random
from micrograd import nn
random.seed(1337)
n = nn.Neuron(2)
x = [Value(1.0), Value(-2.0)]
y = n(x)
y.backward()
dot = draw_dot(y)
shown.append(dot._repr_mimebundle_())
dot.render('gout')
# the lecture's cells: a labelled graph, drawn the lecture's way
a = Value(2.0); a.label = 'a'
b = Value(-3.0); b.label = 'b'
L = a * b + Value(10.0)
L.backward()
shown.append(draw_dot(L)._repr_mimebundle_())
print(len(shown), all('<svg' in bundle['image/svg+xml'] for bundle in shown), open('gout.svg').read().count('<svg'))
'''


def readme_diff():
    block = re.search(r"```diff\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)[1]
    removed = [line[1:] for line in block.splitlines() if line.startswith("-")]
    added = [line[1:] for line in block.splitlines() if line.startswith("+")]
    return removed, added


def apply_diff(code):
    """README's diff, as a learner applies it: micrograd's imports out, chaingrad's in."""
    removed, added = readme_diff()
    assert "from micrograd.engine import Value" in removed
    code = code.replace("from micrograd.engine import Value", "\n".join(added))
    return code.replace("from micrograd import nn", "from chaingrad import nn")


def test_the_readme_diff_makes_draw_dot_work_without_a_system_dot(tmp_path):
    if viz.files.find_bundled_dot() is None:
        pytest.skip("graphviz-pure (the 'viz' extra) is not installed")
    pytest.importorskip("graphviz")
    environment = dict(os.environ, PATH=str(tmp_path / "empty"), XDG_CACHE_HOME=str(tmp_path / "cache"),
                       PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", apply_diff(TRACE_GRAPH)], capture_output=True, text=True,
                            env=environment, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3 True 1"
    # without the diff's third line, the same cells fail as the issue saw: dot not found
    removed, added = readme_diff()
    bare = TRACE_GRAPH.replace("from micrograd.engine import Value", "\n".join(line for line in added if "viz" not in line))
    bare = bare.replace("from micrograd import nn", "from chaingrad import nn")
    failed = subprocess.run([sys.executable, "-c", bare], capture_output=True, text=True, env=environment, cwd=tmp_path,
                            check=False)
    assert failed.returncode != 0 and "ExecutableNotFound" in failed.stderr


def test_a_system_dot_is_never_shadowed(tmp_path):
    """The PATH decision (issue 13): graphviz-pure's dot is appended at the END of PATH, only when no dot is found."""
    if viz.files.find_bundled_dot() is None:
        pytest.skip("graphviz-pure (the 'viz' extra) is not installed")
    system = tmp_path / "system"
    system.mkdir()
    fake = system / "dot"
    fake.write_text("#!/bin/sh\necho system dot\n", encoding="utf-8")
    fake.chmod(0o755)
    code = "import os, shutil, viz; print(shutil.which('dot')); print(os.environ['PATH'])"
    environment = dict(os.environ, PATH=str(system), XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True)
    assert result.stdout.splitlines() == [str(fake), str(system)]  # PATH untouched
    environment["PATH"] = str(tmp_path / "empty")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True)
    which, path = result.stdout.splitlines()
    assert path.startswith(str(tmp_path / "empty") + os.pathsep) and path.endswith("dot-link")  # appended at the end
    assert which.endswith(os.path.join("dot-link", "dot"))
