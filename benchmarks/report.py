"""The printed table, the machine description, the JSON file and the RST file."""

from __future__ import annotations

import datetime
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.runner import Case, Result

PACKAGES = (
    "django-signalkit",
    "Django",
    "django-lifecycle",
    "django-dirtyfields",
    "django-model-utils",
    "django-tasks-db",
)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC"
        ),
        "python": sys.version.split()[0],
        "dev_mode": bool(sys.flags.dev_mode),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
        "packages": versions,
        **_git_revision(),
        "load_average_at_start": _load_average(),
    }


def _load_average() -> list[float] | None:
    # Other work on the machine is the main source of noise: record how busy it was.
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):  # not available on this platform
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# The harness's own outputs: rewriting them does not change what was measured.
OUTPUTS = ("docs/_benchmark_results.rst", "benchmarks/results/")


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout


def _git_revision() -> dict[str, Any]:
    """The commit measured (``git``: short, ``commit``: full) and the tracked files that
    differ from it, outside the harness's own outputs (``uncommitted``)."""
    commit = (_git("rev-parse", "HEAD") or "").strip()
    if not commit:
        return {"git": None, "commit": None, "uncommitted": []}
    status = _git("status", "--porcelain", "--untracked-files=no") or ""
    changed = [line[3:] for line in status.splitlines() if len(line) > 3]
    uncommitted = [
        path for path in changed if not any(path.startswith(o) for o in OUTPUTS)
    ]
    short = commit[:10] + (" with uncommitted changes" if uncommitted else "")
    return {"git": short, "commit": commit, "uncommitted": uncommitted}


def spread(result: Result) -> float:
    """Interquartile range of the runs, relative to their median."""
    if len(result.runs) < 2:
        return 0.0
    q1, _, q3 = statistics.quantiles(result.runs, n=4)
    return (q3 - q1) / result.median


def print_machine(info: dict[str, Any]) -> None:
    peers = ", ".join(f"{name} {version}" for name, version in info["packages"].items())
    print(f"Python {info['python']} ({info['implementation']}) on {info['platform']}")
    print(f"CPU: {info['cpu']}, {info['cpu_count']} logical; SQLite {info['sqlite']}")
    print(f"Packages: {peers}")
    if info["git"]:
        print(f"signalkit revision: {info['git']}")
        if info["uncommitted"]:
            print(f"  uncommitted: {', '.join(info['uncommitted'])}")
    if info["dev_mode"]:
        print("WARNING: Python development mode (PYTHONDEVMODE) skews the figures.")
    if info["load_average_at_start"] is not None:
        print(f"Load average at start: {info['load_average_at_start']}")


HEADER = ("case", "contender", "median s", "IQR", "x floor", "per s", "target", "")
NUMERIC = {2, 3, 4, 5}
LEGEND = (
    "median s: median of the interleaved timed runs (one batch each, CPU seconds of the "
    "process; bytes for memory); IQR: their "
    "interquartile range / median; x floor and target ratios: median of per-round "
    "ratios to the reference's run; per s: the case's unit (inserts, rows, events...) "
    "per second, from the median."
)


def table_lines(outcome: list[tuple[Case, list[Result]]]) -> list[tuple[str, ...]]:
    """The table's lines: a ``(number, title)`` pair opens each case, then one line of
    ``HEADER``'s columns per contender."""
    lines: list[tuple[str, ...]] = []
    for case, results in outcome:
        unit = f"; per s = {case.unit}/s" if case.unit else ""
        lines.append((case.number, f"[{case.title}; median of {case.repeat}{unit}]"))
        for r in results:
            lines.append(
                (
                    case.number,
                    r.contender
                    + ("  (!) " + "; ".join(r.problems) if r.problems else ""),
                    _amount(case, r.median),
                    f"{spread(r):.0%}",
                    "" if r.ratio is None else f"{r.ratio:.3f}x",
                    _rate(case, r),
                    _target_text(r.target),
                    "" if r.target is None else _verdict(r.target),
                )
            )
    return lines


def _amount(case: Case, value: float) -> str:
    if case.amounts == "bytes":
        return f"{value:,.0f} B"
    return f"{value:.6f}"


def _verdict(target: dict[str, Any]) -> str:
    """PASS or MISS; "(noise)" when the limit lies within the median's confidence
    interval, so another run may well read the other way."""
    if target["passed"] is None:
        return ""
    verdict = "PASS" if target["passed"] else "MISS"
    if not target.get("resolved", True) and not target.get("problems"):
        verdict += " (noise)"
    return verdict


def _rate(case: Case, result: Result) -> str:
    if not case.per_run or result.median <= 0:
        return ""
    return f"{case.per_run / result.median:,.0f}"


def footnotes(outcome: list[tuple[Case, list[Result]]]) -> list[tuple[str, str]]:
    """``(case number, text)``: each case's notes, then the extra ratios it asked for."""
    found = []
    for case, _ in outcome:
        found += [(case.number, note) for note in case.notes]
        found += [(case.number, text) for text in case.derived]
        found += [
            (
                case.number,
                f"{name} / {reference}: {value:.3f}x (median of per-round ratios)",
            )
            for name, reference, value in case.compared
        ]
    return found


