"""Run every example of a docs page, in a throwaway copy of the examples' project.

tests/test_docs_examples.py runs each page of docs/ with :func:`run` (``tox -e docs``;
by hand ``python -m pytest -m docs tests/test_docs_examples.py``). The tutorial has its
own, stricter follower (tests/tutorial_page.py); this module reuses its reading of a page
and its conventions, adapted to pages that show fragments rather than a whole project:

* A page runs in a fresh copy of ``docs/examples/``, a small Django project (``mysite``
  with the apps ``shop``, ``blog``, ``library``, ``accounts``) whose models and helpers
  the examples use. :doc:`reference/examples` shows its files to the reader.
* ``.. code-block:: <language>`` with ``:caption: <path>``: the whole file at ``path`` in
  the project, written as shown (replacing the project's own). A Python file is linted
  and imported. ``:caption: <path> (before)`` is the same file as it was before the
  change the page describes.
* ``.. code-block:: python`` whose first line is ``# settings.py``: lines the reader adds
  to the end of ``mysite/settings.py``; they are added, and ``manage.py check`` must pass
  (unless the page runs a command right after, whose output it shows).
* Any other ``.. code-block:: python``: a snippet, complete in itself. It is linted on its
  own (pyflakes' rules, through ruff: an undefined name, a missing or unused import
  fails) and run as a module of its own, in the page's shell.
* ``.. code-block:: pycon``: a session typed into the page's shell and compared with
  :mod:`doctest` (``...`` stands for any text; a traceback shows its first line, ``...``
  and its last lines). The sessions of a page share their names, as in one shell.
* ``.. code-block:: console``: ``$ `` lines are commands run by bash in the project
  directory, one after another; the lines under one are its output, which must match
  (``...`` stands for any text). A command that fails must show the output it fails with;
  the files written before it are then taken as broken on purpose, and not imported.
* ``.. literalinclude::`` of a file under ``docs/examples/`` (run by every page) or
  ``docs/_outputs/`` (checked by ``scripts/docs_outputs.py --check``).
* A block the test must not run has a ``.. not-run: <reason>`` comment directly above
  it, as in the tutorial; any other block, a ``::`` literal block or an ``include`` is an
  error.
* A ``.. new-project:`` comment starts over in a fresh copy of the project, for an example
  that must not see the ones before it (or after one that breaks the project on purpose:
  what was written and not yet imported is dropped, not imported).

The pages describe the newest Django (tox's docs environment installs it), and their
outputs are those of its newest release; a difference on Django 5.2 is stated in the
prose, not run. ``python -m tests.docs_page [--write] docs/<page>.rst`` runs one page
(``--write`` puts the real output of the console commands into it).

To add a page: write it under ``docs/`` with these conventions, add it to a toctree, and
run it; models or helpers its examples need go into ``docs/examples/``, where every page
can use them, and :doc:`reference/examples` shows them.

The page's shell is ``tests/docs_shell.py``, started in the project when a snippet or a
session needs it. A new file is imported into it; after a change to a module it had
imported, to the settings or to a ``models.py``, it is started again (as a reader
restarts theirs), and the names the sessions defined are gone. A ``models.py`` written by
the page also starts the database afresh (the tables are created by
``migrate --run-syncdb``: the examples' apps have no migrations).
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.tutorial_page import (
    Block,
    Command,
    Mismatch,
    PageError,
    Terminal,
    _commands,
    clean,
    matches,
    newcomer_env,
    rewrite,
)
from tests.tutorial_page import (
    blocks as read_blocks,
)

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = DOCS / "examples"
OUTPUTS = DOCS / "_outputs"
SHELL = Path(__file__).resolve().parent / "docs_shell.py"
SETTINGS = "mysite/settings.py"

#: Pages that are not run here, and why.
SKIPPED_PAGES = {
    "tutorial.rst": "tests/test_tutorial.py follows it in a fresh virtualenv",
    "changelog.rst": "it includes CHANGELOG.rst, which has no examples",
}

#: Pyflakes' rules, less "local variable assigned but never used": a snippet shows a
#: value being made (``user = UserFactory()``) that it does not go on to use.
LINT_SELECT = "F"
LINT_IGNORE = "F841"

_SETTINGS_FRAGMENT = re.compile(r"^#\s*(mysite/)?settings\.py\s*$")
_NEW_PROJECT = re.compile(r"^\s*\.\. new-project:")
SHELL_TIMEOUT = 120  # seconds for one request


@dataclass(frozen=True)
class WriteFile:
    """A code block with ``:caption: path``: the whole file, and the block it came from."""

    line: int
    path: str
    content: str
    block: Block


@dataclass(frozen=True)
class Snippet:
    """A Python block without a caption: a module of its own, or (``settings``) lines
    added to the settings."""

    line: int
    content: str
    block: Block
    settings: bool = False


@dataclass(frozen=True)
class Session:
    """A pycon block, run with doctest in the page's shell."""

    line: int
    source: str


