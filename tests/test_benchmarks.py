"""The benchmark harness (benchmarks/) is honest: it pairs runs by round, reports the
spread, flags a contender that did not do the work, and publishes where its figures came
from. No timing is asserted here: figures come from ``python -m benchmarks`` only.

The harness is not part of the installed package, so it is loaded from the checkout. The
last test runs it (``--quick``) in a child process; it needs the peers of
benchmarks/requirements.txt, which ``tox -e bench`` installs.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.interpreter import ROOT


def _load_harness() -> Any:
    # The harness's package, from the checkout: the root itself must not go on sys.path,
    # where its signalkit/ would shadow the installed one.
    if "benchmarks" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "benchmarks",
            ROOT / "benchmarks" / "__init__.py",
            submodule_search_locations=[str(ROOT / "benchmarks")],
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["benchmarks"] = module
        spec.loader.exec_module(module)
    return sys.modules["benchmarks"]


_load_harness()
from benchmarks import report, runner  # noqa: E402
from benchmarks.bench import receivers  # noqa: E402


def _reporting(figures: dict[str, list[float]]) -> list[runner.Contender]:
    """Contenders whose runs report the given figures, one per round, in order."""
    made = []
    for name, values in figures.items():
        left = iter([values[0], *values])  # the first is the warm-up's

        def run(name: str = name, left: Iterator[float] = left) -> dict[str, float]:
            return {name: next(left)}

        made.append(runner.Contender(name, run))
    return made


def _case(
    figures: dict[str, list[float]], targets: list[runner.Target], **options: Any
) -> runner.Case:
    return runner.Case(
        number="1",
        key="test",
        title="a test case",
        contenders=_reporting(figures),
        floor=next(iter(figures)),
        targets=targets,
        repeat=len(next(iter(figures.values()))),
        **options,
    )


def test_rounds_rotate_so_that_no_contender_always_runs_first() -> None:
    order: list[str] = []
    contenders = [
        runner.Contender(name, lambda name=name: order.append(name))
        for name in ("a", "b", "c")
    ]
    runner.measure(contenders, repeat=3)
    warm_up, rounds = order[:3], order[3:]
    assert warm_up == ["a", "b", "c"]
    assert rounds == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]


def test_a_goal_is_judged_on_per_round_ratios_with_their_spread() -> None:
    # The contender is 2 % slower than the limit in every round but one, where the
    # machine stalled the limit's run: a ratio of medians would not see it this way.
    limit = [1.0, 1.0, 5.0, 1.0, 1.0]
    mine = [1.02, 1.02, 1.02, 1.02, 1.02]
    case = _case(
        {"floor": [1.0] * 5, "limit": limit, "mine": mine},
        [runner.Target("mine", "limit", 1.01, "<=1.01x", goal="a path")],
        per_run=10,
    )
    results = {r.contender: r for r in runner.run_case(case)}
    target = results["mine"].target
    assert target is not None
    assert target["value"] == pytest.approx(1.02)
    assert target["min"] == pytest.approx(1.02 / 5.0)
    assert target["max"] == pytest.approx(1.02)
    assert target["rounds"] == 5
    assert target["passed"] is False
    # Five rounds are too few for a confidence interval: min to max, which holds 1.01.
    assert target["resolved"] is False
    line = report.goal_lines([(case, list(results.values()))])[0]
    assert line[-1] == "MISS (noise)"
    # 0.02 s more per run of 10 items: 2 ms each.
    assert target["excess_per_item_s"] == pytest.approx(0.002)


def test_an_a_a_control_is_reported_but_not_judged() -> None:
    case = _case(
        {"floor": [1.0] * 3, "copy": [1.1, 0.9, 1.0]},
        [runner.Target("copy", "floor", None, "noise", goal="A/A control: x")],
    )
    results = {r.contender: r for r in runner.run_case(case)}
    target = results["copy"].target
    assert target is not None
    assert target["passed"] is None
    assert (target["min"], target["max"]) == (pytest.approx(0.9), pytest.approx(1.1))
    assert report.goal_lines([(case, list(results.values()))])[0][-1] == ""


def test_a_memory_goal_is_judged_on_the_excess_over_the_floor() -> None:
    case = _case(
        {"floor": [900.0] * 3, "hand": [972.0] * 3, "mine": [1084.0] * 3},
        [runner.Target("mine", "hand", 100, "<=+100 B", goal="m", over_floor=True)],
        amounts="bytes",
    )
    results = {r.contender: r for r in runner.run_case(case)}
    target = results["mine"].target
    assert target is not None
    assert target["value"] == pytest.approx(184)
    assert target["reference_value"] == pytest.approx(72)
    assert target["ratio"] == pytest.approx(184 / 72)
    assert target["passed"] is False
    line = report.goal_lines([(case, list(results.values()))])[0]
    assert line[-1] == "MISS"
    assert line[2] == "hand: +72 B"
    assert line[4] == "+184 B (2.56x)"


def test_goals_come_before_a_a_controls() -> None:
    case = _case(
        {"floor": [1.0] * 3, "copy": [1.0] * 3, "mine": [1.0] * 3},
        [
            runner.Target("copy", "floor", None, "noise", goal="A/A control: x"),
            runner.Target("mine", "floor", 1.01, "<=1.01x", goal="x"),
        ],
    )
    results = runner.run_case(case)
    assert [line[0] for line in report.goal_lines([(case, results)])] == [
        "x",
        "A/A control: x",
    ]


def test_a_condition_not_evaluated_as_often_as_expected_fails_its_goal() -> None:
    # A when= contender whose receiver is not connected does nothing, fast: it must not
    # pass for it.
    def asked_twice() -> None:
        receivers.never()
        receivers.never()

    contenders = [
        runner.Contender("floor", lambda: None),
        runner.Contender("mine", asked_twice, expected_evaluations=3),
    ]
    case = runner.Case(
        "1",
        "test",
        "a test case",
        contenders,
        "floor",
        targets=[runner.Target("mine", "floor", 1e9, "any", goal="x")],
    )
    results = {r.contender: r for r in runner.run_case(case, repeat=2)}
    assert results["mine"].problems == ["condition evaluated 2 times, expected 3"]
    target = results["mine"].target
    assert target is not None
    assert target["passed"] is False
    line = report.goal_lines([(case, list(results.values()))])[0]
    assert line[1].endswith("(!) condition evaluated 2 times, expected 3")
    assert line[-1] == "MISS"


def test_a_wrong_number_of_receiver_calls_is_a_problem() -> None:
    contenders = [
        runner.Contender("mine", lambda: receivers.count(None), expected_calls=0)
    ]
    (result,) = runner.measure(contenders, repeat=1)
    assert result.problems == ["receiver ran 1 times, expected 0"]


def test_the_confidence_interval_of_a_median_widens_with_fewer_rounds() -> None:
    values = [float(i) for i in range(1, 101)]
    low, high = runner.median_interval(values)
    assert (low, high) == (40.0, 61.0)
    assert runner.median_interval([1.0, 2.0, 3.0]) == (1.0, 3.0)


def _info(**overrides: Any) -> dict[str, Any]:
    info = {
        "date": "2026-01-01 00:00 UTC",
        "python": "3.13.0",
        "dev_mode": False,
        "implementation": "CPython",
        "platform": "Linux",
        "cpu": "a CPU",
        "cpu_count": 2,
        "sqlite": "3.40.1",
        "packages": {"Django": "6.1"},
        "git": "0123456789",
        "commit": "0123456789abcdef",
        "uncommitted": [],
        "load_average_at_start": [1.0, 1.0, 1.0],
    }
    return {**info, **overrides}


def test_the_published_figures_state_their_commit_and_command(tmp_path: Path) -> None:
    case = _case(
        {"floor": [1.0] * 3, "mine": [1.0] * 3},
        [runner.Target("mine", "floor", 1.01, "<=1.01x", goal="a path")],
    )
    outcome = [(case, runner.run_case(case))]
    path = tmp_path / "results.rst"
    report.write_rst(path, _info(), outcome, 1.0, "python -m benchmarks --rst x")
    text = path.read_text()
    assert text.startswith(".. Generated by ``python -m benchmarks --rst x``")
    assert "at signalkit commit 0123456789," in text
    assert text.index(".. rubric:: Goals") < text.index(".. rubric:: Every case")
    assert "--quick" not in text


def test_a_quick_run_or_uncommitted_code_says_so(tmp_path: Path) -> None:
    case = _case({"floor": [1.0] * 3}, [])
    outcome = [(case, runner.run_case(case))]
    path = tmp_path / "results.rst"
    info = _info(git="0123456789 with uncommitted changes", uncommitted=["a.py"])
    report.write_rst(path, info, outcome, 1.0, "python -m benchmarks", scale=0.1)
    text = " ".join(path.read_text().split())
    assert "0123456789 with uncommitted changes (a.py)" in text
    assert "A ``--quick`` run: it checks the harness, not the figures." in text


PEERS = ("django_lifecycle", "dirtyfields", "model_utils")


@pytest.fixture
def peers() -> None:
    missing = [name for name in PEERS if importlib.util.find_spec(name) is None]
    if missing:
        pytest.fail(
            f"The harness needs the peers it measures ({', '.join(missing)} missing): "
            "python -m pip install -r benchmarks/requirements.txt"
        )


@pytest.mark.once
@pytest.mark.usefixtures("peers")
def test_a_quick_run_reports_every_goal_and_checks_its_contenders(
    tmp_path: Path,
) -> None:
    output = tmp_path / "latest.json"
    cases = ("save", "load", "update", "send", "bulk", "tasks", "disconnect", "memory")
    cases += ("dispatch",)
    command = [sys.executable, "-m", "benchmarks", "--quick", "--output", str(output)]
    for name in cases:
        command += ["--case", name]
    # In the root, as a reader runs it: the harness imports the checkout's signalkit.
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(output.read_text())
    paths = [goal["path"] for goal in figures["goals"]]
    assert paths[:10] == [
        "insert, one receiver, no options",
        "insert, when= false",
        "load rows, one tracked field",
        "load, change, save with changed=",
        "Signal(args=...).send, 1 receiver",
        "SignalQuerySet.update() with a receiver",
        "task= receiver per event",
        "disconnect 100 receivers",
        "disconnect 100 receivers, reverse order",
        "memory per tracked instance",
    ]
    assert "update() with a receiver: no pk list held unless asked" in paths
    # Every contender did its work: receivers ran, conditions were asked, tracking saw
    # a change, tasks were enqueued, receivers were disconnected.
    problems = [
        (case["case"], result["contender"], result["problems"])
        for case in figures["cases"]
        for result in case["results"]
        if result["problems"]
    ]
    assert problems == []
    assert figures["machine"]["commit"]


CHILD = """
from benchmarks import environment
environment.setup()
from benchmarks import case_load, data, runner
from benchmarks.bench.models import Item
data.fill(Item, 5)
contender = case_load.load_contender("untracked", Item, 5, case_load.signalkit_sees)
(result,) = runner.measure([contender], 1)
print(result.problems)
"""


@pytest.mark.once
@pytest.mark.usefixtures("peers")
def test_a_load_contender_whose_tracking_is_off_is_flagged() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(
        ["a changed status was not seen: tracking is off"]
    )
