"""The W3C trace context a ``task=`` event carries (``signalkit.trace_context``): what is
well formed, and messages that never quote the value."""

from __future__ import annotations

import pytest

from signalkit import trace_context

PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.mark.parametrize(
    "value",
    [
        None,
        {"traceparent": PARENT},
        {"traceparent": PARENT, "tracestate": ""},
        {
            "traceparent": PARENT,
            "tracestate": "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
        },
        {"traceparent": PARENT.replace("-01", "-00")},
    ],
)
def test_well_formed(value: object) -> None:
    assert trace_context.problem(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a string", "is not a dict"),
        ({}, "is not a dict"),
        ({"traceparent": PARENT, "extra": "x"}, "is not a dict"),
        ({"traceparent": PARENT, "tracestate": 1}, "is not a dict"),
        ({"traceparent": "00-abc-def-01"}, "not a W3C traceparent of version 00"),
        ({"traceparent": f"ff{PARENT[2:]}"}, "not a W3C traceparent of version 00"),
        ({"traceparent": PARENT[:-3] + "-1"}, "not a W3C traceparent of version 00"),
        (
            {"traceparent": PARENT.replace("b7ad6b7169203331", "0" * 16)},
            "not a W3C traceparent of version 00",
        ),
        ({"traceparent": PARENT, "tracestate": "x" * 9000}, "not a W3C tracestate"),
        ({"traceparent": PARENT, "tracestate": "a=b\r\nc=d"}, "not a W3C tracestate"),
    ],
)
def test_malformed_says_what_is_wrong_without_quoting_it(
    value: object, expected: str
) -> None:
    problem = trace_context.problem(value)
    assert problem is not None
    assert expected in problem
    assert "b7ad6b7169203331" not in problem