@dataclass(frozen=True)
class NewProject:
    """A ``.. new-project:`` comment: start over in a fresh copy of the project."""

    line: int


Step = WriteFile | Snippet | Session | Command | NewProject


def page_path(page: Path) -> str:
    return page.relative_to(DOCS).as_posix()


def pages() -> list[Path]:
    """Every page of the docs that has examples to run."""
    return sorted(
        p
        for p in DOCS.rglob("*.rst")
        if not any(part.startswith("_") for part in p.relative_to(DOCS).parts)
        and page_path(p) not in SKIPPED_PAGES
    )


def steps(page: Path) -> list[Step]:
    """What a reader of ``page`` does, in order; raises PageError for a block that
    cannot be run and is not marked ``.. not-run: <reason>``."""
    text = page.read_text()
    found: list[tuple[int, Step]] = [
        (number, NewProject(number))
        for number, line in enumerate(text.splitlines(), start=1)
        if _NEW_PROJECT.match(line)
    ]
    try:
        for block in read_blocks(text, includes=True):
            if block.not_run is not None:
                continue
            found += [(step.line, step) for step in _steps_of(page, block)]
    except PageError as exc:
        message = str(exc)
        if message.startswith("line "):
            message = f"{page_path(page)} {message}"
        raise PageError(message) from None
    return [step for _, step in sorted(found, key=lambda pair: pair[0])]


def _steps_of(page: Path, block: Block) -> list[Step]:
    body = "\n".join(text for _, text in block.body)
    where = f"{page_path(page)} line {block.line}"
    if block.language in ("literalinclude", "include"):
        _check_include(page, block, where)
        return []
    if "caption" in block.options:
        path = block.options["caption"].removesuffix(" (before)")
        if Path(path).is_absolute() or ".." in Path(path).parts:
            raise PageError(
                f"{where}: ':caption: {path}' must be a path in the project."
            )
        return [WriteFile(block.line, path, body + "\n", block)]
    if block.language == "python":
        first = block.body[0][1] if block.body else ""
        if _SETTINGS_FRAGMENT.match(first):
            return [Snippet(block.line, body + "\n", block, settings=True)]
        return [Snippet(block.line, body + "\n", block)]
    if block.language == "pycon":
        return [Session(block.body[0][0], body + "\n")]
    if block.language == "console":
        return list(_commands(block))
    raise PageError(
        f"{where}: a '{block.language}' code-block that is neither a file "
        f"(':caption: path'), Python, a pycon session nor a console block. Mark it "
        f"with a '.. not-run: <reason>' comment directly above if it must not run."
    )


def _check_include(page: Path, block: Block, where: str) -> None:
    if block.language == "include":
        raise PageError(f"{where}: '.. include::' is not run; show the example inline.")
    target = (page.parent / block.body[0][1]).resolve()
    if not (target.is_relative_to(EXAMPLES) or target.is_relative_to(OUTPUTS)):
        raise PageError(
            f"{where}: a literalinclude of {block.body[0][1]}; only files of "
            f"docs/examples/ (run with every page) and docs/_outputs/ (checked by "
            f"scripts/docs_outputs.py) are run."
        )
    if not target.is_file():
        raise PageError(f"{where}: {block.body[0][1]} does not exist.")


# Linting -------------------------------------------------------------------------------


