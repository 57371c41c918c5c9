"""The example's test runner: its own tests, whichever directory ``manage.py test`` runs in."""

from __future__ import annotations

from typing import Any
from unittest import TestSuite

from django.conf import settings
from django.test.runner import DiscoverRunner


class ExampleTestRunner(DiscoverRunner):
    """Django's ``DiscoverRunner``, discovering in ``example_project/`` when given no labels.

    Django's runner discovers from the current directory. From the repository root that
    is the library's own ``tests/``, which need other settings, and from anywhere else it
    finds nothing. Labels given on the command line (``manage.py test shop``) work as in
    Django.
    """

    def build_suite(
        self, test_labels: list[str] | None = None, **kwargs: Any
    ) -> TestSuite:
        return super().build_suite(test_labels or [str(settings.BASE_DIR)], **kwargs)
