"""Read docs/tutorial.rst as a list of steps, and follow them as a newcomer would.

The page's conventions, which :func:`steps` enforces:

* ``.. code-block:: console``: each line starting with ``$ `` is a command, run by bash in
  the directory and environment the commands before it left (``cd`` and ``source
  .venv/bin/activate`` carry over, as in a terminal). The lines under a command, up to the
  next ``$ ``, are its output as the page shows it; the real output (stdout and stderr)
  must match it. A command shown without output may print anything.
* ``.. code-block:: <language>`` with ``:caption: <path>``: the whole file at ``path``,
  relative to the current directory of the commands. It is written as shown, replacing
  any earlier version.
* ``.. code-block:: pycon``: typed, line by line, into the ``python manage.py shell``
  that ends the console block just before it, in a pseudo-terminal; the output of each
  statement must match what the page shows under it.
* In a shown output, ``...`` stands for any text, over several lines if need be (as
  doctest's ELLIPSIS): for timings, and for the middle of a traceback.
* A block the test must not run is preceded by an RST comment ``.. not-run: <reason>``;
  the reason is required. Any other code block, ``literalinclude``, ``include`` or ``::``
  literal block is an error: everything the page shows is run.
* :data:`CHECKOUT_PLACEHOLDER` in a command stands for the checkout of signalkit.

A statement's output cannot start with ``...`` on the line right under it: as in doctest,
that line is read as a continuation of the statement.

:func:`follow` starts in an empty directory, in the environment of a fresh terminal: this
machine's, without what tox, pytest or a virtualenv set, and with ``python`` the
interpreter that runs the test. pip is held to the Django version that runs the test
(``PIP_CONSTRAINT``), so the tox environment chooses the Python and Django pair. The shell
gets ``TERM=dumb`` so that the session reads as the page shows it. :func:`rewrite` puts
the real outputs into the page (``python scripts/docs_outputs.py --tutorial``).
"""

from __future__ import annotations

import json
import os
import re
import select
import shlex
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "tutorial.rst"

#: Where the page's install command names the checkout; the test puts the real path.
CHECKOUT_PLACEHOLDER = "/path/to/django-signalkit"

SHELL_COMMAND = "python manage.py shell"
COMMAND_TIMEOUT = 600  # seconds: a pip install on a cold cache
PROMPT_TIMEOUT = 120  # seconds, for one statement in the shell

_DIRECTIVE = re.compile(r"^(\s*)\.\. ([\w-]+)::\s*(.*)$")
_OPTION = re.compile(r"^\s+:([\w-]+):\s*(.*)$")
_NOT_RUN = re.compile(r"^\.\. not-run:(.*)$")
_ELLIPSIS = re.compile(r"(?<!\.)\.\.\.(?!\.)")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>]")


class PageError(Exception):
    """The page breaks one of the conventions in this module's docstring."""


@dataclass(frozen=True)
class Command:
    """A ``$ `` line of a console block, with the output the page shows (or None)."""

    line: int
    text: str
    output: str | None


@dataclass(frozen=True)
class WriteFile:
    """A code block with ``:caption: path``: the whole file."""

    line: int
    path: str
    content: str


@dataclass(frozen=True)
class Statement:
    """One statement of a shell session: its input lines and the output shown."""

    line: int
    lines: tuple[str, ...]
    output: str


@dataclass(frozen=True)
class ShellSession:
    """A pycon block, typed into ``python manage.py shell``."""

    line: int
    statements: tuple[Statement, ...]


Step = Command | WriteFile | ShellSession


@dataclass
class Mismatch:
    """An output that differs from the page."""

    line: int  # of the command or statement
    output_line: int  # where its shown output starts
    what: str
    shown: str
    real: str

    def __str__(self) -> str:
        return (
            f"docs/tutorial.rst line {self.line}, {self.what}:\n"
            f"--- the page shows:\n{self.shown}\n"
            f"--- the real output is:\n{self.real}\n---"
        )