def print_table(outcome: list[tuple[Case, list[Result]]]) -> None:
    lines = table_lines(outcome)
    _print_rows(LEGEND, HEADER, lines, NUMERIC)
    for number, text in footnotes(outcome):
        print(f"  {number}: {text}")


def _print_rows(
    legend: str,
    header: tuple[str, ...],
    lines: list[tuple[str, ...]],
    numeric: set[int],
) -> None:
    # A line shorter than the header is a case's title: printed as wide as it needs.
    rows = [header, *(line for line in lines if len(line) == len(header))]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    rule = "  ".join("-" * w for w in widths)
    print(legend)
    print(rule)
    print(_format(header, widths, numeric))
    print(rule)
    for line in lines:
        if len(line) == len(header):
            print(_format(line, widths, numeric))
        else:
            print(f"{line[0].ljust(widths[0])}  {line[1]}")
    print(rule)


def _format(row: tuple[str, ...], widths: list[int], numeric: set[int]) -> str:
    cells = [
        cell.rjust(w) if i in numeric else cell.ljust(w)
        for i, (cell, w) in enumerate(zip(row, widths, strict=True))
    ]
    return "  ".join(cells).rstrip()


def _target_text(target: dict[str, Any] | None) -> str:
    if target is None:
        return ""
    return f"{target['text']}: {_value(target, target['value'])}"


def _value(target: dict[str, Any], value: float) -> str:
    """A target's figure as it reads: a ratio, bytes over the floor, or milliseconds."""
    if target["over_floor"]:
        return f"{value:+,.0f} B"
    if target["reference"] is None:
        return f"{value * 1000:.1f} ms"
    return f"{value:.3f}x"


GOAL_HEADER = (
    "path",
    "signalkit",
    "limit: written by hand",
    "min",
    "median",
    "95% CI of median",
    "max",
    "added per item",
    "goal",
    "",
)
GOAL_LEGEND = (
    "Goals: each signalkit path against what a careful developer writes by hand for "
    "the same behaviour, measured in the same rounds. min, median and max of the "
    "per-round ratios (bytes over the untracked floor for memory, with the hand-written "
    "excess after the limit's name); the confidence interval says how well the run "
    "resolves the median, and a verdict whose limit lies inside it is marked (noise): "
    "another run may read the other way; added per item: the median per-round difference in time, "
    "divided by the items of a run (inserts, rows, sends, events, disconnects). A/A "
    "controls time one contender twice under two names: their spread is the noise of "
    "the method."
)


def goal_lines(outcome: list[tuple[Case, list[Result]]]) -> list[tuple[str, ...]]:
    """The goals table's lines (``GOAL_HEADER``'s columns): every goal, then every A/A
    control, each in the order of the cases' numbers (not the order they ran in)."""
    goals: list[tuple[str, ...]] = []
    controls: list[tuple[str, ...]] = []
    for _, results in sorted(outcome, key=lambda pair: number_key(pair[0].number)):
        for r in results:
            target = r.target
            if target is None or target["goal"] is None:
                continue
            limit = target["reference"] or ""
            if target["over_floor"]:
                limit += f": {_value(target, target['reference_value'])}"
            line = (
                target["goal"],
                r.contender + ("  (!) " + "; ".join(r.problems) if r.problems else ""),
                limit,
                _value(target, target["min"]),
                _value(target, target["value"])
                + (
                    f" ({target['ratio']:.2f}x)"
                    if target["over_floor"] and target["ratio"] is not None
                    else ""
                ),
                "-".join(_value(target, v) for v in target["ci95"]),
                _value(target, target["max"]),
                _per_item(target.get("excess_per_item_s")),
                target["text"],
                _verdict(target),
            )
            (controls if target["passed"] is None else goals).append(line)
    return goals + controls


def number_key(number: str) -> tuple[int, str]:
    """Sorts case numbers as numbers: ``"9"`` before ``"10a"``."""
    digits = "".join(c for c in number if c.isdigit())
    return (int(digits) if digits else 0, number)


def print_goals(outcome: list[tuple[Case, list[Result]]]) -> None:
    lines = goal_lines(outcome)
    if not lines:
        return
    _print_rows(GOAL_LEGEND, GOAL_HEADER, lines, GOAL_NUMERIC)
    print()


GOAL_NUMERIC = {3, 4, 5, 6, 7}


def _per_item(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds * 1e6:+.2f} µs"


