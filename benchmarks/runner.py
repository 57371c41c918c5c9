"""Cases, contenders and the one timing loop, :func:`measure`.

Each round runs every contender of a case once, in an order rotated from one round to
the next, so drift of the machine (turbo, other load) spreads over all of them instead of
landing on whichever ran last. Times are the median of the rounds. Ratios are the median
of per-round ratios: each run divided by the reference's run of the same round, which
cancels most of the drift between rounds (on a busy machine, far better than a ratio of
two medians).
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from benchmarks.bench.receivers import hits


def _nothing() -> None:
    return None


@dataclass
class Contender:
    """One way of doing the case's job.

    ``setup`` and ``teardown`` run around every timed ``run`` and are not timed: they
    connect and disconnect the contender's receivers, so each run measures only it.
    ``expected_calls``, when given, is how many times the user's receiver must run; a
    different count is reported, since a fast wrong answer is no answer. ``check``, when
    given, runs after each timed run and before ``teardown`` (untimed) and returns a
    problem to report, or ``None``: for work that leaves no receiver call to count, such
    as tasks enqueued for a worker.

    A ``run`` that cannot be timed from here (one in a child process) times itself: it
    returns ``{result name: seconds}``, its own name's figure and any other it measured
    on the way (such as ``django.setup()``, timed in the same child).
    """

    name: str
    run: Callable[[], Any]
    setup: Callable[[], None] = _nothing
    teardown: Callable[[], None] = _nothing
    expected_calls: int | None = None
    check: Callable[[], str | None] | None = None


@dataclass
class Target:
    """A goal from issue #4: ``contender`` at most ``limit`` times ``reference``, or at
    most ``limit`` seconds when ``reference`` is ``None``."""

    contender: str
    reference: str | None
    limit: float
    text: str


@dataclass
class Result:
    contender: str
    runs: list[float]
    ratio: float | None = None
    target: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


@dataclass
class Case:
    number: str
    key: str
    title: str
    contenders: list[Contender]
    floor: str
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    setup: Callable[[], None] = _nothing
    teardown: Callable[[], None] = _nothing
    repeat: int = 40
    # How many items (inserts, rows, sends, events) one run handles, and what they are
    # called: the table's "per s" column is per_run / median.
    per_run: int | None = None
    unit: str = ""
    # (contender, reference) pairs whose ratio is reported besides the floor's.
    comparisons: list[tuple[str, str]] = field(default_factory=list)
    # Filled in by run_case: (contender, reference, median of per-round ratios).
    compared: list[tuple[str, str, float]] = field(default_factory=list)


def run_case(case: Case, repeat: int | None = None) -> list[Result]:
    """Time every contender of ``case`` ``repeat`` times (default: the case's own count)."""
    case.repeat = repeat = repeat or case.repeat
    case.setup()
    try:
        results = measure(case.contenders, repeat)
    finally:
        case.teardown()
    _score(case, results)
    return results


def measure(contenders: list[Contender], repeat: int) -> list[Result]:
    """Run every contender once to warm up (caches, pyc, SQLite pages), then ``repeat``
    rounds, round-robin; return the results in the order of ``contenders`` (a figure a
    run reports besides its own after them)."""
    results = {c.name: Result(c.name, []) for c in contenders}
    for contender in contenders:
        _run_once(contender, None)
    for r in range(repeat):
        shift = r % len(contenders)
        for contender in contenders[shift:] + contenders[:shift]:
            _run_once(contender, results)
    return list(results.values())


def _run_once(contender: Contender, results: dict[str, Result] | None) -> None:
    """Time one run of ``contender`` into ``results`` (``None``: a warm-up)."""
    contender.setup()
    try:
        hits.count = 0
        # Collect now, so garbage left by the previous contender is not charged to this
        # one; the collector stays on, since what a contender allocates is part of its cost.
        gc.collect()
        start = time.perf_counter()
        reported = contender.run()
        elapsed = time.perf_counter() - start
        problem = None if contender.check is None else contender.check()
    finally:
        contender.teardown()
    if results is None:
        return
    figures = reported if isinstance(reported, Mapping) else {contender.name: elapsed}
    for name, seconds in figures.items():
        results.setdefault(name, Result(name, [])).runs.append(seconds)
    result = results[contender.name]
    problems = [] if problem is None else [problem]
    expected = contender.expected_calls
    if expected is not None and hits.count != expected:
        problems.append(f"receiver ran {hits.count} times, expected {expected}")
    for each in problems:
        if each not in result.problems:
            result.problems.append(each)


def ratio(result: Result, reference: Result) -> float:
    """The median of per-round ratios of ``result`` to ``reference``."""
    if len(result.runs) != len(reference.runs):
        return result.median / reference.median
    return statistics.median(
        a / b for a, b in zip(result.runs, reference.runs, strict=True)
    )


def _score(case: Case, results: list[Result]) -> None:
    by_name = {r.contender: r for r in results}
    floor = by_name.get(case.floor)
    for result in results:
        if floor is not None:
            result.ratio = ratio(result, floor)
    case.compared = [
        (name, reference, ratio(by_name[name], by_name[reference]))
        for name, reference in case.comparisons
        if name in by_name and reference in by_name
    ]
    for target in case.targets:
        result = by_name.get(target.contender)
        if result is None:
            continue
        if target.reference is None:
            value = result.median
        else:
            reference = by_name.get(target.reference)
            if reference is None:
                continue
            value = ratio(result, reference)
        result.target = {
            "text": target.text,
            "reference": target.reference,
            "limit": target.limit,
            "value": value,
            "passed": value <= target.limit and not result.problems,
        }