@dataclass
class Block:
    """A ``code-block`` directive of the page."""

    line: int  # of the directive, 1-based
    language: str
    options: dict[str, str]
    body: list[tuple[int, str]]  # (line number, text), dedented
    not_run: str | None


def blocks(text: str, *, includes: bool = False) -> list[Block]:
    """Every code block of an RST page, nested ones (in a list, a note) included;
    refuses the forms the follower cannot run.

    With ``includes=True`` a ``literalinclude`` or ``include`` directive is returned as a
    block whose language is the directive's name and whose body is its argument (the
    other pages' runner decides what may be included); the tutorial refuses them.
    """
    lines = text.splitlines()
    found = []
    index = 0
    while index < len(lines):
        line = lines[index]
        directive = _DIRECTIVE.match(line)
        if line.rstrip().endswith("::") and not line.lstrip().startswith(".."):
            raise PageError(
                f"line {index + 1}: a '::' literal block; use '.. code-block::' with a "
                f"language, so that the test runs it or says why not."
            )
        if not directive:
            index += 1
            continue
        indent, name, argument = directive.groups()
        if name in ("literalinclude", "include") and includes:
            found.append(
                Block(
                    index + 1,
                    name,
                    {},
                    [(index + 1, argument.strip())],
                    _not_run(lines, index, indent),
                )
            )
            index += 1
            continue
        if name in ("literalinclude", "include", "code", "sourcecode"):
            raise PageError(
                f"line {index + 1}: '.. {name}::'; the tutorial shows every file whole, "
                f"inline, in a '.. code-block::'."
            )
        if name != "code-block":
            index += 1
            continue
        if not argument:
            raise PageError(f"line {index + 1}: a code-block needs a language.")
        start = index
        index += 1
        options = {}
        while index < len(lines) and (option := _OPTION.match(lines[index])):
            options[option.group(1)] = option.group(2).strip()
            index += 1
        raw: list[tuple[int, str]] = []
        while index < len(lines) and (
            not lines[index].strip() or _indent(lines[index]) > len(indent)
        ):
            raw.append((index + 1, lines[index]))
            index += 1
        while raw and not raw[-1][1].strip():
            raw.pop()
        while raw and not raw[0][1].strip():
            raw.pop(0)
        dedented = textwrap.dedent("\n".join(text for _, text in raw)).split("\n")
        body = [(number, text) for (number, _), text in zip(raw, dedented, strict=True)]
        found.append(
            Block(
                start + 1,
                argument.strip(),
                options,
                body,
                _not_run(lines, start, indent),
            )
        )
    return found


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _not_run(lines: list[str], start: int, indent: str = "") -> str | None:
    """The reason of a ``.. not-run:`` comment directly above line ``start`` (at the
    directive's indentation), if any."""
    index = start - 1
    while index >= 0 and not lines[index].strip():
        index -= 1
    comment: list[str] = []
    while (
        index >= 0
        and _indent(lines[index]) > len(indent)
        and lines[index].strip()
        and not _NOT_RUN.match(lines[index][len(indent) :])
    ):
        comment.insert(0, lines[index].strip())
        index -= 1
    if index < 0 or not (marker := _NOT_RUN.match(lines[index][len(indent) :])):
        return None
    if _indent(lines[index]) != len(indent):
        return None
    reason = " ".join([marker.group(1).strip(), *comment]).strip()
    if not reason:
        raise PageError(f"line {index + 1}: '.. not-run:' needs a reason after it.")
    return reason


