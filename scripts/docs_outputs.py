"""Write the real output of ``manage.py signals`` on the example project into docs/_outputs/.

The "Seeing your signals" page includes these files, so the docs show what the command
prints today. ``--check`` compares instead of writing and fails when a file is stale (the
test suite runs it).

``--tutorial`` follows docs/tutorial.rst in a fresh virtualenv instead (a few minutes),
and writes the real outputs of its commands and shell sessions into the page. Outputs
with a ``...`` in them are left to you, with the real output printed. Its check is
``python -m pytest -m tutorial tests/test_tutorial.py`` (tox's ``tutorial-*``
environments). The other pages' console outputs are refreshed by
``python -m tests.docs_page --write docs/<page>.rst``.

``--django-inventory [VERSION]`` makes docs/_intersphinx/django-X.Y.inv, the inventory
through which the docs link to Django's documentation (the docs build has no network):
it downloads Django's source distribution with pip (default: the installed version),
builds its documentation with Sphinx, as docs.djangoproject.com lays it out, and keeps
the ``objects.inv``. A few minutes. docs/conf.py names the file.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
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
    # The signalkit this interpreter imports (installed, or named by PYTHONPATH), as the
    # tests do: manage.py falls back to this checkout only when none is installed.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mysite.settings"}
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


def tutorial() -> int:
    """Follow the tutorial and write its real outputs into it; return the exit status."""
    import django

    sys.path.insert(0, str(ROOT))
    from tests.tutorial_page import PAGE, follow, rewrite, steps

    text = PAGE.read_text()
    with tempfile.TemporaryDirectory(prefix="signalkit-tutorial-") as workdir:
        run = follow(steps(text), Path(workdir), ROOT, django.__version__)
    new, left = rewrite(text, run.mismatches)
    PAGE.write_text(new)
    for mismatch in left:
        print(f"Edit by hand, keeping its '...':\n{mismatch}", file=sys.stderr)
    print(f"{len(run.mismatches) - len(left)} outputs rewritten in {PAGE.name}.")
    return 1 if left else 0


def django_inventory(version: str) -> int:
    """Build Django's documentation from its sdist and keep its inventory."""
    import shutil
    import tarfile

    with tempfile.TemporaryDirectory(prefix="django-docs-") as scratch:
        work = Path(scratch)
        subprocess.run(
            [
                *(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"),
                *("--no-binary", ":all:", f"Django=={version}", "-d", str(work)),
            ],
            check=True,
        )
        [sdist] = work.glob("*.tar.gz")
        with tarfile.open(sdist) as archive:
            archive.extractall(work, filter="data")
        [source] = work.glob("*/docs")
        # dirhtml: the URLs of docs.djangoproject.com (ref/signals/#...).
        subprocess.run(
            [
                *(sys.executable, "-m", "sphinx", "-b", "dirhtml", "-j", "auto", "-q"),
                *(str(source), str(work / "html")),
            ],
            check=True,
        )
        major_minor = ".".join(version.split(".")[:2])
        target = ROOT / "docs" / "_intersphinx" / f"django-{major_minor}.inv"
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(work / "html" / "objects.inv", target)
    print(f"Wrote {target.relative_to(ROOT)}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check``, compare) every output file; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a file is stale")
    parser.add_argument(
        "--tutorial",
        action="store_true",
        help="follow docs/tutorial.rst and write its real outputs into it",
    )
    parser.add_argument(
        "--django-inventory",
        nargs="?",
        const="installed",
        metavar="VERSION",
        help="build Django's docs from its sdist and write docs/_intersphinx/django-X.Y.inv",
    )
    options = parser.parse_args(argv)
    if options.django_inventory:
        import django

        version = options.django_inventory
        return django_inventory(
            django.__version__ if version == "installed" else version
        )
    if options.tutorial:
        return tutorial()
    check = options.check
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
