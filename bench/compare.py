"""A workload for chaingrad as it is now against chaingrad at an earlier commit, side by side in one run.

    python -m bench.compare HEAD~3                 # W1 times: fresh processes, alternating old and new
    python -m bench.compare HEAD~3 --rounds 15
    python -m bench.compare HEAD~3 --instructions  # W1 instruction counts under valgrind (not times)
    python -m bench.compare HEAD~3 --instructions --workload W3   # W2, W2g, W3 too (one run each)
    python -m bench.compare HEAD~3 --workload W3   # W2, W2g, W3 (times) or W4 (bytes per node)

The commit is checked out into a temporary git worktree; each round runs one fresh process of the
old tree and one of the new, in alternating order, so that a noisy spell on a shared machine hits
both alike. The ratio printed is new / old: above 1.00 means the working tree is slower.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.run import instructions

ROOT = Path(__file__).resolve().parent.parent


SIZES = {"W1": 100, "W2": 1_000_000, "W2g": 1_000_000, "W3": 100_000, "W4": 100_000}


def run_workload(tree: Path, workload: str, repeats: int) -> float:
    """The chaingrad in `tree` on `workload`, from one fresh process: the median seconds (per step
    for W1), or for W4 the bytes per node of a built chain."""
    command = [sys.executable, "-m", "bench.run", "--child", "chaingrad", workload, str(SIZES[workload]), str(repeats)]
    completed = subprocess.run(command, cwd=tree, capture_output=True, text=True, check=True)
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    return result["bytes_per_node" if workload == "W4" else "seconds"]


def engine_file(tree: Path) -> str:
    """Which engine a process started in `tree` imports (to be sure the trees are not mixed up)."""
    command = [sys.executable, "-c", "import engine.value; print(engine.value.__file__)"]
    return subprocess.run(command, cwd=tree, capture_output=True, text=True, check=True).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("commit", help="the earlier commit (anything git rev-parse accepts)")
    parser.add_argument("--rounds", type=int, default=9, help="fresh processes per tree (default 9)")
    parser.add_argument("--repeats", type=int, default=20, help="timed W1 steps per process (default 20; 3 for W2, W3)")
    parser.add_argument("--workload", choices=sorted(SIZES), default="W1", help="what to compare (default W1)")
    parser.add_argument("--instructions", action="store_true", help="count instructions instead of timing")
    arguments = parser.parse_args()
    if arguments.rounds < 1 or arguments.repeats < 1:
        parser.error("--rounds and --repeats need to be at least 1")
    commit = subprocess.run(["git", "rev-parse", "--short", arguments.commit], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as scratch:
        old = Path(scratch) / "old"
        subprocess.run(["git", "worktree", "add", "--detach", str(old), commit], cwd=ROOT,
                       capture_output=True, text=True, check=True)
        try:
            trees = {"old": old, "new": ROOT}
            for name, tree in trees.items():
                if not engine_file(tree).startswith(str(tree)):
                    print(f"the {name} tree imports {engine_file(tree)}, not its own engine", file=sys.stderr)
                    return 1
            if arguments.instructions and arguments.workload == "W4":
                parser.error("--instructions counts W1, W2, W2g and W3; W4 is bytes")
            if arguments.instructions:
                workload = arguments.workload
                counts = {name: instructions(tree, "chaingrad", workload, SIZES[workload]) for name, tree in trees.items()}
                what = "per step" if workload == "W1" else f"per run of {SIZES[workload]:,}"
                print(f"{workload} instructions {what}: old ({commit}) {counts['old'] / 1e6:.2f} M, "
                      f"new {counts['new'] / 1e6:.2f} M; new / old = {counts['new'] / counts['old']:.4f}")
                return 0
            workload = arguments.workload
            repeats = arguments.repeats if workload == "W1" else min(arguments.repeats, 3)
            times: dict[str, list[float]] = {"old": [], "new": []}
            for round_number in range(1 if workload == "W4" else arguments.rounds):
                order = ("old", "new") if round_number % 2 == 0 else ("new", "old")
                for name in order:
                    times[name].append(run_workload(trees[name], workload, repeats))
            ratios = [new / old for old, new in zip(times["old"], times["new"])]
            if workload == "W4":
                print(f"W4 bytes per node: old ({commit}) {times['old'][0]:.1f}, new {times['new'][0]:.1f}; "
                      f"new / old = {ratios[0]:.3f}")
                return 0
            print(f"{workload} seconds{' per step' if workload == 'W1' else ''}, medians of {arguments.rounds} "
                  f"fresh processes each: old ({commit}) {statistics.median(times['old']) * 1e3:.2f} ms, "
                  f"new {statistics.median(times['new']) * 1e3:.2f} ms")
            print("per-round new / old: " + " ".join(f"{ratio:.3f}" for ratio in ratios))
            print(f"new / old: {statistics.median(times['new']) / statistics.median(times['old']):.3f} "
                  f"(median of the per-round ratios {statistics.median(ratios):.3f})")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
