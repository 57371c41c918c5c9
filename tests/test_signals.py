"""signalkit's own signals: what they declare."""

from __future__ import annotations

import signalkit
from signalkit import signals
from tests.helpers import BULK_SIGNALS


def test_signals_declare_their_arguments_and_cache_per_sender() -> None:
    assert signals.pre_bulk_create.args == ("objs", "using")
    assert signals.post_bulk_create.args == ("objs", "using")
    assert signals.pre_bulk_update.args == ("objs", "fields", "using")
    assert signals.post_bulk_update.args == ("objs", "fields", "using")
    assert signals.pre_update.args == ("pks", "values", "using")
    assert signals.post_update.args == ("pks", "values", "count", "using")
    for signal in BULK_SIGNALS:
        assert isinstance(signal, signalkit.Signal)
        assert signal.use_caching
