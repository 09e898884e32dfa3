"""Run every benchmark workload for every engine, each in a fresh process, and print the ratios.

    python -m bench.run                 # all engines found (micrograd only if installed)
    python -m bench.run --quick         # smaller sizes, for a smoke test
    python -m bench.run --rounds 5      # more fresh processes per engine (default 3)
    python -m bench.run --instructions  # W1, W2, W2g, W2c, W3, W5 instructions under valgrind (not times);
                                        # for engine.compile also its first call's and the break-even
    python -m bench.run --instructions --only W1 W3

The workloads are bench/engines.py's: W1 the demo's training step, W2 a long chain (W2g inside
engine.graph_mode(), W2c at 10^5 nodes through engine.compile), W3 one wide sum, W4 memory per node,
W5 the digits MLP's training step (docs/examples/digits.py), and a leak check.

Each engine runs each workload in several fresh processes, interleaved with the other engines (round
1: floor, chaingrad, micrograd; round 2: ...), so that a noisy spell on a shared machine hits them
alike. A process reports the median over its repeats; the table shows the median over the rounds.
Results go to bench/results/latest.jsonl (one JSON object per process) and a table on stdout.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = ("W1", "W5")  # the training-step workloads: a step function, timed and counted per step


def step_of(engine, workload: str, size: int):
    """The engine's step function for W1 (size is the data's, fixed) or W5 (size images a batch)."""
    return engine.w1() if workload == "W1" else engine.w5(size)


def rss_bytes() -> int:
    """The process's resident set size now (Linux /proc), in bytes."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def run_child(engine_name: str, workload: str, size: int, repeats: int) -> dict:
    """One workload in this (fresh) process; returns the measurement."""
    sys.path.insert(0, str(ROOT))
    from bench.engines import ENGINES

    engine = ENGINES[engine_name]()
    result: dict = {"engine": engine_name, "workload": workload, "size": size}
    try:
        if workload in STEPS:
            step = step_of(engine, workload, size)
            started = time.perf_counter()
            result["first_loss"] = step()
            result["first_step_seconds"] = time.perf_counter() - started  # for "compiled": trace + compile too
            for _ in range(2):
                step()
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                step()
                times.append(time.perf_counter() - started)
            result["seconds"] = statistics.median(times)
        elif workload == "W2c":  # W2's chain at 10^5 nodes; "compiled" traces it on its first call
            run = engine.w2_compiled(size) if engine_name == "compiled" else (lambda: engine.w2(size))
            started = time.perf_counter()
            run()
            result["first_step_seconds"] = time.perf_counter() - started
            times = []
            for _ in range(repeats):
                gc.collect()
                started = time.perf_counter()
                value, grad = run()
                times.append(time.perf_counter() - started)
            result.update(seconds=statistics.median(times), value=value, grad=grad)
        elif workload in ("W2", "W2g", "W3"):
            run = {"W2": lambda: engine.w2(size), "W2g": lambda: engine.w2_graph_mode(size)}.get(workload) or engine.w3(size)
            times = []
            for _ in range(repeats):
                gc.collect()
                started = time.perf_counter()
                value, grad = run()
                times.append(time.perf_counter() - started)
            result.update(seconds=statistics.median(times), value=value, grad=grad)
        elif workload == "W4":
            gc.collect()
            before = rss_bytes()
            graph = engine.build_chain(size)
            built = rss_bytes()
            if graph is None:
                result["skipped"] = "no graph"
            else:
                result["bytes_per_node"] = (built - before) / size
                graph[1].backward()
                result["bytes_per_node_after_backward"] = (rss_bytes() - before) / size
        elif workload == "check":  # the numbers every engine must agree on, before anything is timed
            result["W1 loss"] = engine.w1()()
            result["W2 value"], result["W2 grad"] = engine.w2(3000) if engine_name != "micrograd" else (None, None)
            result["W3 value"], result["W3 grad"] = engine.w3(1000)()
            result["W5 loss"] = engine.w5()() if hasattr(engine, "w5") else None
        elif workload == "W1-steps":  # for --instructions: just run `size` steps
            step = engine.w1()
            for _ in range(size):
                step()
        elif workload == "leak":
            step = engine.w1()
            for _ in range(20):
                step()
            gc.collect()
            at_20 = rss_bytes()
            for _ in range(180):
                step()
            gc.collect()
            result.update(rss_after_20=at_20, rss_after_200=rss_bytes(), growth=rss_bytes() / at_20 - 1)
    except RecursionError as error:
        result["error"] = f"RecursionError: {error}"
        if workload == "W4":
            result["error"] = "RecursionError in backward"
    return result