def lint(page: Path, page_steps: list[Step], scratch: Path) -> list[str]:
    """Pyflakes' complaints about the page's Python, each with its line in the page."""
    folder = scratch / "lint"
    folder.mkdir()
    base_settings = (EXAMPLES / SETTINGS).read_text()
    origin: dict[str, tuple[Block, int]] = {}  # file -> (block, lines before the block)
    for step in page_steps:
        if isinstance(step, NewProject):
            base_settings = (EXAMPLES / SETTINGS).read_text()
        elif isinstance(step, Snippet) or (
            isinstance(step, WriteFile) and step.path.endswith(".py")
        ):
            prefix = ""
            if isinstance(step, Snippet) and step.settings:
                prefix = base_settings
                base_settings += step.content
            elif isinstance(step, WriteFile) and step.path == SETTINGS:
                base_settings = step.content
            content = step.content
            name = f"line{step.line}.py"
            (folder / name).write_text(prefix + content)
            origin[name] = (step.block, prefix.count("\n"))
    if not origin:
        return []
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--no-cache",
            "--select",
            LINT_SELECT,
            "--ignore",
            LINT_IGNORE,
            "--output-format",
            "concise",
            ".",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    problems = []
    for line in result.stdout.splitlines():
        found = re.match(r"^(?:\./)?(line\d+\.py):(\d+):\d+: (.*)$", line)
        if not found:
            continue
        block, before = origin[found.group(1)]
        index = int(found.group(2)) - 1 - before
        at = block.body[index][0] if 0 <= index < len(block.body) else block.line
        problems.append(f"{page_path(page)} line {at}: {found.group(3)}")
    # Exit 1 with nothing parsed is not a clean page: ruff did not run (not installed, say).
    if result.returncode not in (0, 1) or (result.returncode == 1 and not problems):
        problems.append(
            f"ruff failed (exit {result.returncode}): {result.stderr.strip()}"
        )
    return problems


# Running -------------------------------------------------------------------------------


