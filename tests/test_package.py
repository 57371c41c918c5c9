"""The package as a whole: what importing it costs, and how its modules depend on each other."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import signalkit
from tests import interpreter
from tests.interpreter import ROOT


def test_importing_signalkit_connects_no_receiver_and_needs_no_settings() -> None:
    out = interpreter.run_code(
        "import sys\n"
        "from django.core.signals import setting_changed\n"
        "from django.db.models.signals import class_prepared\n"
        "before = len(class_prepared.receivers), len(setting_changed.receivers)\n"
        "import signalkit\n"
        "after = len(class_prepared.receivers), len(setting_changed.receivers)\n"
        "print(before == after)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('signalkit.', 'django.tasks'))))\n"
    )
    same, modules = out.splitlines()
    assert same == "True"
    # The send side of task= receivers and the Tasks framework load with the first
    # task= send, not with signalkit.
    for unwanted in ("signalkit.background", "signalkit.events", "django.tasks"):
        assert f"'{unwanted}" not in modules


def test_importing_the_task_module_reads_no_settings() -> None:
    out = interpreter.run_code("import signalkit.tasks\nprint('imported')\n")
    assert out.strip() == "imported"


def _imports(path: Path, module: str, known: set[str]) -> set[str]:
    """The signalkit modules ``module`` imports, anywhere in it (type-checking blocks
    aside); ``from signalkit import x`` counts as importing ``signalkit.x``."""
    tree = ast.parse(path.read_text())
    skipped = {
        id(sub)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for sub in ast.walk(node)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            subs = [f"{node.module}.{alias.name}" for alias in node.names]
            names = [n for n in subs if n in known] or [node.module]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def test_no_import_cycle() -> None:
    files = {}
    for path in (ROOT / "signalkit").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {m: _imports(p, m, set(files)) for m, p in files.items()}
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycle = [*path[path.index(module) :], module]
            raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


# Which signalkit the suite tests.


def _installed_init() -> Path:
    """Where the installed django-signalkit put ``signalkit/__init__.py``: in
    site-packages, or in the source folder of an editable install (PEP 610's
    ``direct_url.json`` names it)."""
    dist = metadata.distribution("django-signalkit")
    direct = json.loads(dist.read_text("direct_url.json") or "{}")
    if direct.get("dir_info", {}).get("editable"):
        source = Path(url2pathname(urlparse(direct["url"]).path))
        return source / "signalkit" / "__init__.py"
    return Path(str(dist.locate_file("signalkit/__init__.py")))


def test_signalkit_is_the_installed_package() -> None:
    # Under tox, the built wheel: a file missing from it fails the suite instead of being
    # read from the source tree. A PYTHONPATH that names another signalkit on purpose
    # (a second checkout sharing one virtualenv) is respected.
    imported = Path(signalkit.__file__).resolve()
    named = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if any(p and Path(p).resolve() == imported.parent.parent for p in named):
        return
    expected = _installed_init().resolve()
    assert imported == expected, (
        f"The tests imported signalkit from {imported}, not from the installed "
        f"django-signalkit ({expected}): something put the source tree first on "
        f"sys.path. Run the suite with tox, or install this checkout with "
        f"'python -m pip install -e .'."
    )


def _signalkit_file(args: list[str], cwd: Path, **env: str) -> Path:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=interpreter.env(**env),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.splitlines()[-1]).resolve()


PRINT = "import signalkit; print(signalkit.__file__)"


def test_child_processes_import_the_signalkit_of_the_tests() -> None:
    here = Path(signalkit.__file__).resolve()
    # python -c, and python -m (as db_worker and the Celery worker are started).
    assert _signalkit_file(["-c", PRINT], interpreter.CWD) == here
    assert (
        _signalkit_file(
            ["-m", "django", "shell", "-c", PRINT],
            interpreter.CWD,
            DJANGO_SETTINGS_MODULE="tests.settings",
        )
        == here
    )
    # The example project's manage.py, run from the root (the e2e and docs tests).
    manage = str(ROOT / "example_project" / "manage.py")
    assert (
        _signalkit_file(
            [manage, "shell", "-c", PRINT],
            ROOT,
            DJANGO_SETTINGS_MODULE="mysite.settings",
        )
        == here
    )
