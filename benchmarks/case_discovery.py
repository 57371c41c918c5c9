"""Case 5: autodiscovery at startup, with generated apps, each run in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.runner import Case, Contender, Target

SIGNALKIT = "signalkit.autodiscover()"
DJANGO = "floor: Django autodiscover_modules('signals')"
IMPORTS = "importing the signals modules by name (no search)"
SETUP = "django.setup() itself, for reference"
MODES = {"signalkit": SIGNALKIT, "django": DJANGO, "imports": IMPORTS}

_SIGNALS_PY = """\
from django.core.signals import request_finished

import signalkit

order_paid = signalkit.Signal(args=("order",))


@signalkit.receiver(request_finished)
def on_request_finished(sender, **kwargs):
    pass


@signalkit.receiver(order_paid)
def on_order_paid(sender, **kwargs):
    pass
"""


def generate(root: Path, count: int, every: int = 10) -> list[str]:
    """Write ``count`` app packages under ``root``; every ``every``-th has a signals.py."""
    labels = []
    for i in range(count):
        label = f"bench_app_{i:03d}"
        package = root / label
        package.mkdir()
        (package / "__init__.py").write_text("")
        if i % every == 0:
            (package / "signals.py").write_text(_SIGNALS_PY)
        labels.append(label)
    return labels


def build(scale: float) -> Case:
    count = max(10, int(200 * scale))
    with_signals = (count + 9) // 10
    tmp: list[tempfile.TemporaryDirectory[str]] = []

    def setup() -> None:
        tmp.append(tempfile.TemporaryDirectory(prefix="signalkit-bench-apps-"))
        generate(Path(tmp[0].name), count)

    def teardown() -> None:
        while tmp:
            tmp.pop().cleanup()

    def child(mode: str) -> dict[str, float]:
        repo = Path(__file__).resolve().parent.parent
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(repo), tmp[0].name]),
            # Deployed code has its .pyc files: let the warm-up child write them, but
            # outside the source trees.
            "PYTHONPYCACHEPREFIX": str(Path(tmp[0].name) / "pycache"),
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.discovery_child",
                tmp[0].name,
                mode,
                str(count),
            ],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(out.stdout)  # type: ignore[no-any-return]

    def contender(mode: str) -> Contender:
        name = MODES[mode]
        found: list[int] = []

        def run() -> dict[str, float]:
            figures = child(mode)
            found[:] = [int(figures["found"])]
            timed = {name: figures["discover_s"]}
            if mode == "django":  # one per round, so rounds pair up for ratios
                timed[SETUP] = figures["setup_s"]
            return timed

        def check() -> str | None:
            if found == [with_signals]:
                return None
            return f"found {found[0]} signals modules"

        return Contender(name, run, check=check)

    # The warm-up round writes the .pyc files.
    contenders = [contender(mode) for mode in ("django", "signalkit", "imports")]

    return Case(
        number="5",
        key="discovery",
        title=f"autodiscovery of {count} apps ({with_signals} with signals.py), cold process",
        contenders=contenders,
        floor=DJANGO,
        targets=[Target(SIGNALKIT, None, 0.020, "<=20 ms")],
        notes=[
            (
                "Each run is a fresh Python process with SIGNALKIT['AUTODISCOVER'] = False; only "
                "the discovery call is timed (django.setup() is timed separately). Importing "
                "the modules by name is what any discovery must pay; the rest is the search."
            ),
        ],
        setup=setup,
        teardown=teardown,
        repeat=5,
    )
