"""What worker processes of the task tests connect at startup (not in the test process).

A worker runs only the ``task=`` receivers its own startup connected, so worker processes
use ``tests.taskapp.worker_settings``, whose ``SIGNALKIT["MODULES"]`` adds this module to
autodiscovery. The test process connects the same functions itself, per test.
"""

from __future__ import annotations

import signalkit
from tests.taskapp import receivers

signalkit.on_post_save("taskapp.Parcel", task="db")(receivers.record)
signalkit.on_post_save("taskapp.Parcel", task="db")(receivers.explode)
signalkit.on_post_save("taskapp.Depot", task="db")(receivers.fault_record)
# Connected, but not for a worker: without task=, or with task= to another signal.
signalkit.on_post_save("taskapp.Parcel")(receivers.touch_marker)
signalkit.receiver(receivers.shipment_priced, task=True)(receivers.touch_marker_task)
signalkit.on_post_save("taskapp.Parcel", task="db", changed=["label", "weight"])(
    receivers.record_changes
)
