"""How ``manage.py signals`` prints what :mod:`signalkit.introspection` collected: as text,
as JSON or as a Mermaid flowchart. A new output format is one function here, and a choice
of the command's ``--format``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.management.color import Style

from signalkit.introspection import Entry
from signalkit.naming import callable_path


def as_json(entry: Entry) -> dict[str, Any]:
    """One entry as ``manage.py signals --format json`` prints it."""
    file, line = entry.location
    return {
        "signal": entry.signal,
        "receiver": entry.receiver,
        "sender": entry.sender,
        "file": file,
        "line": line,
        "options": {name: jsonable(v) for name, v in entry.options.items()},
        "dispatch_uid": jsonable(entry.dispatch_uid),
        "resolved": entry.resolved,
        "catch_all": entry.catch_all,
    }


def jsonable(value: Any) -> Any:
    """``value`` as JSON can hold it: callables as dotted paths, tuples as lists."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if callable(value):
        return callable_path(value)
    return repr(value)


def render_json(entries: Iterable[Entry]) -> str:
    """The entries as a JSON list, indented."""
    return json.dumps([as_json(e) for e in entries], indent=2)


def render_text(entries: Sequence[Entry], style: Style, hidden: int = 0) -> str:
    """The entries grouped by signal, one block per receiver; ``hidden`` receivers of
    Django and signalkit left out are counted at the end."""
    left_out = (
        ""
        if not hidden
        else f"\n{hidden} receiver{'s' if hidden != 1 else ''} of Django and signalkit "
        f"not shown: --all lists them."
    )
    if not entries:
        return f"No receivers match.{left_out}"
    lines: list[str] = []
    current = None
    for entry in entries:
        if entry.signal != current:
            if current is not None:
                lines.append("")
            current = entry.signal
            lines.append(style.MIGRATE_HEADING(entry.signal))
        lines.append(f"  {style.MIGRATE_LABEL(entry.receiver)}")
        if entry.catch_all:
            sender = style.NOTICE("(any sender)")
        elif not entry.resolved:
            sender = f"{entry.sender} {style.WARNING('(unresolved)')}"
        else:
            sender = str(entry.sender)
        lines.append(f"    sender: {sender}")
        if entry.options:
            shown = ", ".join(
                f"{name}={_option_text(value)}" for name, value in entry.options.items()
            )
            lines.append(f"    options: {shown}")
        if entry.dispatch_uid is not None:
            lines.append(f"    dispatch_uid: {entry.dispatch_uid!r}")
        file, line = entry.location
        if file is not None:
            lines.append(f"    defined at: {file}:{line}")
    count = len(entries)
    signal_count = len({e.signal for e in entries})
    lines.append("")
    lines.append(
        f"{count} receiver{'s' if count != 1 else ''} on {signal_count} "
        f"signal{'s' if signal_count != 1 else ''}."
    )
    return "\n".join(lines) + left_out


def _option_text(value: Any) -> str:
    if callable(value):
        return callable_path(value)
    return repr(value)


def render_mermaid(entries: Sequence[Entry]) -> str:
    """A Mermaid ``flowchart``: sender nodes, then signal nodes, then receiver nodes.

    A signal node stands for one signal from one sender, so the chart never suggests that
    a receiver listens to a sender it does not. Unresolved lazy senders have a dotted edge.
    """
    ids = _NodeIds()
    shorts: dict[str, set[str]] = {}
    for entry in entries:
        shorts.setdefault(entry.signal_name, set()).add(entry.signal)
    nodes: list[str] = []
    edges: list[str] = []
    declared: set[str] = set()
    drawn: set[str] = set()

    def node(key: tuple[str, ...], text: str, shape: str) -> str:
        node_id = ids.get(key)
        if node_id not in declared:
            declared.add(node_id)
            opening, closing = shape.split(" ")
            nodes.append(f"    {node_id}{opening}{_mermaid_label(text)}{closing}")
        return node_id

    def edge(line: str) -> None:
        if line not in drawn:
            drawn.add(line)
            edges.append(f"    {line}")

    for entry in entries:
        if entry.catch_all:
            sender_text = "any sender"
        elif not entry.resolved:
            sender_text = f"{entry.sender} (unresolved)"
        else:
            sender_text = str(entry.sender)
        sender_id = node(("sender", sender_text), sender_text, "[ ]")
        signal_text = (
            entry.signal_name if len(shorts[entry.signal_name]) == 1 else entry.signal
        )
        signal_id = node(("signal", entry.signal, sender_text), signal_text, "([ ])")
        receiver_id = node(("receiver", entry.receiver), entry.receiver, "( )")
        arrow = "-->" if entry.resolved else "-.->"
        edge(f"{sender_id} {arrow} {signal_id}")
        edge(f"{signal_id} --> {receiver_id}")
    if not entries:
        nodes.append('    empty["No receivers match."]')
    return "\n".join(["flowchart LR", *nodes, *edges])


class _NodeIds:
    """Mermaid node ids: letters, digits and underscores, one per key, never shared."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, ...], str] = {}
        self._used: set[str] = set()

    def get(self, key: tuple[str, ...]) -> str:
        if key in self._ids:
            return self._ids[key]
        base = re.sub(r"[^0-9A-Za-z_]+", "_", "_".join(key)).strip("_")
        node_id, n = base, 1
        while node_id in self._used:
            n += 1
            node_id = f"{base}_{n}"
        self._used.add(node_id)
        self._ids[key] = node_id
        return node_id


def _mermaid_label(text: str) -> str:
    # Mermaid's entity codes: a quote would end the label, < and > would be read as HTML.
    escaped = text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    return f'"{escaped}"'


#: The output formats of ``manage.py signals --format``: each name's renderer (it gets
#: the entries, the command's style, and how many receivers of Django and signalkit were
#: left out) and what it prints, for the command's help.
FORMATS: dict[str, tuple[Callable[[Sequence[Entry], Style, int], str], str]] = {
    "text": (render_text, "grouped by signal"),
    "json": (lambda entries, style, hidden: render_json(entries), "a list of objects"),
    "mermaid": (
        lambda entries, style, hidden: render_mermaid(entries),
        "a flowchart to paste into Markdown",
    ),
}
