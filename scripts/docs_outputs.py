"""Write the real output of ``manage.py signals`` on the example project into docs/_outputs/.

The "Seeing your signals" page includes these files, so the docs show what the command
prints today. ``--check`` compares instead of writing and fails when a file is stale (the
test suite runs it).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUTS = ROOT / "docs" / "_outputs"

#: File name -> arguments of ``python example_project/manage.py signals``.
COMMANDS: dict[str, list[str]] = {
    "signals-app-shop.txt": ["--app", "shop"],
    "signals-sender-user.txt": ["--sender", "auth.User"],
    "signals-app-accounts.json": ["--app", "accounts", "--format", "json"],
    "signals-app-shop.mmd": ["--app", "shop", "--format", "mermaid"],
}


def render(arguments: list[str]) -> str:
    """What the command prints for ``arguments``, run from the repository root."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mysite.settings"}
    # This checkout's signalkit, as the tests import it, not whichever one is installed.
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    env.pop("EXAMPLE_TASKS", None)
    result = subprocess.run(
        [
            sys.executable,
            "example_project/manage.py",
            "signals",
            "--no-color",
            *arguments,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check``, compare) every output file; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a file is stale")
    check = parser.parse_args(argv).check
    stale = []
    for name, arguments in COMMANDS.items():
        path = OUTPUTS / name
        text = render(arguments)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            OUTPUTS.mkdir(exist_ok=True)
            path.write_text(text)
    if stale:
        print(
            f"Stale in docs/_outputs: {', '.join(stale)}. Run: python scripts/docs_outputs.py",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
