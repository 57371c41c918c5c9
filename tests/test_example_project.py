"""Run the example project's own checks and test suite, each in a subprocess.

The example is a separate Django project (settings ``mysite.settings``), so it cannot share
this suite's settings: ``manage.py`` runs it in a fresh interpreter, from the repository
root, with deprecation warnings turned into errors like the main suite.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "example_project" / "manage.py"
TIMEOUT = 300  # seconds; each command normally takes a second or two


def run_manage(
    *args: str,
    settings: str = "mysite.settings",
    pythonpath: Path | None = None,
    cwd: Path = ROOT,
) -> tuple[int, str]:
    """Run ``manage.py *args`` in ``cwd``; return its exit status and its stdout followed
    by its stderr (kept apart: interleaved, the runner's result lines on stderr could
    land in the middle of a line of migration progress on stdout)."""
    # Pass PYTHONWARNINGS and the rest on unchanged, but not pytest-django's settings.
    # Unbuffered: the runner's lines (stderr) and the migrations' (stdout) share one pipe,
    # and a buffered chunk of the latter could land in the middle of the former.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings, "PYTHONUNBUFFERED": "1"}
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(pythonpath), env.get("PYTHONPATH")) if p
        )
    completed = subprocess.run(
        [
            sys.executable,
            "-W",
            "error::DeprecationWarning",
            "-W",
            "error::PendingDeprecationWarning",
            str(MANAGE),
            *args,
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    return completed.returncode, f"{completed.stdout}\n{completed.stderr}"


def reported_tests(output: str) -> list[str]:
    """The ids (``module.Class.method``) of the tests a ``manage.py test --verbosity 2``
    run reported, in order."""
    # Each test's line starts "method (module.Class.method)", or on Python 3.10
    # "method (module.Class)"; a docstring's first line may follow on the next line.
    ids = []
    for method, where in re.findall(r"^(\w+) \(([\w.]+)\)", output, re.MULTILINE):
        ids.append(where if where.endswith(f".{method}") else f"{where}.{method}")
    return ids


def assert_passed(returncode: int, output: str) -> int:
    """Check that a ``manage.py test`` run passed and ran tests; return how many."""
    assert returncode == 0, f"the example project's tests failed:\n{output}"
    ran = re.search(r"^Ran (\d+) tests? in ", output, re.MULTILINE)
    assert ran is not None, f"no 'Ran N tests' line in the output:\n{output}"
    assert int(ran.group(1)) > 0, f"the example project ran no tests:\n{output}"
    assert re.search(r"^OK\b", output, re.MULTILINE), (
        f"no 'OK' in the output:\n{output}"
    )
    return int(ran.group(1))


@pytest.mark.once
def test_example_project_test_suite_passes() -> None:
    # No labels, from the repository root: the example's own tests, all of them, and
    # none of this suite's (Django's runner alone would discover tests/ here).
    returncode, output = run_manage("test", "--noinput", "--verbosity", "2")
    count = assert_passed(returncode, output)
    ran = reported_tests(output)
    assert len(ran) == count, output
    modules = {test_id.rsplit(".", 2)[0] for test_id in ran}
    assert modules == {
        "accounts.tests",
        "events.tests",
        "mysite.tests",
        "mysite.whatran.tests",
        "shop.tests",
    }


@pytest.mark.parametrize(
    "where", ["example_project", "a directory outside the repository"]
)
def test_example_project_tests_run_from_any_directory(
    where: str, tmp_path: Path
) -> None:
    cwd = MANAGE.parent if where == "example_project" else tmp_path
    returncode, output = run_manage(
        "test", "--noinput", "--verbosity", "2", "-k", "EventTests", cwd=cwd
    )
    assert_passed(returncode, output)
    ran = reported_tests(output)
    assert ran, output
    assert all(test_id.startswith("events.tests.EventTests.") for test_id in ran), ran


def test_example_project_tests_run_by_app_label() -> None:
    returncode, output = run_manage(
        "test", "shop", "--noinput", "--verbosity", "2", "-k", "ShipAllTests"
    )
    assert_passed(returncode, output)
    ran = reported_tests(output)
    assert ran, output
    assert all(test_id.startswith("shop.tests.ShipAllTests.") for test_id in ran), ran


def test_example_project_system_checks_pass() -> None:
    returncode, output = run_manage("check", "--fail-level", "WARNING")
    assert returncode == 0, f"manage.py check failed:\n{output}"
    assert "System check identified no issues" in output, output


def test_example_project_migrations_are_up_to_date(tmp_path: Path) -> None:
    # makemigrations reads the migration history of the configured database, and SQLite
    # would create example_project/db.sqlite3 to do it: use the example's settings with an
    # in-memory database instead, so a developer's own database neither gets touched nor
    # changes the result. The models and migrations checked are the same.
    (tmp_path / "example_memory_settings.py").write_text(
        "from mysite.settings import *  # noqa: F403\n"
        "\n"
        'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}\n'
    )
    returncode, output = run_manage(
        "makemigrations",
        "--check",
        "--dry-run",
        settings="example_memory_settings",
        pythonpath=tmp_path,
    )
    assert returncode == 0, (
        f"the example project has model changes without migrations:\n{output}"
    )
    assert "No changes detected" in output, output
