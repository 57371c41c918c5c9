"""Case 4: ``Signal.send()`` on a custom signal, Django's against signalkit's."""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal as DjangoSignal

import signalkit
from benchmarks.bench.receivers import hits
from benchmarks.runner import Case, Contender, Target

FLOOR = "0 receivers: Django Signal"
ONE_DJANGO = "1 receiver: Django Signal"
ONE_DJANGO_AA = "1 receiver: Django Signal, A/A copy"
ONE_ARGS = "1 receiver: signalkit.Signal(args=...)"


class Order:
    """The sender."""


# Senders the "others" scenario connects its other receivers for.
_OTHERS = [type(f"Other{i}", (), {}) for i in range(10)]

SCENARIOS = [  # (label, receivers for Order, receivers for other senders)
    ("0 receivers", 0, 0),
    ("1 receiver", 1, 0),
    ("10 receivers", 10, 0),
    ("1 receiver + 10 for other senders", 1, 10),
]

KINDS = [
    ("Django Signal", "django"),
    ("signalkit.Signal", "signalkit"),
    ("signalkit.Signal(args=...)", "args"),
]


def _make_receiver() -> Any:
    def receiver(sender: Any, **kwargs: Any) -> None:
        hits.count += 1

    return receiver


def _contender(
    label: str, mine: int, others: int, kind: str, sends: int, suffix: str = ""
) -> Contender:
    signal: Any
    if kind == "django":
        signal = DjangoSignal()
    elif kind == "signalkit":
        signal = signalkit.Signal()
    else:
        signal = signalkit.Signal(args=("order", "amount"))
    funcs: list[Any] = []

    def connect() -> None:
        pairs = [(Order, _make_receiver()) for _ in range(mine)]
        pairs += [(_OTHERS[i], _make_receiver()) for i in range(others)]
        for sender, func in pairs:
            funcs.append(func)  # Django holds receivers weakly by default
            if kind == "django":
                signal.connect(func, sender=sender)
            else:
                signalkit.receiver(signal, sender=sender)(func)

    def disconnect() -> None:
        for func in funcs:
            if kind == "django":
                signal.disconnect(func, sender=Order)
                for other in _OTHERS:
                    signal.disconnect(func, sender=other)
            else:
                signalkit.disconnect(func)
        funcs.clear()

    def run() -> None:
        send = signal.send
        for _ in range(sends):
            send(Order, order=1, amount=2)

    name = next(text for text, k in KINDS if k == kind)
    return Contender(
        f"{label}: {name}{suffix}",
        run,
        connect,
        disconnect,
        expected_calls=mine * sends,
    )


def build(scale: float) -> Case:
    sends = max(1, int(1000 * scale))
    contenders = [
        _contender(label, mine, others, kind, sends)
        for label, mine, others in SCENARIOS
        for _, kind in KINDS
    ]
    contenders.append(_contender("1 receiver", 1, 0, "django", sends, ", A/A copy"))
    return Case(
        number="4",
        key="send",
        title=f"custom Signal.send(), {sends:,} sends (seconds are per batch)",
        contenders=contenders,
        floor=FLOOR,
        targets=[
            Target(
                "1 receiver: signalkit.Signal",
                ONE_DJANGO,
                1.3,
                "<=1.3x Django, 1 receiver",
            ),
            Target(
                ONE_ARGS,
                ONE_DJANGO,
                1.10,
                "<=1.10x",
                goal="Signal(args=...).send, 1 receiver",
            ),
            Target(ONE_DJANGO_AA, ONE_DJANGO, None, "noise", goal="A/A control: send"),
        ],
        notes=[
            (
                "Django receivers are connected with Django's default weak=True, as @receiver "
                "does; signalkit holds its receivers strongly, as it does by default."
            ),
        ],
        repeat=100,
        per_run=sends,
        unit="sends",
    )