class Shell:
    """The page's shell: tests/docs_shell.py in the project."""

    def __init__(self, project: Project) -> None:
        self._process = subprocess.Popen(
            [sys.executable, str(SHELL)],
            cwd=project.directory,
            env={**project.env, "DJANGO_SETTINGS_MODULE": "mysite.settings"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started = self._answer()
        if started["error"]:
            self.close()
            raise AssertionError(f"the shell did not start:\n{started['error']}")

    def ask(self, **request: object) -> dict[str, object]:
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        return self._answer()

    def _answer(self) -> dict[str, object]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            self._process.wait(timeout=SHELL_TIMEOUT)
            assert self._process.stderr is not None
            raise AssertionError(
                f"the shell exited (status {self._process.returncode}):\n"
                f"{self._process.stderr.read()}"
            )
        answer: dict[str, object] = json.loads(line)
        return answer

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=SHELL_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for stream in (self._process.stdout, self._process.stderr):
            if stream:
                stream.close()


@dataclass
class Project:
    """A throwaway copy of docs/examples/, with the terminal and shell a reader uses."""

    directory: Path
    env: dict[str, str]
    terminal: Terminal
    shell: Shell | None = None
    stale: bool = False
    written: list[str] = field(default_factory=list)
    #: The console outputs that differ from the page (for ``--write``).
    mismatches: list[Mismatch] = field(default_factory=list)

    @classmethod
    def new(cls, scratch: Path, checkout: Path) -> Project:
        directory = scratch / "project"
        if directory.exists():
            shutil.rmtree(directory)
        shutil.copytree(
            EXAMPLES,
            directory,
            ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"),
        )
        bin_dir = scratch / "bin"
        bin_dir.mkdir(exist_ok=True)
        python = bin_dir / "python"
        python.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
        python.chmod(0o755)
        env = newcomer_env(bin_dir)
        # This checkout's signalkit, whichever one is installed.
        env["PYTHONPATH"] = str(checkout)
        env["TERM"] = "dumb"
        env["NO_COLOR"] = "1"
        env["COLUMNS"] = "80"
        state = scratch / "terminal"
        state.mkdir(exist_ok=True)
        return cls(directory, env, Terminal(directory, dict(env), state))

    def write(self, path: str, content: str) -> None:
        target = self.directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
        if path.endswith("models.py"):
            (self.directory / "db.sqlite3").unlink(missing_ok=True)
        if not path.endswith(".py"):
            self.stale = True
            return
        self.written.append(path)
        # A module the shell has imported is stale, and so is the shell; a new module is
        # simply imported into it, as a reader's shell would.
        if self.shell is None or self.stale:
            return
        answer = self.shell.ask(op="loaded", module=_module(path))
        if answer["loaded"] or path == SETTINGS or path.endswith("models.py"):
            self.stale = True

    def the_shell(self) -> Shell:
        """The page's shell, with every file the page wrote imported."""
        if self.shell is None or self.stale:
            self.close()
            self.shell = Shell(self)
            self.stale = False
        for path in self.written:
            answer = self.shell.ask(op="import", module=_module(path))
            if answer["error"]:
                raise AssertionError(f"importing {path}:\n{answer['error']}")
        self.written.clear()
        return self.shell

    def close(self) -> None:
        if self.shell is not None:
            self.shell.close()
            self.shell = None


def _with(project: Project, settings: Snippet) -> str:
    return (project.directory / SETTINGS).read_text() + "\n" + settings.content


def _module(path: str) -> str:
    return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def run(
    page: Path,
    scratch: Path,
    checkout: Path = ROOT,
    mismatches: list[Mismatch] | None = None,
) -> list[str]:
    """Run every example of ``page``; return what failed (nothing when all is well).

    The console outputs that differ from the page are also added to ``mismatches``.
    """
    name = page_path(page)
    page_steps = steps(page)
    failures = lint(page, page_steps, scratch)
    project = Project.new(scratch, checkout)
    try:
        for index, step in enumerate(page_steps):
            after = page_steps[index + 1] if index + 1 < len(page_steps) else None
            if (
                isinstance(step, Snippet)
                and step.settings
                and isinstance(after, Command)
            ):
                # The page runs a command with these settings itself: it is the check.
                project.write(SETTINGS, _with(project, step))
                continue
            failures += _run_step(name, step, project, scratch, checkout)
        # The files the page wrote last are imported too.
        if project.written:
            project.the_shell()
    except AssertionError as exc:
        failures.append(f"{name}: {exc}")
    finally:
        project.close()
        if mismatches is not None:
            mismatches += project.mismatches
    return failures


def _run_step(
    name: str, step: Step, project: Project, scratch: Path, checkout: Path
) -> Iterator[str]:
    where = f"{name} line {step.line}"
    if isinstance(step, NewProject):
        project.close()
        found = project.mismatches
        project.__dict__.update(vars(Project.new(scratch, checkout)))
        project.mismatches = found
    elif isinstance(step, WriteFile):
        project.write(step.path, step.content)
    elif isinstance(step, Snippet) and step.settings:
        project.write(SETTINGS, _with(project, step))
        status, output = project.terminal.run("python manage.py check")
        if status != 0:
            yield f"{where}: with these settings, manage.py check fails:\n{output}"
    elif isinstance(step, Snippet):
        answer = project.the_shell().ask(
            op="exec", code=step.content, name=f"docs_example_line{step.line}"
        )
        if answer["error"]:
            yield f"{where}: the snippet raised:\n{answer['error']}"
    elif isinstance(step, Session):
        answer = project.the_shell().ask(
            op="doctest", source=step.source, name=name, line=step.line - 1
        )
        if answer["error"]:
            yield f"{where}: the session differs:\n{answer['error']}"
    else:
        status, output = project.terminal.run(step.text)
        real = clean(output)
        if step.output is None:
            if status != 0:
                yield f"{where}: '$ {step.text}' exited with {status}:\n{real}"
        else:
            if status != 0:
                # The page shows a failure on purpose: the files that cause it are not
                # imported at the end.
                project.written.clear()
            if not matches(step.output, real):
                project.mismatches.append(
                    Mismatch(step.line, step.line + 1, step.text, step.output, real)
                )
                yield (
                    f"{where}: '$ {step.text}':\n--- the page shows:\n{step.output}\n"
                    f"--- the real output is:\n{real}\n---"
                )


def main(argv: list[str]) -> int:
    """``python -m tests.docs_page [--write] docs/howto/senders.rst ...``: run those pages
    (all of them without a name). ``--write`` puts the real output of each console
    command that differs into the page, except where the page shows a ``...``."""
    import tempfile

    write = "--write" in argv
    names = [a for a in argv if a != "--write"]
    status = 0
    for name in names or [str(p) for p in pages()]:
        page = Path(name).resolve()
        found: list[Mismatch] = []
        with tempfile.TemporaryDirectory(prefix="signalkit-docs-") as scratch:
            failures = run(page, Path(scratch), mismatches=found)
        if write and found:
            text, left = rewrite(page.read_text(), found)
            page.write_text(text)
            print(f"{page_path(page)}: {len(found) - len(left)} outputs rewritten")
        print(f"{page_path(page)}: {'ok' if not failures else 'FAILED'}")
        for failure in failures:
            print(failure, end="\n\n")
        status = status or (1 if failures else 0)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
