"""docs/tutorial.rst, typed by a newcomer into a fresh virtualenv.

The slow test is marked ``tutorial`` and deselected from the default run (pyproject's
addopts); ``tox -e tutorial-py310-django52,tutorial-py313-django61`` runs it, as CI does.
By hand: ``python -m pytest -m tutorial tests/test_tutorial.py``. It follows the page with
the Python and the Django version that run it. tests/tutorial_page.py states the page's
conventions.
"""

from __future__ import annotations

import json
import re
import shlex
import tempfile
from pathlib import Path

import django
import pytest

from tests.tutorial_page import (
    CHECKOUT_PLACEHOLDER,
    PAGE,
    ROOT,
    SHELL_COMMAND,
    Command,
    Mismatch,
    PageError,
    ShellSession,
    WriteFile,
    follow,
    matches,
    rewrite,
    steps,
)


def test_the_page_is_made_of_steps_the_test_can_follow() -> None:
    page_steps = steps(PAGE.read_text())
    commands = [s.text for s in page_steps if isinstance(s, Command)]
    files = {s.path: s.content for s in page_steps if isinstance(s, WriteFile)}
    assert commands[:4] == [
        "mkdir signalkit-tutorial",
        "cd signalkit-tutorial",
        "python -m venv .venv",
        "source .venv/bin/activate",
    ]
    assert [c for c in commands if CHECKOUT_PLACEHOLDER in c] == [
        f"python -m pip install {CHECKOUT_PLACEHOLDER}"
    ]
    assert "django-admin startproject mysite ." in commands
    assert commands[-1] == "python manage.py test"
    assert sum(isinstance(s, ShellSession) for s in page_steps) >= 1
    for path, content in files.items():
        if path.endswith(".py"):
            compile(content, path, "exec")
        elif path.endswith(".json"):
            json.loads(content)


def test_a_block_the_test_cannot_run_is_refused() -> None:
    with pytest.raises(PageError, match="line 1: a 'python' code-block"):
        steps(".. code-block:: python\n\n    x = 1\n")
    with pytest.raises(PageError, match=re.escape("'.. literalinclude::'")):
        steps(".. literalinclude:: ../x.py\n")
    with pytest.raises(PageError, match=re.escape("'::' literal block")):
        steps("Type this::\n\n    x = 1\n")
    with pytest.raises(PageError, match="needs a reason"):
        steps(".. not-run:\n\n.. code-block:: python\n\n    x = 1\n")
    with pytest.raises(PageError, match="must directly follow"):
        steps(".. code-block:: pycon\n\n    >>> 1\n    1\n")


def test_a_block_marked_not_run_is_left_out_with_its_reason() -> None:
    page = (
        ".. not-run: not released yet;\n   the next block installs it.\n\n"
        ".. code-block:: console\n\n    $ pip install x\n\n"
        ".. code-block:: console\n\n    $ echo hi\n    hi\n"
    )
    assert steps(page) == [Command(10, "echo hi", "hi")]


def test_a_shell_session_is_split_into_statements_and_their_output() -> None:
    page = (
        f".. code-block:: console\n\n    $ {SHELL_COMMAND}\n\n"
        ".. code-block:: pycon\n\n"
        "    >>> for n in (1, 2):\n    ...     print(n)\n    ...\n    1\n    2\n"
        "    >>> x = 3\n"
    )
    [session] = steps(page)
    assert isinstance(session, ShellSession)
    assert [(s.lines, s.output) for s in session.statements] == [
        (("for n in (1, 2):", "    print(n)", ""), "1\n2"),
        (("x = 3",), ""),
    ]


def test_an_ellipsis_in_a_shown_output_stands_for_any_text() -> None:
    assert matches("Ran 7 tests in ...s", "Ran 7 tests in 0.012s")
    assert matches(
        "Traceback:\n  ...\nTypeError: x", "Traceback:\n  a\n  b\nTypeError: x"
    )
    assert not matches("Ran 7 tests in ...s", "Ran 8 tests in 0.012s")
    assert not matches("1", "1\n2")
    # A longer run of dots is literal: the test runner's one dot per test.
    assert matches(".......", ".......")
    assert not matches(".......", "......")


def test_stale_outputs_are_rewritten_but_not_the_ones_with_an_ellipsis() -> None:
    page = (
        ".. code-block:: console\n\n"
        "    $ echo one\n    won\n    $ test\n    Ran 1 test in ...s\n    Ok\n\n"
        ".. code-block:: console\n\n    $ python manage.py shell\n\n"
        ".. code-block:: pycon\n\n    >>> x = 1\n    >>> x\n    2\n"
    )
    stale = [
        Mismatch(3, 4, "echo", "won", "one"),
        Mismatch(5, 6, "test", "Ran 1 test in ...s\nOk", "Ran 1 test in 0.1s\nOK"),
        Mismatch(15, 16, "x = 1", "", "oops\n\nmore"),
        Mismatch(16, 17, "x", "2", "1"),
    ]
    new, left = rewrite(page, stale)
    assert new == page.replace("    won", "    one").replace(
        "    >>> x = 1\n    >>> x\n    2",
        "    >>> x = 1\n    oops\n\n    more\n    >>> x\n    1",
    )
    assert left == [stale[1]]


@pytest.mark.tutorial
def test_a_newcomer_can_follow_the_tutorial() -> None:
    page_steps = steps(PAGE.read_text())
    with tempfile.TemporaryDirectory(prefix="signalkit-tutorial-") as workdir:
        run = follow(page_steps, Path(workdir), ROOT, django.__version__)
    assert run.mismatches == [], "\n\n".join(str(m) for m in run.mismatches)
    # Every command of the page ran, the checkout's path in place of the placeholder.
    assert f"python -m pip install {shlex.quote(str(ROOT))}" in run.commands
    assert run.commands[-1] == "python manage.py test"
