"""The source code of receivers and modules, as the "What just ran" panel and the home
page show it: read with ``inspect``, so always the code that is running, and cut into
parts so that templates can set the decorators apart."""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class Source:
    """Where a function or module is defined, and its code."""

    #: The file, relative to ``example_project/`` when under it.
    file: str
    #: The line of the ``def`` (1 for a module).
    line: int
    #: The code, in order, as ``[text, is_decorator]`` pairs: lists, so that a report
    #: holding them survives the session's JSON unchanged.
    parts: list[list[Any]]


def of_function(func: Any) -> Source:
    """The source of ``func`` (through decorators that set ``__wrapped__``): its
    decorators, then its ``def`` and body."""
    func = inspect.unwrap(func)
    lines, start = inspect.getsourcelines(func)
    lines = _dedented(lines)
    # getsourcelines() starts at the first decorator; the def comes after the decorators.
    split = next(
        (
            index
            for index, text in enumerate(lines)
            if text.startswith(("def ", "async def "))
        ),
        0,
    )
    parts = [["".join(lines[:split]), True]] if split else []
    parts.append(["".join(lines[split:]), False])
    return Source(file=_file(func), line=start + split, parts=parts)


def of_module(module: ModuleType) -> Source:
    """The whole source of ``module``, with the decorators of its top-level functions and
    classes set apart."""
    lines = inspect.getsource(module).splitlines(keepends=True)
    decorated = set()
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    for node in ast.parse("".join(lines)).body:
        if isinstance(node, kinds) and node.decorator_list:
            # Line numbers count from 1; node.lineno is the def's line.
            decorated.update(range(node.decorator_list[0].lineno - 1, node.lineno - 1))
    parts: list[list[Any]] = []
    for index, line in enumerate(lines):
        is_decorator = index in decorated
        if parts and parts[-1][1] is is_decorator:
            parts[-1][0] += line
        else:
            parts.append([line, is_decorator])
    return Source(file=_file(module), line=1, parts=parts)


def _dedented(lines: list[str]) -> list[str]:
    # A function defined in a class or another function keeps its indentation in
    # getsourcelines(): show it from the first column, like a module-level one.
    indent = len(lines[0]) - len(lines[0].lstrip()) if lines else 0
    if not indent:
        return lines
    return [
        "\n" if not line.strip() else line[indent:] if line[:indent].isspace() else line
        for line in lines
    ]


def _file(obj: Any) -> str:
    path = Path(inspect.getsourcefile(obj) or inspect.getfile(obj)).resolve()
    try:
        return path.relative_to(Path(settings.BASE_DIR).resolve()).as_posix()
    except ValueError:
        return str(path)
