"""The package as a whole: what importing it costs, and how its modules depend on each other."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_importing_signalkit_connects_no_receiver_and_needs_no_settings() -> None:
    out = _run(
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
    out = _run("import signalkit.tasks\nprint('imported')\n")
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
