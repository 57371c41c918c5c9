"""A writer process of the kill test: ``python -m tests.taskapp.fault_writer NAME COUNT``.

Saves ``COUNT`` depots named ``NAME-i``, each in its own transaction; every seventh one is
rolled back on purpose. The ``task="db"`` receiver ``worker_signals`` connects enqueues
one event per committed depot, inside its transaction. Prints what it did as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.taskapp.worker_settings")

import django

django.setup()

from django.db import OperationalError, transaction  # noqa: E402

from tests.taskapp.models import Depot  # noqa: E402


class RolledBack(Exception):
    pass


def write(name: str, count: int, pause: float) -> dict[str, int]:
    done = {"committed": 0, "rolled_back": 0, "retries": 0}
    for i in range(count):
        roll_back = i % 7 == 6
        while True:
            try:
                with transaction.atomic():
                    Depot.objects.create(name=f"{name}-{i}")
                    if roll_back:
                        raise RolledBack
            except RolledBack:
                done["rolled_back"] += 1
            except OperationalError:  # SQLite: the database stayed locked too long
                done["retries"] += 1
                time.sleep(0.05)
                continue
            else:
                done["committed"] += 1
            break
        time.sleep(pause)
    return done


if __name__ == "__main__":
    print(json.dumps(write(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))))
