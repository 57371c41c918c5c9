"""Compare runs and print what failed: the harness's verdict."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from djsuite.expected import Expected, explains
from djsuite.runs import Run

#: Lines of each traceback printed (its first lines and its last ones); ``--report``
#: keeps them whole.
TRACEBACK_LINES = 20


@dataclass
class Failure:
    """A test that failed where it must not, on one or more databases."""

    test: str
    #: database -> (outcome with signalkit on, detail)
    where: dict[str, tuple[str, str]] = field(default_factory=dict)


def regressions(control: Run, signalkit: Run) -> dict[str, tuple[str, str]]:
    """Tests that pass in ``control`` and do not with ``signalkit`` on: id -> (outcome,
    detail). A test missing from the signalkit run counts (it did not pass)."""
    found = {}
    for test, entry in control.tests.items():
        if entry["outcome"] != "pass":
            continue
        ours = signalkit.tests.get(test)
        if ours is None:
            found[test] = ("missing", "the test did not run with signalkit on")
        elif ours["outcome"] != "pass":
            found[test] = (ours["outcome"], ours["detail"])
    return found


def split_expected(
    found: dict[str, tuple[str, str]],
) -> tuple[dict[str, tuple[str, str]], dict[str, Expected]]:
    """Split regressions into real ones and the differences signalkit makes by design."""
    real, expected = {}, {}
    for test, (outcome, detail) in found.items():
        entry = explains(test, detail)
        if entry is None:
            real[test] = (outcome, detail)
        else:
            expected[test] = entry
    return real, expected


def rerun_label(test: str) -> str:
    """The runtests.py label that runs ``test`` again (its class, for a class's error)."""
    holder = re.fullmatch(
        r"\w+ \((?P<label>[\w.]+)\)", test
    )  # setUpClass (app.tests.C)
    return holder["label"] if holder else test


def confirmed(
    found: dict[str, tuple[str, str]], control: Run, signalkit: Run
) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """Split ``found`` into the regressions a re-run of those tests alone shows again (or
    could not check) and those it does not (timing-sensitive tests under load, say)."""
    again = regressions(control, signalkit)
    kept, gone = {}, {}
    for test, outcome in found.items():
        if test in again or test not in control.tests:
            kept[test] = outcome
        else:
            gone[test] = outcome
    return kept, gone


def failures(run: Run) -> dict[str, tuple[str, str]]:
    """The failed tests of a run that must fully pass (the dispatch job)."""
    return {
        test: (entry["outcome"], entry["detail"])
        for test, entry in run.tests.items()
        if entry["outcome"] == "fail"
    }


def merge(
    found: dict[str, Failure], database: str, tests: dict[str, tuple[str, str]]
) -> None:
    """Add one database's failing ``tests`` to ``found``, grouped by test id."""
    for test, outcome in tests.items():
        found.setdefault(test, Failure(test)).where[database] = outcome


# Python 3.13's ``~~~^^^`` markers under source lines: noise in a summary.
_MARKERS = re.compile(r"^\s*[~^]+\s*$")


def _head(detail: str) -> str:
    lines = [line for line in detail.rstrip().splitlines() if not _MARKERS.match(line)]
    if len(lines) > TRACEBACK_LINES:
        cut = len(lines) - TRACEBACK_LINES
        lines = [
            *lines[:3],
            f"... ({cut} lines left out)",
            *lines[3 - TRACEBACK_LINES :],
        ]
    return "\n".join("      " + line for line in lines)


def print_failures(title: str, found: dict[str, Failure]) -> None:
    """Print each failing test id, where it fails, and the end of its traceback."""
    if not found:
        return
    print(f"\ndjango-suite: {title}: {len(found)}")
    for test in sorted(found):
        failure = found[test]
        places = ", ".join(
            f"{db} ({outcome})" for db, (outcome, _) in failure.where.items()
        )
        print(f"  {test}  [{places}]")
        details = {detail for _, detail in failure.where.values()}
        for database, (_, detail) in failure.where.items():
            if len(details) > 1:
                print(f"      on {database}:")
            print(_head(detail))
            if len(details) == 1:
                break


def print_expected(expected: dict[str, dict[str, Expected]]) -> None:
    """The differences by design seen in this run: test -> database -> entry."""
    if not expected:
        return
    print(
        f"\ndjango-suite: expected differences (by design, not counted): {len(expected)}"
    )
    reasons: dict[str, list[str]] = {}
    for test in sorted(expected):
        entry = next(iter(expected[test].values()))
        reasons.setdefault(entry.reason, []).append(
            f"{test} [{', '.join(expected[test])}]"
        )
    for reason, tests in reasons.items():
        print(f"  {reason}")
        for test in tests:
            print(f"    {test}")


def print_control_failures(controls: list[Run]) -> None:
    """Tests that fail without signalkit: the environment's, not compared."""
    for run in controls:
        failed = sorted(t for t, e in run.tests.items() if e["outcome"] == "fail")
        if failed:
            print(
                f"\ndjango-suite: {len(failed)} test(s) fail in {run.name} (without "
                f"signalkit; not compared): {', '.join(failed)}"
            )


def write(
    path: Path,
    sections: dict[str, dict[str, Failure]],
    runs: list[Run],
    findings: list[str],
    expected: dict[str, dict[str, Expected]],
) -> None:
    """Save every failure with its whole traceback, and each run's figures, as JSON."""
    data = {
        "hook_signatures": findings,
        "expected_differences": {
            test: {db: entry.reason for db, entry in where.items()}
            for test, where in expected.items()
        },
        "runs": [
            {
                "mode": r.mode,
                "database": r.database,
                "seconds": round(r.seconds, 1),
                "cpu_seconds": round(r.cpu_seconds, 1),
                "tests": len(r.tests),
                "failed": r.count("fail"),
                "problems": r.problems,
            }
            for r in runs
        ],
        **{
            title: {
                test: {
                    db: {"outcome": o, "detail": d} for db, (o, d) in f.where.items()
                }
                for test, f in found.items()
            }
            for title, found in sections.items()
        },
    }
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    print(f"django-suite: report written to {path}")
