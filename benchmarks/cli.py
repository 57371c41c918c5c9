"""``python -m benchmarks``: run the cases, print the table, write the JSON (and, with
``--rst``, the table as reStructuredText for the docs)."""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

# Memory runs first: CPython's key-sharing dicts make what an instance holds depend on
# how its class's instances were first made, and the other cases make instances of the
# plain model in other ways (inserts) than of the tracked ones (loads only).
CASES = (
    "memory",
    "save",
    "load",
    "update",
    "send",
    "discovery",
    "bulk",
    "tasks",
    "disconnect",
    "dispatch",
    "observe",
)
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "latest.json"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time signalkit against plain Django and its peers; print one table "
        "and write the figures as JSON.",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="where to write the figures as JSON (default: benchmarks/results/latest.json)",
    )
    parser.add_argument(
        "--rst",
        type=Path,
        default=None,
        metavar="PATH",
        help="also write the table, the machine and the notes as reStructuredText to PATH, "
        "for the docs' performance page (docs/_benchmark_results.rst)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="timed runs per contender, the median is reported (default: each case's own "
        "count, 5 to 100)",
    )
    parser.add_argument(
        "--case",
        action="append",
        choices=CASES,
        dest="cases",
        help="run only this case; repeat the option for several (default: all)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a tenth of the work and 3 runs per contender: checks the harness, not the "
        "figures",
    )
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scale = 0.1 if args.quick else 1.0
    repeat = args.repeat or (3 if args.quick else None)
    started = time.perf_counter()

    from benchmarks import environment

    environment.setup()
    # Imported once Django is set up: they import the bench models.
    from benchmarks import (
        case_bulk,
        case_disconnect,
        case_discovery,
        case_dispatch,
        case_load,
        case_memory,
        case_observe,
        case_save,
        case_send,
        case_tasks,
        case_update,
        report,
        runner,
    )

    # Django, the peers and the bench models are loaded for good: freezing them keeps the
    # collector from rescanning them, so a collection costs what the contender allocated.
    gc.collect()
    gc.freeze()
    modules = {
        "save": case_save,
        "load": case_load,
        "update": case_update,
        "send": case_send,
        "discovery": case_discovery,
        "bulk": case_bulk,
        "tasks": case_tasks,
        "disconnect": case_disconnect,
        "dispatch": case_dispatch,
        "memory": case_memory,
        "observe": case_observe,
    }
    info = report.machine()
    report.print_machine(info)
    outcome = []
    # In the order of CASES, whatever the command line's: observe comes last, since it
    # patches django.dispatch.Signal, which stays patched for the cases after it.
    for key in sorted(dict.fromkeys(args.cases or CASES), key=CASES.index):
        built = modules[key].build(scale)
        for case in built if isinstance(built, list) else [built]:
            print(
                f"running case {case.number}: {case.title} ...",
                file=sys.stderr,
                flush=True,
            )
            outcome.append((case, runner.run_case(case, repeat)))
    total = time.perf_counter() - started
    # Reported in the cases' order, whatever order they ran in.
    outcome.sort(key=lambda pair: report.number_key(pair[0].number))
    report.print_goals(outcome)
    report.print_table(outcome)
    print(f"Total runtime: {total:.1f} s")
    report.write_json(args.output, info, outcome, scale, total)
    print(f"Figures written to {args.output}")
    if args.rst is not None:
        report.write_rst(args.rst, info, outcome, total, _command(argv), scale)
        print(f"Table written to {args.rst}")
    return 0


def _command(argv: list[str] | None) -> str:
    """The command line that produced the figures, for the RST file's header comment."""
    given = sys.argv[1:] if argv is None else argv
    return " ".join(["python -m benchmarks", *given])
