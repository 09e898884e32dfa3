"""engine.compile against graph size: W1's step on more and more points, generated code and tape.

    python -m bench.compile_sizes              # 25, 50, 100, 200, 400 points
    python -m bench.compile_sizes 100 800      # chosen sizes

For each size: the op nodes and edges of the step's graph, the generated code's lines and size,
the first call with runner='code' (trace, generate, Python's compile(), the check against the
trace) and the share of compile() in it, the first call with runner='tape', and the time per
step of eager, code and tape (best of a few), all in CPU time (time.process_time), which a
shared machine disturbs less than wall-clock time.
"""

from __future__ import annotations

import builtins
import sys
import time

import engine
import nn
from bench.engines import ALPHA, load_initial_weights


def points(count: int) -> tuple[list[list[float]], list[float]]:
    X, y = nn.make_moons(count, noise=0.1, seed=0)
    return X, [2.0 * label - 1.0 for label in y]


def best_of(run, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.process_time()
        run()
        times.append(time.process_time() - started)
    return min(times)


def measure(count: int) -> str:
    X, labels = points(count)
    model = load_initial_weights(nn.MLP(2, [16, 16, 1]))
    parameters = model.parameters()

    def loss_of(X, labels):
        return nn.hinge([model(x) for x in X], labels) + nn.l2(parameters, 2 * ALPHA)

    eager = loss_of(X, labels)
    nodes = engine.topological_order(eager)
    edges = sum(len(node.parents) for node in nodes)
    eager_step = best_of(lambda: loss_of(X, labels).backward())
    codegen = sys.modules["engine.codegen"]
    spent = [0.0]

    def timed_compile(*arguments, **options):
        started = time.process_time()
        try:
            return builtins.compile(*arguments, **options)
        finally:
            spent[0] += time.process_time() - started

    codegen.compile = timed_compile  # only this module's name: the builtin stays as it is
    try:
        code = engine.compile(loss_of, runner="code")
        first_code = best_of(lambda: code(X, labels), 1)
    finally:
        del codegen.compile
    tape = engine.compile(loss_of, runner="tape")
    first_tape = best_of(lambda: tape(X, labels), 1)
    code_step = best_of(lambda: code(X, labels).backward())
    tape_step = best_of(lambda: tape(X, labels).backward())
    source = code.source
    return (f"| {count} | {len(nodes) - len(parameters):,} | {edges:,} | {len(source.splitlines()):,} | "
            f"{len(source) / 1e6:.2f} MB | {first_code:.2f} s ({spent[0] / first_code:.0%}) | {first_tape:.2f} s | "
            f"{eager_step * 1000:.1f} ms | {code_step * 1000:.1f} ms | {tape_step * 1000:.1f} ms |")


def main() -> int:
    sizes = [int(argument) for argument in sys.argv[1:]] or [25, 50, 100, 200, 400]
    print("| points | op nodes | edges | code lines | code size | first call, code (compile()) | "
          "first call, tape | eager step | code step | tape step |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for count in sizes:
        print(measure(count), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
