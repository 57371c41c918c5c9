"""Fetch the sdist of the installed Django (cached) and extract its ``tests/`` directory."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
from pathlib import Path

# The line added to runtests.py after ALWAYS_INSTALLED_APPS: the harness's apps are
# installed as the contrib apps are, in the first django.setup(), before any test app's
# models load (the signalkit-on app must see every model class being created).
APPS_ENV = "DJANGO_SUITE_APPS"
_ALWAYS_INSTALLED = re.compile(
    r"^ALWAYS_INSTALLED_APPS = \[\n(?:[^\]\n]*\n)*\]\n", re.M
)
_EXTRA_APPS = (
    "# django-suite: the harness's apps, installed like the contrib apps above.\n"
    f'ALWAYS_INSTALLED_APPS += [a for a in os.environ.get("{APPS_ENV}", "").split(",") if a]\n'
)


class SuiteError(Exception):
    """The harness cannot run: what is wrong and how to fix it."""


def _cached(version: str, cache: Path) -> Path | None:
    name = f"django-{version}.tar.gz"
    return next((p for p in cache.glob("*.tar.gz") if p.name.lower() == name), None)


def fetch(version: str, cache: Path) -> Path:
    """Return the cached Django sdist for ``version``, downloading it with pip if needed."""
    sdist = _cached(version, cache)
    if sdist is not None:
        print(f"django-suite: using cached {sdist}")
        return sdist
    cache.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-binary",
        ":all:",
        "--no-deps",
        f"django=={version}",
        "-d",
        str(cache),
    ]
    print("django-suite: " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    sdist = _cached(version, cache)
    if sdist is None:
        raise SuiteError(f"pip saved no django-{version}.tar.gz in {cache}")
    return sdist


def extract(sdist: Path, dest: Path) -> Path:
    """Extract the whole ``tests/`` directory of ``sdist`` into ``dest``; return it.

    Its ``runtests.py`` gets one line: the apps named in ``$DJANGO_SUITE_APPS`` (comma
    separated) are added to ``ALWAYS_INSTALLED_APPS``.
    """
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if Path(m.name).parts[1:2] == ("tests",)]
        if hasattr(tarfile, "data_filter"):  # Python 3.12, and 3.10.12+/3.11.4+
            tar.extractall(dest, members=members, filter="data")
        else:
            tar.extractall(dest, members=members)  # a PyPI sdist, trusted
    tests = next(dest.glob("*/tests"), None)
    if tests is None or not (tests / "runtests.py").is_file():
        raise SuiteError(f"no tests/runtests.py in {sdist}")
    runtests = tests / "runtests.py"
    source = runtests.read_text(encoding="utf-8")
    found = _ALWAYS_INSTALLED.search(source)
    if found is None:
        raise SuiteError(
            f"{runtests} has no ALWAYS_INSTALLED_APPS = [...] list to extend: this Django "
            f"version's runtests.py changed; update djsuite/sdist.py to match it."
        )
    runtests.write_text(
        source[: found.end()] + _EXTRA_APPS + source[found.end() :], encoding="utf-8"
    )
    return tests
