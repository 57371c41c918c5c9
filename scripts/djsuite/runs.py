"""Run Django's ``runtests.py`` once, in one mode on one database, and read its results."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from djsuite.sdist import APPS_ENV

#: The harness's own modules, importable by runtests.py through PYTHONPATH.
HARNESS_PATH = Path(__file__).resolve().parent.parent

#: The apps each mode adds to runtests.py's ALWAYS_INSTALLED_APPS.
MODE_APPS: dict[str, tuple[str, ...]] = {
    "dispatch": (),
    "control": ("djsuite.child.control.ControlConfig",),
    "signalkit": ("signalkit", "djsuite.child.signalkit_on.SignalkitOnConfig"),
}


@dataclass
class Run:
    """The outcome of one runtests.py run."""

    mode: str
    database: str
    seconds: float
    returncode: int
    #: CPU time of runtests.py and its workers: unlike wall time, not stretched by load.
    cpu_seconds: float
    #: A second run of some tests alone, to confirm what the first one found.
    rerun: bool = False
    #: test id -> {"outcome": "pass" | "skip" | "fail", "detail": text}
    tests: dict[str, dict[str, str]] = field(default_factory=dict)
    #: What went wrong with the harness itself (no results, a setup not in effect).
    problems: list[str] = field(default_factory=list)
    #: What the setup checks found wrong with signalkit (hooks changing a signature).
    findings: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.mode}/{self.database}{' re-run' if self.rerun else ''}"

    def count(self, outcome: str) -> int:
        return sum(1 for t in self.tests.values() if t["outcome"] == outcome)

    def summary(self) -> str:
        return (
            f"{len(self.tests)} tests: {self.count('pass')} passed, "
            f"{self.count('fail')} failed, {self.count('skip')} skipped, "
            f"in {self.seconds:.1f} s (CPU {self.cpu_seconds:.1f} s)"
        )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def child_env(base: dict[str, str]) -> dict[str, str]:
    """The environment of runtests.py: the harness importable, PYTHONPATH kept."""
    entries = [p for p in base.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {
        **base,
        "PYTHONPATH": os.pathsep.join([str(HARNESS_PATH), *entries]),
    }


def run(
    tests: Path,
    mode: str,
    database: str,
    labels: list[str],
    *,
    parallel: str,
    runtests_args: list[str],
    results_dir: Path,
    rerun: bool = False,
) -> Run:
    """Run ``runtests.py labels`` in ``tests`` with ``mode``'s apps on ``database``."""
    results = results_dir / f"{mode}-{database}{'-rerun' if rerun else ''}.json"
    results.unlink(missing_ok=True)
    env = child_env(dict(os.environ))
    env.update(
        DJANGO_SUITE_DATABASE=database,
        DJANGO_SUITE_RESULTS=str(results),
        **{APPS_ENV: ",".join(MODE_APPS[mode])},
    )
    cmd = [
        sys.executable,
        "runtests.py",
        "--settings=djsuite.child.settings",
        "--noinput",
        f"--parallel={parallel}",
        *runtests_args,
        *labels,
    ]
    shown = " ".join(labels) if rerun else f"<{len(labels)} apps>"
    print(
        f"\ndjango-suite: === {mode} on {database}{' (re-run)' if rerun else ''}: "
        f"{' '.join(cmd[1:5])} {shown} (in {tests})",
        flush=True,
    )
    start, cpu_start = time.monotonic(), _children_cpu()
    returncode = subprocess.run(cmd, cwd=tests, env=env).returncode
    outcome = Run(
        mode,
        database,
        time.monotonic() - start,
        returncode,
        _children_cpu() - cpu_start,
        rerun,
    )
    if not results.is_file():
        outcome.problems.append(
            f"runtests.py exited with status {returncode} before any test ran (see its "
            f"output above)"
        )
        return outcome
    data: dict[str, Any] = json.loads(results.read_text(encoding="utf-8"))
    outcome.tests = data["tests"]
    for app, report in data["setup"].items():
        outcome.problems.extend(f"{app}: {p}" for p in report["problems"])
        outcome.findings.extend(report.get("findings", []))
    if not outcome.tests:
        outcome.problems.append("no test ran")
    print(f"django-suite: {outcome.name}: {outcome.summary()}", flush=True)
    return outcome