def write_json(
    path: Path,
    info: dict[str, Any],
    outcome: list[tuple[Case, list[Result]]],
    scale: float,
    total: float,
) -> None:
    document = {
        "machine": info,
        "scale": scale,
        "total_seconds": total,
        "goals": [
            dict(zip((*GOAL_HEADER[:-1], "verdict"), line, strict=True))
            for line in goal_lines(outcome)
        ],
        "load_average_at_end": _load_average(),
        "cases": [
            {
                "case": case.number,
                "key": case.key,
                "title": case.title,
                "floor": case.floor,
                "amounts": case.amounts,
                "repeat": case.repeat,
                "notes": case.notes,
                "derived": case.derived,
                "per_run": case.per_run,
                "unit": case.unit,
                "comparisons": [
                    {"contender": name, "reference": reference, "ratio": value}
                    for name, reference, value in case.compared
                ],
                "results": [
                    {
                        "contender": r.contender,
                        "median": r.median,
                        "min": min(r.runs),
                        "max": max(r.runs),
                        "ratio_to_floor": r.ratio,
                        "per_second": case.per_run / r.median
                        if case.per_run and r.median > 0
                        else None,
                        "iqr_relative": spread(r),
                        "runs": r.runs,
                        "target": r.target,
                        "problems": r.problems,
                    }
                    for r in results
                ],
            }
            for case, results in outcome
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")


def write_rst(
    path: Path,
    info: dict[str, Any],
    outcome: list[tuple[Case, list[Result]]],
    total: float,
    command: str,
    scale: float = 1.0,
) -> None:
    """Write the figures as reStructuredText, for ``.. include::`` in the docs.

    A paragraph on the commit and the machine, then under rubrics (no section titles, so
    it nests under whatever section includes it) the goals table and the table of every
    case, each a ``list-table`` with the printed table's columns, and the notes.
    """
    lines = [
        f".. Generated by ``{command}``; run it again rather than edit this file.",
        "",
        *_wrap(_machine_paragraph(info, total)),
        "",
    ]
    if scale != 1.0:
        lines += [
            ".. warning:: A ``--quick`` run: it checks the harness, not the figures.",
            "",
        ]
    goals = goal_lines(outcome)
    if goals:
        lines += [".. rubric:: Goals", ""]
        lines += _list_table([GOAL_HEADER, *goals])
        lines += _wrap(_escape(GOAL_LEGEND))
        lines.append("")
    lines += [".. rubric:: Every case", ""]
    rows = []
    for row in [HEADER, *table_lines(outcome)]:
        if len(row) == len(HEADER):
            rows.append(row)
        else:  # a case's title: its number, then the title in italics
            rows.append((row[0], f"*{row[1][1:-1]}*", *[""] * (len(HEADER) - 2)))
    lines += _list_table(rows)
    lines += _wrap(_escape(LEGEND))
    lines.append("")
    for number, text in footnotes(outcome):
        lines += _wrap(f"Case {number}: {_escape(text)}", first="* ", rest="  ")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).rstrip() + "\n")


def _list_table(rows: list[tuple[str, ...]]) -> list[str]:
    """A ``list-table`` of ``rows``, the first being the header. A cell wrapped in
    ``*`` is emphasised; any other is escaped to read as printed."""
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in rows:
        cells = [
            f"*{_escape(c[1:-1])}*"
            if len(c) > 2 and c[0] == c[-1] == "*"
            else _escape(c)
            for c in row
        ]
        lines.append(f"   * - {cells[0]}".rstrip())
        lines += [f"     - {cell}".rstrip() for cell in cells[1:]]
    lines.append("")
    return lines


def _machine_paragraph(info: dict[str, Any], total: float) -> str:
    peers = ", ".join(
        f"{name} {version}"
        for name, version in info["packages"].items()
        if version is not None
    )
    start = info["load_average_at_start"]
    end = _load_average()
    load = (
        "load average not available"
        if start is None
        else "load average "
        + ", ".join(f"{x:.2f}" for x in start)
        + " at the start"
        + (
            ""
            if end is None
            else " and " + ", ".join(f"{x:.2f}" for x in end) + " at the end"
        )
    )
    revision = ""
    if info["git"]:
        revision = f" at signalkit commit {info['git']}"
        if info["uncommitted"]:
            revision += f" ({', '.join(info['uncommitted'])})"
    dev = (
        " Python ran in development mode, which skews the figures."
        if info["dev_mode"]
        else ""
    )
    return _escape(
        f"Measured on {info['date']}{revision}, in {total:.0f} s in all. Python "
        f"{info['python']} ({info['implementation']}) on {info['platform']}; "
        f"{info['cpu']}, {info['cpu_count']} logical CPUs, {load}; SQLite "
        f"{info['sqlite']}. Packages: {peers}.{dev}"
    )


# Inline markup, and what Sphinx's smart quotes would turn into typographic quotes,
# dashes and ellipses: escaped, since the names are code-like and must read as printed.
_SPECIAL = str.maketrans({c: "\\" + c for c in "\\*`_|'\""})


def _escape(text: str) -> str:
    """Text as it reads, with reStructuredText's inline markup characters escaped."""
    escaped = text.translate(_SPECIAL)
    return escaped.replace("...", "\\.\\.\\.").replace("--", "\\-\\-")


def _wrap(text: str, first: str = "", rest: str = "", width: int = 88) -> list[str]:
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
