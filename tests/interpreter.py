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
