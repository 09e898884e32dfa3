"""Command line: ``python -m chaingrad.exercises check N FILE [--seed S] [--lang zh]`` and ``... list``.

Exit code 0 when the check passes, 1 when it fails, 2 for a wrong command (no such file or exercise).
Messages are in Chinese with ``--lang zh`` or when LANG (LC_ALL, LC_MESSAGES) starts with zh.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from typing import Sequence

from chaingrad.exercises import EXERCISES, check
from chaingrad.exercises.report import render


def _language(given: str | None) -> str:
    if given is not None:
        return given
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def main(arguments: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaingrad.exercises",
                                     description="Check your solution of a chaingrad exercise (docs/exercises/).")
    commands = parser.add_subparsers(dest="command", required=True)
    checking = commands.add_parser("check", help="check exercise N in FILE, e.g. check 3 my_value.py")
    checking.add_argument("exercise", type=int, choices=sorted(EXERCISES), metavar="N", help="the exercise, 1-6")
    checking.add_argument("file", help="your file (my_value.py for 1-4, my_nn.py for 5-6)")
    checking.add_argument("--seed", type=int, help="the random graphs' seed (printed by every run)")
    checking.add_argument("--lang", choices=("en", "zh"), help="en or zh (default: from LANG)")
    listing = commands.add_parser("list", help="list the exercises")
    listing.add_argument("--lang", choices=("en", "zh"))
    options = parser.parse_args(arguments)
    lang = _language(options.lang)
    if options.command == "list":
        for exercise in EXERCISES.values():
            print(f"{exercise.title(lang)}  ({exercise.file})")
        return 0
    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(10_000)
    try:
        failure = check(options.exercise, options.file, seed)
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 2
    print(render(EXERCISES[options.exercise].title, seed, failure, lang))
    return 0 if failure is None else 1


if __name__ == "__main__":
    sys.exit(main())
