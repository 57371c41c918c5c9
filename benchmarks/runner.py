"""Cases, contenders and the one timing loop, :func:`measure`.

A run is timed in CPU time of the process (``time.process_time()``): everything a case
does happens in it (SQLite in memory), and on a shared machine wall-clock time would also
count the moments other work held the core.

Each round runs every contender of a case once, in an order rotated from one round to the
next, so drift of the machine (turbo, other load) spreads over all of them instead of
landing on whichever ran last. Times are the median of the rounds. Ratios are the median
of per-round ratios: each run divided by the reference's run of the same round, which
cancels most of the drift between rounds (on a busy machine, far better than a ratio of
two medians); their minimum and maximum are kept, to show how far single rounds strayed.

A :class:`Target` with a ``goal`` is a row of the goals table: a path of signalkit
against what a careful developer would write by hand for the same behaviour.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from benchmarks.bench.receivers import evaluations, hits


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
    as tasks enqueued for a worker. ``expected_evaluations``, when given, is how many
    times a condition (``when=`` or a hand-written ``if``) must have been evaluated: proof
    that a receiver which never runs was connected and asked.

    A ``run`` that cannot be timed from here (one in a child process) times itself: it
    returns ``{result name: seconds}``, its own name's figure and any other it measured
    on the way (such as ``django.setup()``, timed in the same child).
    """

    name: str
    run: Callable[[], Any]
    # Their return values are ignored: connect() and disconnect() return theirs.
    setup: Callable[[], object] = _nothing
    teardown: Callable[[], object] = _nothing
    expected_calls: int | None = None
    check: Callable[[], str | None] | None = None
    expected_evaluations: int | None = None


@dataclass
class Target:
    """``contender`` at most ``limit`` times ``reference``, or at most ``limit`` seconds
    when ``reference`` is ``None``.

    With ``goal`` (the path's name), it is a row of the goals table, ``reference`` being
    the hand-written limit. ``limit=None`` makes a row that is reported but not judged:
    an A/A control, two identical contenders, whose spread is the noise of the method.
    With ``over_floor``, the figures are amounts (bytes) and what is judged is the
    contender's excess over the case's floor, at most ``limit``; the ratio of that excess
    to the reference's excess is reported beside it.
    """

    contender: str
    reference: str | None
    limit: float | None
    text: str
    goal: str | None = None
    over_floor: bool = False


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
    # What the runs' figures are: "seconds", or "bytes" for a case whose runs measure
    # memory and report it themselves.
    amounts: str = "seconds"
    # How many items (inserts, rows, sends, events) one run handles, and what they are
    # called: the table's "per s" column is per_run / median.
    per_run: int | None = None
    unit: str = ""
    # (contender, reference) pairs whose ratio is reported besides the floor's.
    comparisons: list[tuple[str, str]] = field(default_factory=list)
    # Filled in by run_case: (contender, reference, median of per-round ratios).
    compared: list[tuple[str, str, float]] = field(default_factory=list)
    # Sentences of figures derived from the results (per-call costs...), printed with
    # the notes: computed, so a new run never contradicts them.
    summary: Callable[[dict[str, Result]], list[str]] | None = None
    derived: list[str] = field(default_factory=list)


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
        evaluations.count = 0
        # Collect now, so garbage left by the previous contender is not charged to this
        # one; the collector stays on, since what a contender allocates is part of its cost.
        gc.collect()
        # CPU time of this process: the work is all in it (SQLite in memory), and time
        # spent waiting for a core that other work on the machine holds is left out.
        start = time.process_time()
        reported = contender.run()
        elapsed = time.process_time() - start
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
    asked = contender.expected_evaluations
    if asked is not None and evaluations.count != asked:
        problems.append(
            f"condition evaluated {evaluations.count} times, expected {asked}"
        )
    for each in problems:
        if each not in result.problems:
            result.problems.append(each)


def ratios(result: Result, reference: Result) -> list[float]:
    """Each run of ``result`` divided by ``reference``'s run of the same round (one
    ratio of the medians if their runs do not pair up)."""
    if len(result.runs) != len(reference.runs):
        return [result.median / reference.median]
    return [a / b for a, b in zip(result.runs, reference.runs, strict=True)]


def ratio(result: Result, reference: Result) -> float:
    """The median of per-round ratios of ``result`` to ``reference``."""
    return statistics.median(ratios(result, reference))


def median_interval(values: list[float]) -> tuple[float, float]:
    """A distribution-free 95 % confidence interval of the median of ``values``: the
    order statistics around the middle that the binomial distribution allows. With too
    few values for one, their minimum and maximum."""
    ordered = sorted(values)
    n = len(ordered)
    half_width = 1.96 * math.sqrt(n) / 2
    # 0-based positions, rounded outwards: at least 95 %.
    low = math.floor(n / 2 - half_width) - 1
    high = math.ceil(n / 2 + half_width)
    if low < 0 or high >= n:
        return ordered[0], ordered[-1]
    return ordered[low], ordered[high]


def excesses(result: Result, floor: Result) -> list[float]:
    """Each run of ``result`` less ``floor``'s run of the same round."""
    if len(result.runs) != len(floor.runs):
        return [result.median - floor.median]
    return [a - b for a, b in zip(result.runs, floor.runs, strict=True)]


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
    if case.summary is not None:
        case.derived = case.summary(by_name)
    for target in case.targets:
        judged = by_name.get(target.contender)
        if judged is None:
            continue
        reference = None if target.reference is None else by_name.get(target.reference)
        if target.reference is not None and reference is None:
            continue
        judged.target = _judge(target, judged, reference, floor)
        if reference is not None and case.per_run and not target.over_floor:
            # What the contender adds per item (insert, row, send) over its reference.
            per_item = statistics.median(excesses(judged, reference)) / case.per_run
            judged.target["excess_per_item_s"] = per_item


def _judge(
    target: Target, result: Result, reference: Result | None, floor: Result | None
) -> dict[str, Any]:
    """The figures a target is judged by: its value with the minimum and maximum over
    the rounds, a 95 % confidence interval of the median, whether it passed (``None``
    when it is not judged) and whether the interval leaves the limit out (the verdict is
    then resolved)."""
    if target.over_floor and floor is not None and reference is not None:
        values = excesses(result, floor)
        value = statistics.median(values)
        limit_value = statistics.median(excesses(reference, floor))
        extra: dict[str, Any] = {
            "reference_value": limit_value,
            "ratio": value / limit_value if limit_value else None,
        }
    elif reference is not None:
        values = ratios(result, reference)
        value = statistics.median(values)
        extra = {}
    else:
        values = list(result.runs)
        value = result.median
        extra = {}
    passed = (
        None if target.limit is None else value <= target.limit and not result.problems
    )
    low, high = median_interval(values)
    # Whether the run tells on which side of the limit the median lies: not when the
    # limit is inside the median's confidence interval.
    resolved = target.limit is not None and not low <= target.limit <= high
    return {
        "text": target.text,
        "goal": target.goal,
        "reference": target.reference,
        "limit": target.limit,
        "over_floor": target.over_floor,
        "value": value,
        "min": min(values),
        "max": max(values),
        "rounds": len(values),
        "ci95": [low, high],
        "passed": passed,
        "resolved": resolved,
        "problems": len(result.problems),
        **extra,
    }