PLAN = [
    # workload, size, repeats, engines
    ("W1", 100, 20, ("floor", "chaingrad", "compiled", "micrograd")),
    ("W2", 1_000_000, 3, ("floor", "chaingrad", "micrograd")),
    ("W2g", 1_000_000, 3, ("chaingrad",)),
    ("W2c", 100_000, 5, ("floor", "chaingrad", "compiled")),
    ("W3", 100_000, 5, ("floor", "chaingrad", "micrograd")),
    ("W4", 100_000, 1, ("chaingrad", "micrograd")),
    ("W5", 32, 20, ("floor", "chaingrad", "compiled")),
    ("leak", 200, 1, ("chaingrad",)),
]
QUICK = {"W1": 5, "W2": 30_000, "W2g": 30_000, "W2c": 3_000, "W3": 10_000, "W4": 30_000, "W5": 8}


def have_micrograd() -> bool:
    try:
        import micrograd  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and few repeats (a smoke test)")
    parser.add_argument("--child", nargs=4, metavar=("ENGINE", "WORKLOAD", "SIZE", "REPEATS"), help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="+", help="run only these workloads (W1 W2 W2g W2c W3 W4 W5 leak)")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per engine and timed workload")
    parser.add_argument("--instructions", action="store_true",
                        help="count W1, W2, W2g, W2c, W3 and W5 instructions under valgrind (repeatable on a noisy "
                        "machine), and for engine.compile its first call's and the break-even")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.jsonl"))
    arguments = parser.parse_args()
    if arguments.child:
        engine_name, workload, size, repeats = arguments.child
        print(json.dumps(run_child(engine_name, workload, int(size), int(repeats))))
        return 0

    if arguments.instructions:
        return count_instructions(arguments.only, arguments.quick)
    engines_found = {"floor", "chaingrad", "compiled"} | ({"micrograd"} if have_micrograd() else set())
    if "micrograd" not in engines_found:
        print("micrograd is not installed (pip install micrograd): comparing with the floor only", file=sys.stderr)
    if not precheck(sorted(engines_found)):
        return 1
    results = []
    for workload, size, repeats, engines in PLAN:
        if arguments.only and workload not in arguments.only:
            continue
        if arguments.quick:
            size = QUICK.get(workload, size)
            repeats = min(repeats, 3)
        rounds = 1 if workload in ("W4", "leak") or arguments.quick else max(arguments.rounds, 1)
        for round_number in range(rounds):
            for engine_name in engines:
                if engine_name not in engines_found or (arguments.quick and workload == "leak"):
                    continue
                command = [sys.executable, "-m", "bench.run", "--child", engine_name, workload, str(size), str(repeats)]
                completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
                if completed.returncode != 0:
                    lines = completed.stderr.strip().splitlines()
                    result = {"engine": engine_name, "workload": workload, "size": size,
                              "error": lines[-1] if lines else "crashed"}
                else:
                    result = json.loads(completed.stdout.strip().splitlines()[-1])
                result["round"] = round_number
                results.append(result)
                print(json.dumps(result), file=sys.stderr)
    out = Path(arguments.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(result) + "\n" for result in results))
    print(summary(results))
    return 0 if agree(results) else 1


INSTRUCTION_PLAN = [  # workload, size, engines (W2g: chaingrad inside engine.graph_mode(), against W2's floor)
    ("W1", 100, ("floor", "chaingrad", "compiled")),
    ("W2", 1_000_000, ("floor", "chaingrad")),
    ("W2g", 1_000_000, ("chaingrad",)),
    ("W3", 100_000, ("floor", "chaingrad")),
    ("W5", 32, ("floor", "chaingrad", "compiled")),
    ("W2c", 100_000, ("floor", "chaingrad", "compiled")),
]


_RUNS = {  # what a counted process runs, with its tree's own bench.engines: W1/W5 steps, or W2/W2g/W3 runs
    "W1": "step = engine.w1()\nfor _ in range(count):\n    step()",
    "W5": "step = engine.w5(size)\nfor _ in range(count):\n    step()",
    "W2": "for _ in range(count):\n    engine.w2(size)",
    "W2g": "for _ in range(count):\n    engine.w2_graph_mode(size)",
    "W3": "run = engine.w3(size)\nfor _ in range(count):\n    run()",
    "W2c": ("run = engine.w2_compiled(size) if hasattr(engine, 'w2_compiled') else lambda: engine.w2(size)\n"
            "for _ in range(count):\n    run()"),  # W2's chain; "compiled" traces it on its first run
}