def steps(text: str) -> list[Step]:
    """What a reader of ``text`` does, in order."""
    result: list[Step] = []
    for block in blocks(text):
        if block.not_run is not None:
            continue
        if block.language == "console":
            result += _commands(block)
        elif block.language == "pycon":
            previous = result[-1] if result else None
            if not (
                isinstance(previous, Command)
                and previous.text == SHELL_COMMAND
                and previous.output is None
            ):
                raise PageError(
                    f"line {block.line}: a pycon block must directly follow a console "
                    f"block that ends with '$ {SHELL_COMMAND}' (shown without output)."
                )
            result[-1] = ShellSession(previous.line, _statements(block))
        elif "caption" in block.options:
            result.append(_file(block))
        else:
            raise PageError(
                f"line {block.line}: a '{block.language}' code-block that is neither a "
                f"file (':caption: path'), a console block nor a pycon block. Mark it "
                f"with a '.. not-run: <reason>' comment directly above if it must not run."
            )
    return result


def _commands(block: Block) -> list[Command]:
    commands: list[Command] = []
    current: tuple[int, str] | None = None
    output: list[str] = []

    def close() -> None:
        if current is not None:
            shown = "\n".join(output).rstrip("\n")
            commands.append(Command(current[0], current[1], shown or None))

    for number, text in block.body:
        if text.startswith("$ "):
            close()
            current, output = (number, text[2:].strip()), []
        elif current is None:
            raise PageError(
                f"line {number}: a console block must start with a '$ ' command."
            )
        else:
            output.append(text)
    close()
    return commands


def _statements(block: Block) -> tuple[Statement, ...]:
    statements: list[Statement] = []
    inputs: list[str] = []
    output: list[str] = []
    start = 0
    for number, text in block.body:
        if text.startswith(">>>"):
            if inputs:
                statements.append(_statement(start, inputs, output))
            start, inputs, output = number, [text[4:]], []
        elif not inputs:
            raise PageError(f"line {number}: a pycon block must start with '>>> '.")
        elif text.startswith("...") and not output:
            inputs.append(text[4:])
        else:
            output.append(text)
    if inputs:
        statements.append(_statement(start, inputs, output))
    return tuple(statements)


def _statement(line: int, inputs: list[str], output: list[str]) -> Statement:
    return Statement(line, tuple(inputs), "\n".join(output).rstrip("\n"))


def _file(block: Block) -> WriteFile:
    path = block.options["caption"]
    if Path(path).is_absolute() or ".." in Path(path).parts:
        raise PageError(
            f"line {block.line}: ':caption: {path}' must be a path inside the project."
        )
    content = "\n".join(text for _, text in block.body) + "\n"
    return WriteFile(block.line, path, content)


def matches(shown: str, real: str) -> bool:
    """Whether ``real`` is what the page ``shown``: ``...`` stands for any text (but
    a longer run of dots, such as the test runner's progress, is taken literally)."""
    parts = _ELLIPSIS.split(shown)
    pattern = ".*?".join(re.escape(part) for part in parts)
    return re.fullmatch(pattern, real, re.DOTALL) is not None


def clean(output: str) -> str:
    """Output as a reader compares it: no colours, no carriage returns, no trailing
    spaces or blank lines."""
    lines = _plain(output).split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def _plain(output: str) -> str:
    """Terminal output without colours and carriage returns (trailing spaces kept: a
    prompt ends with one)."""
    return _ANSI.sub("", output).replace("\r\n", "\n").replace("\r", "")


class Terminal:
    """One bash terminal: each command runs in the directory and with the exported
    variables the previous one left, as when a reader types them one after another."""

    def __init__(self, cwd: Path, env: dict[str, str], scratch: Path) -> None:
        self.cwd = cwd
        self.env = env
        #: A directory outside the reader's project, for the follower's own files.
        self.scratch = scratch
        self._state = scratch / "terminal-state.json"

    def run(self, command: str) -> tuple[int, str]:
        """Run ``command``; return its exit status and its output (stdout and stderr)."""
        save = (
            f"{shlex.quote(sys.executable)} -c "
            f"'import json, os, sys; json.dump([os.getcwd(), dict(os.environ)], "
            f'open(sys.argv[1], "w"))\' {shlex.quote(str(self._state))}'
        )
        script = f"{command}\n__status=$?\n{save}\nexit $__status\n"
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-c", script],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        cwd, self.env = json.loads(self._state.read_text())
        self.cwd = Path(cwd)
        return result.returncode, result.stdout


