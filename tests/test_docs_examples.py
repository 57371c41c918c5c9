"""Every example of every docs page runs (tests/docs_page.py states the conventions).

The pages are run, each in a throwaway copy of docs/examples/, by the tests marked
``docs`` (``tox -e docs``; by hand ``python -m pytest -m docs tests/test_docs_examples.py``).
The default run only reads the pages and lints their Python, which takes a second.
"""

from __future__ import annotations

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


# The conventions of tests/docs_page.py ------------------------------------------------


def _page(tmp_path: Path, text: str) -> Path:
    page = docs_page.DOCS / "howto" / f"_test_{tmp_path.name}.rst"
    page.write_text(text)
    return page


@pytest.fixture
def page_of(tmp_path: Path):  # type: ignore[no-untyped-def]
    made: list[Path] = []

    def make(text: str) -> Path:
        made.append(_page(tmp_path, text))
        return made[-1]

    yield make
    for page in made:
        page.unlink()


def test_each_kind_of_block_is_a_step(page_of) -> None:  # type: ignore[no-untyped-def]
    page = page_of(
        ".. code-block:: python\n    :caption: shop/signals.py\n\n    import signalkit\n\n"
        ".. code-block:: python\n    :caption: shop/models.py (before)\n\n    x = 1\n\n"
        ".. code-block:: python\n\n    # settings.py\n    DEBUG = False\n\n"
        ".. code-block:: python\n\n    import signalkit\n\n"
        ".. new-project:\n\n"
        ".. code-block:: pycon\n\n    >>> 1 + 1\n    2\n\n"
        ".. code-block:: console\n\n    $ python manage.py check\n    ok\n\n"
        ".. not-run: a layout.\n\n.. code-block:: text\n\n    shop/\n\n"
        "* a list item:\n\n  .. code-block:: console\n\n      $ echo nested\n"
    )
    kinds = [
        (type(s).__name__, getattr(s, "path", getattr(s, "settings", None)))
        for s in docs_page.steps(page)
    ]
    assert kinds == [
        ("WriteFile", "shop/signals.py"),
        ("WriteFile", "shop/models.py"),
        ("Snippet", True),
        ("Snippet", False),
        ("NewProject", None),
        ("Session", None),
        ("Command", None),
        ("Command", None),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (".. code-block:: text\n\n    out\n", "neither a file"),
        (".. include:: ../x.rst\n", "'.. include::' is not run"),
        (
            ".. literalinclude:: ../../tests/settings.py\n",
            "only files of docs/examples/",
        ),
        ("Type this::\n\n    x = 1\n", "'::' literal block"),
        (".. not-run:\n\n.. code-block:: text\n\n    x\n", "needs a reason"),
    ],
)
def test_a_block_that_is_not_run_must_say_why(page_of, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PageError, match=message):
        docs_page.steps(page_of(text))


def test_a_missing_import_is_reported_at_its_line(page_of, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = page_of(
        ".. code-block:: python\n\n    @signalkit.on_post_save('shop.Order')\n"
        "    def f(sender, **kwargs):\n        slugify('x')\n"
    )
    problems = docs_page.lint(page, docs_page.steps(page), tmp_path)
    assert len(problems) == 2
    assert "line 3: F821 Undefined name `signalkit`" in problems[0]
    assert "line 5: F821 Undefined name `slugify`" in problems[1]


def test_a_linter_that_cannot_run_is_a_problem_not_a_clean_page(  # type: ignore[no-untyped-def]
    page_of, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = page_of(".. code-block:: python\n\n    import os\n\n    os.getcwd()\n")
    # An interpreter without ruff: `python -m ruff` exits 1 with nothing on stdout.
    python = tmp_path / "python-without-ruff"
    python.write_text("#!/bin/sh\necho 'No module named ruff' >&2\nexit 1\n")
    python.chmod(0o755)
    monkeypatch.setattr(docs_page.sys, "executable", str(python))
    problems = docs_page.lint(page, docs_page.steps(page), tmp_path)
    assert len(problems) == 1
    assert "ruff failed (exit 1): No module named ruff" in problems[0]