def instructions(tree: Path, engine_name: str, workload: str, size: int, counts: tuple[int, int] | None = None) -> float:
    """Instructions of one W1 or W5 step, or of one W2, W2g, W2c or W3 run (build + backward), of
    `engine_name` as the bench/engines.py in `tree` defines it, counted by valgrind's callgrind: the
    count for more steps or runs less the count for fewer, which cancels start-up and set-up (and
    the compile of a step). Only what the timed region runs is counted (no gc.collect() between runs).
    `counts` (few, more) chooses the two counts: (0, 1) gives the first call, the trace and compile included."""
    few, more = counts or ((2, 7) if workload in STEPS else (1, 2))
    totals = []
    for count in (few, more):
        code = (f"import sys\nsys.path.insert(0, '.')\nfrom bench.engines import ENGINES\n"
                f"engine = ENGINES[{engine_name!r}]()\nsize, count = {size}, {count}\n{_RUNS[workload]}\n")
        command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", code]
        # one hash seed and one thread for every counted process: W5 loads numpy and scikit-learn, whose
        # BLAS threads spin for a while, and valgrind counts them: W5's counts moved by +-10% between runs
        environment = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                           MKL_NUM_THREADS="1")
        completed = subprocess.run(command, cwd=tree, capture_output=True, text=True, env=environment)
        match = re.search(r"refs:\s+([\d,]+)", completed.stderr)
        if match is None or completed.returncode != 0:
            raise RuntimeError(f"valgrind printed no instruction count:\n{completed.stderr[-2000:]}")
        totals.append(int(match.group(1).replace(",", "")))
    return (totals[1] - totals[0]) / (more - few)


def count_instructions(only: list[str] | None = None, quick: bool = False) -> int:
    """W1 and W5 per step, and W2, W2g and W3 per run, for the floor, chaingrad (and W1 and W5
    through engine.compile), counted by valgrind's callgrind, with each ratio to the floor.

    Instruction counts do not drift with the machine's load the way times do (W2's goals are set
    in them, on CPython 3.11); the wall-time table of a plain run stands beside them.
    """
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 1
    counts: dict[tuple[str, str], float] = {}
    for workload, size, engines in INSTRUCTION_PLAN:
        if only and workload not in only:
            continue
        size = QUICK.get(workload, size) if quick and workload != "W1" else size
        for engine_name in engines:
            counts[engine_name, workload] = instructions(ROOT, engine_name, workload, size)
            what = "per step" if workload in STEPS else f"per run of {size:,}"
            print(f"{workload} {engine_name}: {counts[engine_name, workload] / 1e6:.1f} M instructions {what}")
        floor_count = counts.get(("floor", "W2" if workload == "W2g" else workload))
        for engine_name in engines:
            if engine_name != "floor" and floor_count:
                print(f"{workload} {engine_name} / floor: {counts[engine_name, workload] / floor_count:.2f}x")
        if "compiled" in engines:  # the first call: trace, generate, compile, check, and the call itself
            first = instructions(ROOT, "compiled", workload, size, (0, 1))
            print(f"{workload} compiled, first call: {first / 1e6:.1f} M instructions ({first / counts['compiled', workload]:.0f}"
                  " calls' worth)", end="")
            saved = counts["chaingrad", workload] - counts["compiled", workload]
            if saved > 0:
                print(f"; against eager it pays for itself after {math.ceil((first - counts['compiled', workload]) / saved)}"
                      " calls (break-even)", end="")
            print()
    return 0


def precheck(engines: list[str]) -> bool:
    """Before timing: every engine computes the same W1 and W5 losses and W2/W3 values and gradients."""
    checks = []
    for engine_name in engines:
        command = [sys.executable, "-m", "bench.run", "--child", engine_name, "check", "0", "0"]
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        checks.append(json.loads(completed.stdout.strip().splitlines()[-1]))
    ok = True
    for key in ("W1 loss", "W2 value", "W2 grad", "W3 value", "W3 grad", "W5 loss"):
        numbers = {check["engine"]: check[key] for check in checks if check[key] is not None}
        if max(numbers.values()) - min(numbers.values()) > 1e-9 * max(1.0, *map(abs, numbers.values())):
            print(f"MISMATCH before timing, {key}: {numbers}", file=sys.stderr)
            ok = False
    if ok:
        print(f"checked before timing: {', '.join(engines)} agree on the W1 loss, the W2/W3 values and gradients "
              "and the W5 loss", file=sys.stderr)
    return ok


def agree(results: list[dict]) -> bool:
    """Every engine computed the same loss (W1, W5) and the same value and gradient (W2, W3)."""
    ok = True
    for workload, keys in (("W1", ("first_loss",)), ("W2", ("value", "grad")), ("W2g", ("value", "grad")),
                           ("W2c", ("value", "grad")), ("W3", ("value", "grad")), ("W5", ("first_loss",))):
        rows = [r for r in results if r["workload"] == workload and "error" not in r]
        for key in keys:
            numbers = [r[key] for r in rows if key in r]
            if numbers and max(numbers) - min(numbers) > 1e-9 * max(1.0, max(abs(n) for n in numbers)):
                print(f"MISMATCH in {workload} {key}: " + ", ".join(f"{r['engine']}={r.get(key)!r}" for r in rows))
                ok = False
    return ok