class Shell:
    """``python manage.py shell`` in a pseudo-terminal, typed into line by line."""

    def __init__(self, terminal: Terminal) -> None:
        import pty

        self._master, replica = pty.openpty()
        _set_window_size(replica)
        env = {**terminal.env, "TERM": "dumb", "NO_COLOR": "1"}
        # Python and readline keep a history file in HOME: not in the user's.
        env["HOME"] = str(terminal.scratch / "shell-home")
        os.makedirs(env["HOME"], exist_ok=True)
        env.pop("PYTHONSTARTUP", None)
        self._process = subprocess.Popen(
            ["bash", "--noprofile", "--norc", "-c", f"exec {SHELL_COMMAND}"],
            cwd=terminal.cwd,
            env=env,
            stdin=replica,
            stdout=replica,
            stderr=replica,
            start_new_session=True,
        )
        os.close(replica)
        self._buffer = ""
        self.transcript = ""
        try:
            # Django's and Python's banners come first; the session starts at the prompt.
            self._read_until(lambda text: text.endswith(">>> "))
        except AssertionError:
            self.close()
            raise
        self._buffer = ""

    def type(self, statement: Statement) -> str:
        """Type the statement's lines; return what it printed, up to the next prompt."""
        for number, line in enumerate(statement.lines):
            os.write(self._master, line.encode() + b"\n")
            last = number == len(statement.lines) - 1
            chunk = self._read_until(
                lambda text: text.endswith(">>> ") or text.endswith("... ")
            )
            self._buffer = ""
            echoed, _, rest = _plain(chunk).partition("\n")
            if echoed.rstrip() != line.rstrip():
                raise AssertionError(
                    f"The shell did not echo {line!r} as typed: {chunk!r}"
                )
            if not last:
                if rest != "... ":
                    return clean(rest.removesuffix(">>> "))
                continue
            if rest.endswith("... "):
                return (
                    clean(rest.removesuffix("... ")) + "\n<the shell wants more input>"
                )
            return clean(rest.removesuffix(">>> "))
        raise AssertionError("a statement without lines")

    def close(self) -> int:
        """End the session with Ctrl-D, as a reader would; return the exit status."""
        try:
            os.write(self._master, b"\x04")
            self._process.wait(timeout=PROMPT_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
        finally:
            os.close(self._master)
        return self._process.returncode

    def _read_until(self, done: Callable[[str], bool]) -> str:
        deadline = time.monotonic() + PROMPT_TIMEOUT
        while not done(_plain(self._buffer)):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"No prompt from the shell within {PROMPT_TIMEOUT} s; it printed:\n"
                    f"{self.transcript}"
                )
            readable, _, _ = select.select([self._master], [], [], remaining)
            if not readable:
                continue
            try:
                data = os.read(self._master, 65536).decode(errors="replace")
            except OSError:
                data = ""
            if not data:
                raise AssertionError(
                    f"The shell exited before its prompt; it printed:\n{self.transcript}"
                )
            self._buffer += data
            self.transcript += data
        return self._buffer


def _set_window_size(fd: int) -> None:
    import fcntl
    import struct
    import termios

    # Wide enough that readline never wraps or scrolls a typed line.
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 500, 0, 0))


@dataclass
class Run:
    """What following the page did."""

    mismatches: list[Mismatch] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)


def newcomer_env(bin_dir: Path) -> dict[str, str]:
    """The environment of a fresh terminal: this machine's, less what a test runner or a
    virtualenv added, with ``python`` being the interpreter running the test."""
    outer_bin = Path(sys.prefix) / "bin"
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(
            ("PYTHON", "VIRTUAL_ENV", "DJANGO_", "TOX_", "PYTEST_", "COVERAGE_")
        )
        and not name.startswith("SIGNALKIT_")
    }
    path = [p for p in env.get("PATH", "").split(os.pathsep) if Path(p) != outer_bin]
    env["PATH"] = os.pathsep.join([str(bin_dir), *path])
    # A terminal is line-buffered; a pipe is not. Unbuffered, stdout and stderr keep the
    # order a reader sees them in.
    env["PYTHONUNBUFFERED"] = "1"
    return env


