"""Every example of every docs page runs (tests/docs_page.py states the conventions).

The pages are run, each in a throwaway copy of docs/examples/, by the tests marked
``docs`` (``tox -e docs``; by hand ``python -m pytest -m docs tests/test_docs_examples.py``).
The default run only reads the pages and lints their Python, which takes a second.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import docs_page
from tests.tutorial_page import PageError

PAGES = docs_page.pages()


def _id(page: Path) -> str:
    return docs_page.page_path(page)


def test_the_pages_are_found() -> None:
    names = {_id(p) for p in PAGES}
    assert {"index.rst", "howto/senders.rst", "reference/api.rst"} <= names
    assert "tutorial.rst" not in names


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_every_block_is_run_or_says_why_not(page: Path) -> None:
    docs_page.steps(page)


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_the_python_of_every_page_passes_pyflakes(page: Path, tmp_path: Path) -> None:
    assert docs_page.lint(page, docs_page.steps(page), tmp_path) == []


@pytest.mark.docs
@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_every_example_of_the_page_runs(page: Path, tmp_path: Path) -> None:
    failures = docs_page.run(page, tmp_path)
    assert failures == [], "\n\n".join(failures)