def compiled_summary(compiled: dict, eager: dict | None, floor_row: dict | None, rounds: list[dict],
                     what: str = "W1") -> str:
    """A workload through engine.compile: time per step against the floor and eager, the compile, the break-even."""
    compile_seconds = statistics.median(r["first_step_seconds"] - r["seconds"] for r in rounds)
    text = f"\n{what} through engine.compile: {compiled['seconds'] * 1000:.2f} ms per step"
    if floor_row and "seconds" in floor_row:
        text += f" ({compiled['seconds'] / floor_row['seconds']:.2f}x the floor's {floor_row['seconds'] * 1000:.2f} ms)"
    text += f"; first step (trace + generate + compile + check) {compile_seconds:.2f} s more than the others"
    if eager and "seconds" in eager and eager["seconds"] > compiled["seconds"]:
        saved = eager["seconds"] - compiled["seconds"]
        text += (f"; eager {eager['seconds'] * 1000:.2f} ms per step ({eager['seconds'] / compiled['seconds']:.1f}x slower), "
                 f"so compiling pays for itself after {math.ceil(compile_seconds / saved)} steps (break-even)")
    return text


def summary(results: list[dict]) -> str:
    def find(engine_name, workload):
        """The engine's result for the workload, with the median time over its rounds."""
        rows = [r for r in results if r["engine"] == engine_name and r["workload"] == workload]
        if not rows:
            return None
        timed = [r for r in rows if "seconds" in r]
        if not timed:
            return rows[0]
        return dict(timed[0], seconds=statistics.median(r["seconds"] for r in timed), rounds=len(timed))

    lines = ["| workload | floor | chaingrad | micrograd | chaingrad / floor | micrograd / chaingrad |",
             "|---|---|---|---|---|---|"]
    for workload in ("W1", "W2", "W2g", "W3"):
        floor_row, ours, theirs = (find(name, workload) for name in ("floor", "chaingrad", "micrograd"))
        if workload == "W2g":  # the same chain as W2, chaingrad inside engine.graph_mode()
            floor_row, theirs = find("floor", "W2"), None
        if ours is None:
            continue

        def cell(row):
            if row is None:
                return "not run"
            if "error" in row:
                return row["error"].split(":")[0]
            return f"{row['seconds'] * 1000:.1f} ms"

        ratio_floor = (f"{ours['seconds'] / floor_row['seconds']:.2f}x"
                       if floor_row and "error" not in floor_row and "error" not in ours else "")
        ratio_micrograd = (f"{theirs['seconds'] / ours['seconds']:.0f}x"
                           if theirs and "error" not in theirs and "error" not in ours else "")
        lines.append(f"| {workload} (size {ours['size']:,}) | {cell(floor_row)} | {cell(ours)} | {cell(theirs)} | "
                     f"{ratio_floor} | {ratio_micrograd} |")
    if len(lines) == 2:  # no table workload was run (e.g. --only W5)
        lines = []
    for workload in ("W1", "W2c", "W5"):
        compiled, eager, floor_row = (find(name, workload) for name in ("compiled", "chaingrad", "floor"))
        if compiled and "seconds" in compiled:
            rounds = [r for r in results if r["engine"] == "compiled" and r["workload"] == workload and "seconds" in r]
            what = {"W1": "W1", "W2c": f"the {compiled['size']:,}-node chain of W2 (W2c)",
                    "W5": f"the digits MLP (W5, a batch of {compiled['size']})"}[workload]
            lines.append(compiled_summary(compiled, eager, floor_row, rounds, what))
    lines.append("")
    for engine_name in ("chaingrad", "micrograd"):
        row = find(engine_name, "W4")
        if row and "bytes_per_node" in row:
            after = row.get("bytes_per_node_after_backward")
            lines.append(f"W4 {engine_name}: {row['bytes_per_node']:.0f} B/node built, "
                         + (f"{after:.0f} B/node after backward" if after else row.get("error", ""))
                         + f" ({row['size']:,} nodes)")
    leak = find("chaingrad", "leak")
    if leak and "growth" in leak:
        lines.append(f"leak check: RSS after 200 W1 steps is {leak['growth']:+.1%} against after 20 "
                     f"({leak['rss_after_20'] / 2**20:.1f} -> {leak['rss_after_200'] / 2**20:.1f} MiB)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