def follow(
    page_steps: list[Step], workdir: Path, checkout: Path, django_version: str
) -> Run:
    """Follow the steps in ``workdir``: run each command, write each file, type each
    shell session. Raises AssertionError at the first command that fails; collects
    the outputs that differ from the page in the returned :class:`Run`."""
    bin_dir = workdir / ".bin"
    bin_dir.mkdir()
    python = bin_dir / "python"
    python.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
    python.chmod(0o755)
    # The page installs the newest Django; this pins the one under test.
    constraints = workdir / ".constraints.txt"
    constraints.write_text(f"Django=={django_version}\n")
    env = newcomer_env(bin_dir)
    env["PIP_CONSTRAINT"] = str(constraints)
    home = workdir / "newcomer"
    home.mkdir()
    terminal = Terminal(home, env, scratch=workdir)
    run = Run()
    for step in page_steps:
        if isinstance(step, WriteFile):
            target = terminal.cwd / step.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(step.content)
        elif isinstance(step, Command):
            command = step.text.replace(
                CHECKOUT_PLACEHOLDER, shlex.quote(str(checkout))
            )
            run.commands.append(command)
            status, output = terminal.run(command)
            if status != 0:
                raise AssertionError(
                    f"docs/tutorial.rst line {step.line}: '$ {step.text}' exited with "
                    f"status {status}:\n{output}"
                )
            if step.output is not None and not matches(step.output, clean(output)):
                run.mismatches.append(
                    Mismatch(
                        step.line,
                        step.line + 1,
                        f"'$ {step.text}'",
                        step.output,
                        clean(output),
                    )
                )
        else:
            run.commands.append(SHELL_COMMAND)
            _type_session(terminal, step, run)
    return run


def _type_session(terminal: Terminal, session: ShellSession, run: Run) -> None:
    try:
        shell = Shell(terminal)
    except AssertionError as exc:
        raise AssertionError(
            f"docs/tutorial.rst line {session.line}: '$ {SHELL_COMMAND}': {exc}"
        ) from None
    try:
        for statement in session.statements:
            real = shell.type(statement)
            if not matches(statement.output, real):
                run.mismatches.append(
                    Mismatch(
                        statement.line,
                        statement.line + len(statement.lines),
                        f"the shell's answer to '>>> {statement.lines[0]}'",
                        statement.output,
                        real,
                    )
                )
    finally:
        status = shell.close()
    if status != 0:
        raise AssertionError(
            f"docs/tutorial.rst line {session.line}: the shell exited with status "
            f"{status}:\n{shell.transcript}"
        )


def rewrite(text: str, mismatches: list[Mismatch]) -> tuple[str, list[Mismatch]]:
    """The page ``text`` with each stale output replaced by the real one, and the
    mismatches left for a person to fix: those whose shown output has a ``...``, which
    stands for something that changes from run to run."""
    lines = text.split("\n")
    left = []
    for mismatch in sorted(mismatches, key=lambda m: m.output_line, reverse=True):
        if _ELLIPSIS.search(mismatch.shown):
            left.insert(0, mismatch)
            continue
        shown_at = lines[mismatch.line - 1]
        indent = shown_at[: len(shown_at) - len(shown_at.lstrip())]
        start = mismatch.output_line - 1
        count = len(mismatch.shown.split("\n")) if mismatch.shown else 0
        real = mismatch.real.split("\n") if mismatch.real else []
        lines[start : start + count] = [indent + line if line else "" for line in real]
    return "\n".join(lines), left
