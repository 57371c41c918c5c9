"""How connecting and disconnecting many receivers scales (issue 12, item 7).

Run from the repository root::

    python scripts/connect_scale.py [N ...]

For each N (default 1000 10000 20000) it decorates N distinct closures with
``signalkit.receiver`` on one custom signal, then ``signalkit.disconnect()``s each, and
prints the seconds each phase took and the memory kept per connection (tracemalloc,
excluding the closures themselves). Django's own ``Signal.connect``/``disconnect`` of the
same closures is printed alongside for comparison. Timings are for reading, not asserting.
"""

from __future__ import annotations

import gc
import os
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from django.dispatch import Signal as DjangoSignal  # noqa: E402

import signalkit  # noqa: E402


class Sender:
    """A non-model sender, so that every connection has a sender of its own kind."""


def closures(n: int) -> list[Callable[..., Any]]:
    made = []
    for _ in range(n):

        def receive(sender: Any, **kwargs: Any) -> None:
            pass

        made.append(receive)
    return made


def memory_per_connection(sender: Any, n: int = 1000) -> float:
    """Bytes still allocated per connection once ``n`` closures are connected."""
    funcs = closures(n)
    signal = signalkit.Signal()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for func in funcs:
        signalkit.receiver(signal, sender=sender)(func)
    gc.collect()
    kept = (tracemalloc.get_traced_memory()[0] - before) / n
    tracemalloc.stop()
    for func in funcs:
        signalkit.disconnect(func)
    return kept


def measure(n: int, sender: Any, django_too: bool) -> None:
    kept = memory_per_connection(sender)
    funcs = closures(n)
    signal = signalkit.Signal()
    gc.collect()
    start = time.perf_counter()
    for func in funcs:
        signalkit.receiver(signal, sender=sender)(func)
    connect = time.perf_counter() - start
    start = time.perf_counter()
    for func in funcs:
        signalkit.disconnect(func)
    disconnect = time.perf_counter() - start
    assert not signal.has_listeners() and not signal.receivers
    line = (
        f"{n:>7} sender={'None' if sender is None else 'obj ':<4} signalkit: "
        f"connect {connect:8.3f} s  disconnect {disconnect:7.3f} s  "
        f"{kept:7.0f} B/connection"
    )
    if django_too:
        plain = DjangoSignal()
        start = time.perf_counter()
        for func in funcs:
            plain.connect(func, sender=sender, weak=False)
        dj_connect = time.perf_counter() - start
        start = time.perf_counter()
        for func in reversed(funcs):
            plain.disconnect(func, sender=sender)
        dj_disconnect = time.perf_counter() - start
        line += f" | Django: connect {dj_connect:7.3f} s  disconnect (reversed) {dj_disconnect:7.3f} s"
    print(line, flush=True)


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv if a.isdigit()] or [1000, 10000, 20000]
    django_too = "--no-django" not in argv
    for n in sizes:
        measure(n, None, django_too)
        measure(n, Sender(), django_too)


if __name__ == "__main__":
    main(sys.argv[1:])
