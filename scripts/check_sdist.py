"""Check that the sdist is self-contained: build it, unpack it in a temporary folder,
install it from there, and run the test suite and the docs build in that folder.

``python scripts/check_sdist.py [pytest arguments]``, in an environment with the ``test``
and ``docs`` dependency groups and ``build`` (``tox -e sdist``). Nothing from this checkout
is used but the sdist: a file the tests or the docs need and the sdist lacks fails here.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path) -> None:
    """Run a command, echoed first; stop with its status if it fails."""
    print(f"[{cwd}] {' '.join(args)}", flush=True)
    status = subprocess.run(args, cwd=cwd, check=False).returncode
    if status:
        sys.exit(status)


def main(pytest_args: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="signalkit-sdist-") as tmp:
        work = Path(tmp)
        run(
            sys.executable,
            "-m",
            "build",
            "--sdist",
            "--outdir",
            str(work),
            ".",
            cwd=ROOT,
        )
        [archive] = work.glob("*.tar.gz")
        with tarfile.open(archive) as tar:
            # The "data" filter (3.12, and security releases of 3.10 and 3.11) refuses
            # links and paths that would leave the folder.
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(work, **safe)
        [unpacked] = (p for p in work.iterdir() if p.is_dir())
        # A wheel built from the unpacked sdist, as pip would from PyPI.
        run(
            sys.executable,
            "-m",
            "pip",
            "install",
            "--force-reinstall",
            "--no-deps",
            str(unpacked),
            cwd=work,
        )
        # As tox runs the tests: -I keeps the unpacked signalkit/ off sys.path.
        run(
            sys.executable,
            "-I",
            "-X",
            "dev",
            "-W",
            "error::DeprecationWarning",
            "-W",
            "error::PendingDeprecationWarning",
            "-m",
            "pytest",
            *pytest_args,
            cwd=unpacked,
        )
        html = work / "html"
        run(
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-b",
            "html",
            "docs",
            str(html),
            cwd=unpacked,
        )
    print("The sdist is self-contained: its tests pass and its docs build.")


if __name__ == "__main__":
    main(sys.argv[1:])
