"""The test runner the harness gives ``runtests.py``: it records every test's outcome.

:class:`RecordingRunner` is Django's ``DiscoverRunner`` plus a result class that keeps,
for each test id, ``pass`` (success or expected failure), ``skip`` or ``fail`` (failure,
error, failed subtest, unexpected success) and the traceback text. Before the tests run it
calls ``before_tests()`` on each installed app that has one (the control and
signalkit-on apps): they finish their setup and report whether it took effect. Both go to the JSON file named by
``$DJANGO_SUITE_RESULTS``.

Parallel runs: a worker sends each error to the main process as text (tracebacks do not
pickle without tblib, and some exceptions never do), so nothing is lost on the way.

A test during which logger ``signalkit`` logged an ERROR counts as failed: the harness's
receivers do nothing, so such a record is signalkit's own error, swallowed by
``robust=True``.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import unittest
from typing import Any

from django.apps import apps
from django.test.runner import (
    DiscoverRunner,
    ParallelTestSuite,
    RemoteTestResult,
    RemoteTestRunner,
)

PASS, SKIP, FAIL = "pass", "skip", "fail"
_RANK = {PASS: 0, SKIP: 1, FAIL: 2}

ExcInfo = tuple[Any, Any, Any]


class Reported(Exception):
    """A test's error as text: the form in which it crosses from a worker process."""


class _LogRecorder(logging.Handler):
    """Keeps the ERROR records of logger ``signalkit`` since the current test started."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


_PLAIN = unittest.TestResult()
_signalkit_log = _LogRecorder()
logging.getLogger("signalkit").addHandler(_signalkit_log)


def _as_text(err: ExcInfo, test: Any) -> str:
    if isinstance(err[1], Reported):
        return str(err[1])
    # unittest's own rendering, without its frames; RemoteTestResult overrides it.
    return unittest.TestResult._exc_info_to_string(_PLAIN, err, test)  # type: ignore[attr-defined]


def _portable(err: ExcInfo, test: Any) -> ExcInfo:
    return (Reported, Reported(_as_text(err, test)), None)


class _SubTestText:
    """What the main process needs of a failed subtest: its description."""

    failureException = AssertionError

    def __init__(self, subtest: Any) -> None:
        self._id = subtest.id()
        self._text = str(subtest)

    def id(self) -> str:
        return self._id

    def __str__(self) -> str:
        return self._text

    def shortDescription(self) -> None:
        return None


class _LogCheck:
    """Turns a success into a failure when signalkit logged an error during the test."""

    def startTest(self, test: Any) -> None:
        _signalkit_log.lines.clear()
        super().startTest(test)  # type: ignore[misc]

    def addSuccess(self, test: Any) -> None:
        if _signalkit_log.lines:
            text = "signalkit logged an error while the test ran:\n" + "\n".join(
                _signalkit_log.lines
            )
            self.addFailure(test, (Reported, Reported(text), None))  # type: ignore[attr-defined]
            return
        super().addSuccess(test)  # type: ignore[misc]


class RecordingRemoteResult(_LogCheck, RemoteTestResult):
    """A worker's result: Django's, with every error made picklable first."""

    def addError(self, test: Any, err: ExcInfo) -> None:
        super().addError(test, _portable(err, test))

    def addFailure(self, test: Any, err: ExcInfo) -> None:
        super().addFailure(test, _portable(err, test))

    def addSubTest(self, test: Any, subtest: Any, err: ExcInfo | None) -> None:
        if err is not None:
            try:
                pickle.dumps(subtest)
            except Exception:
                subtest = _SubTestText(subtest)
            err = _portable(err, test)
        super().addSubTest(test, subtest, err)

    def addExpectedFailure(self, test: Any, err: ExcInfo) -> None:
        super().addExpectedFailure(test, _portable(err, test))


class RecordingRemoteRunner(RemoteTestRunner):
    resultclass = RecordingRemoteResult


class RecordingParallelTestSuite(ParallelTestSuite):
    runner_class = RecordingRemoteRunner


class RecordingResult(_LogCheck, unittest.TextTestResult):
    """The main process's result: prints as usual and keeps each test's outcome."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcomes: dict[str, dict[str, str]] = {}

    def _record(self, test: Any, outcome: str, detail: str = "") -> None:
        entry = self.outcomes.setdefault(test.id(), {"outcome": outcome, "detail": ""})
        if _RANK[outcome] > _RANK[entry["outcome"]]:
            entry["outcome"] = outcome
            entry["detail"] = ""
        if detail and outcome == entry["outcome"]:
            entry["detail"] += detail if not entry["detail"] else "\n" + detail

    def addSuccess(self, test: Any) -> None:
        super().addSuccess(test)
        if self.outcomes.get(test.id()) is None:
            self._record(test, PASS)

    def addError(self, test: Any, err: ExcInfo) -> None:
        super().addError(test, err)
        self._record(test, FAIL, _as_text(err, test))

    def addFailure(self, test: Any, err: ExcInfo) -> None:
        super().addFailure(test, err)
        self._record(test, FAIL, _as_text(err, test))

    def addSubTest(self, test: Any, subtest: Any, err: ExcInfo | None) -> None:
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._record(test, FAIL, f"[subtest {subtest}]\n{_as_text(err, test)}")

    def addSkip(self, test: Any, reason: str) -> None:
        super().addSkip(test, reason)
        self._record(test, SKIP, reason)

    def addExpectedFailure(self, test: Any, err: ExcInfo) -> None:
        super().addExpectedFailure(test, err)
        self._record(test, PASS)

    def addUnexpectedSuccess(self, test: Any) -> None:
        super().addUnexpectedSuccess(test)
        self._record(test, FAIL, "unexpected success of a test marked expectedFailure")


def _before_tests() -> dict[str, Any]:
    """What each harness app reports about its setup (see their ``before_tests()``)."""
    return {
        config.label: config.before_tests()
        for config in apps.get_app_configs()
        if callable(getattr(config, "before_tests", None))
    }


class RecordingRunner(DiscoverRunner):
    """``DiscoverRunner`` writing each test's outcome to ``$DJANGO_SUITE_RESULTS``."""

    parallel_test_suite = RecordingParallelTestSuite

    def get_resultclass(self) -> type[unittest.TextTestResult]:
        return RecordingResult

    def run_suite(self, suite: Any, **kwargs: Any) -> Any:
        setup = _before_tests()
        result = super().run_suite(suite, **kwargs)
        path = os.environ.get("DJANGO_SUITE_RESULTS")
        if path:
            with open(path, "w", encoding="utf-8") as out:
                json.dump({"setup": setup, "tests": result.outcomes}, out, indent=1)
        return result
