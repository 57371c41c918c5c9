"""Fixtures shared by the tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from signalkit import _signal_patch, outcomes
from tests.helpers import connections_undone, redis_problem


@pytest.fixture
def undo_connections() -> Iterator[None]:
    """Undo, after the test, every connection signalkit made during it."""
    with connections_undone():
        yield


@pytest.fixture
def no_testing_helper_left(undo_connections: None) -> Iterator[None]:
    """:func:`undo_connections`, and check that no testing helper outlived its block."""
    yield
    assert _signal_patch.active() == ()
    assert outcomes.consumers() == ()


@pytest.fixture
def celery_app() -> Any:
    """The test project's Celery app (on the Redis of ``SIGNALKIT_TEST_BROKER``)."""
    from tests.celery_app import app

    return app


@pytest.fixture(scope="session")
def redis() -> str:
    """The URL of the Redis the Celery tests use, once it has answered a ping.

    Without a Redis there, each test that needs it fails with one line saying so and how
    to start one, instead of a traceback from deep inside kombu.
    """
    from django.conf import settings

    url = str(settings.CELERY_BROKER_URL)
    problem = redis_problem(url)
    if problem is not None:
        pytest.fail(problem, pytrace=False)
    return url


@pytest.fixture
def celery_broker(redis: str, celery_app: Any) -> Any:
    """The test project's Celery app, its Redis broker known to be running."""
    return celery_app
