"""How the tests start Python processes: with the same signalkit as the test process.

A child process must not start in the repository root: ``python -m`` and ``python -c``
put their working directory first on sys.path, and the root's ``signalkit/`` would then
shadow the installed package. Children start in :data:`CWD` instead, which holds only the
``tests`` package, and get it on ``PYTHONPATH`` too (for scripts, which start elsewhere);
everything else on their path is what this process has: the same interpreter, site-packages
and ``PYTHONPATH``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: The repository root.
ROOT = Path(__file__).resolve().parent.parent
#: The folder that makes ``tests`` importable (and nothing else): a child's working directory.
CWD = ROOT / "tests" / "syspath"


def env(base: dict[str, str] | None = None, **extra: str) -> dict[str, str]:
    """The environment of a child process: ``base`` (default: this process's environment)
    and ``extra``, with ``PYTHONPATH`` set to :data:`CWD` followed by this process's own
    ``PYTHONPATH``."""
    found = {**(os.environ if base is None else base), **extra}
    found["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(CWD), os.environ.get("PYTHONPATH", "")) if p
    )
    return found


def run_code(code: str) -> str:
    """Run ``python -c code`` in a child process started in :data:`CWD`, with an
    environment of its own (no variable of this process but ``PYTHONPATH``), and return
    what it printed; if it fails, fail with what it wrote to stderr."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=CWD,
        env=env({"PATH": ""}),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"python -c exited with {result.returncode}:\n{result.stderr}"
        )
    return result.stdout
