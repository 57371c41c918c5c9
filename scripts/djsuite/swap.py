"""Rewrite Django's ``dispatch`` and ``signals`` test apps to use signalkit's drop-ins.

API.md promises that, with no signalkit options, ``signalkit.Signal`` and
``signalkit.receiver`` behave as ``django.dispatch.Signal`` and ``django.dispatch.receiver``.
Model signals such as ``django.db.models.signals`` are left alone.
"""

from __future__ import annotations

import re
from pathlib import Path

#: The test apps rewritten, and the names signalkit provides as drop-ins.
APPS = ("dispatch", "signals")
SWAPPED = ("Signal", "receiver")

# ``from django.dispatch import a, b`` or ``from django.dispatch import (\n a,\n b,\n)``.
FROM_IMPORT = re.compile(
    r"^(?P<indent>[ \t]*)from django\.dispatch import "
    r"(?:\((?P<paren>[^)]*)\)|(?P<plain>[^\n#]*?))[ \t]*(?P<comment>#[^\n]*)?$",
    re.MULTILINE,
)
# ``dispatch.Signal`` after ``from django import dispatch``; ``django.dispatch.Signal``.
ATTRIBUTE = re.compile(
    r"(?<![\w.'\"])(?:django\.)?dispatch\.(?P<name>Signal|receiver)\b"
)
MODULE_IMPORTS = re.compile(
    r"^(?:from django import dispatch|import django\.dispatch)\b", re.M
)


def _swap_from_import(match: re.Match[str], changes: list[tuple[int, str]]) -> str:
    names = [
        n.strip() for n in (match["paren"] or match["plain"]).split(",") if n.strip()
    ]
    ours = [n for n in names if n.split(" as ")[0].strip() in SWAPPED]
    if not ours:
        return match[0]
    rest = [n for n in names if n not in ours]
    indent = match["indent"]
    comment = f"  {match['comment']}" if match["comment"] else ""
    lines = [f"{indent}from signalkit import {', '.join(ours)}{comment}"]
    if rest:
        lines.append(f"{indent}from django.dispatch import {', '.join(rest)}")
    new = "; ".join(line.strip() for line in lines)
    changes.append((len(ours), f"{match[0].strip()!r} -> {new!r}"))
    return "\n".join(lines)


def substitute(path: Path) -> list[tuple[int, str]]:
    """Rewrite one file so Signal/receiver come from signalkit.

    Return ``(number of names substituted, description)`` for each kind of change.
    """
    source = path.read_text(encoding="utf-8")
    changes: list[tuple[int, str]] = []
    source = FROM_IMPORT.sub(lambda m: _swap_from_import(m, changes), source)
    attribute_changes = len(ATTRIBUTE.findall(source))
    if attribute_changes:
        source = ATTRIBUTE.sub(r"signalkit.\g<name>", source)
        first = MODULE_IMPORTS.search(source) or re.search(
            r"^(?:import|from)(?! __future__) ", source, re.M
        )
        at = first.start() if first else 0
        source = f"{source[:at]}import signalkit\n{source[at:]}"
        changes.append((attribute_changes, "dispatch.Signal/receiver -> signalkit.*"))
    if changes:
        path.write_text(source, encoding="utf-8")
    return changes


def swap_apps(tests: Path) -> int:
    """Rewrite every module of :data:`APPS` under ``tests``, printing each substitution.

    Return the number of names substituted: zero means the run would test Django, not
    signalkit.
    """
    total = 0
    for app in APPS:
        for path in sorted((tests / app).glob("*.py")):
            changes = substitute(path)
            count = sum(n for n, _ in changes)
            total += count
            print(f"django-suite: {path.relative_to(tests)}: {count} substitution(s)")
            for n, change in changes:
                print(f"    {n} x {change}")
    return total
