"""The shell a docs page's examples run in: ``python docs_shell.py`` in the page's project.

tests/docs_page.py starts it in the project directory, with ``DJANGO_SETTINGS_MODULE``
set, as a reader would start ``python manage.py shell``. It sets Django up, creates the
tables (``migrate --run-syncdb``: the examples' apps have no migrations), then answers
requests, one JSON object a line on stdin, with one JSON object a line on stdout:

* ``{"op": "exec", "code": ..., "name": ...}``: run a snippet as a module of its own,
  named ``name``; answer ``{"error": traceback or null, "output": what it printed}``.
* ``{"op": "doctest", "source": ..., "name": ..., "line": ...}``: run a pycon session with
  :mod:`doctest` (``ELLIPSIS``), in the namespace every session of this shell shares;
  answer ``{"error": the failures, as doctest reports them, or null}``.
* ``{"op": "import", "module": ...}``: import a module of the project (a file the page
  wrote); answer ``{"error": traceback or null}``.
* ``{"op": "loaded", "module": ...}``: whether that module is imported already; answer
  ``{"error": null, "loaded": true or false}``.

Everything the examples print goes to a buffer, never to the protocol's stdout.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import json
import sys
import traceback
import types
from importlib import import_module
from typing import Any


def _setup() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0)


def _exec(code: str, name: str) -> dict[str, Any]:
    module = types.ModuleType(name)
    module.__file__ = f"<{name}>"
    sys.modules[name] = module
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            exec(compile(code, module.__file__, "exec"), module.__dict__)
    except BaseException:
        return {"error": traceback.format_exc(), "output": buffer.getvalue()}
    return {"error": None, "output": buffer.getvalue()}


def _doctest(
    source: str, name: str, line: int, namespace: dict[str, Any]
) -> dict[str, Any]:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(source, namespace, name, name, line)
    # get_doctest copies the globals; the sessions of one shell share them, as the
    # statements typed into one `manage.py shell` do.
    test.globs = namespace
    report = io.StringIO()
    runner = doctest.DocTestRunner(verbose=False, optionflags=doctest.ELLIPSIS)
    with contextlib.redirect_stderr(io.StringIO()):
        result = runner.run(test, out=report.write, clear_globs=False)
    return {"error": report.getvalue() if result.failed else None}


def _import(module: str) -> dict[str, Any]:
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            import_module(module)
    except BaseException:
        return {"error": traceback.format_exc()}
    return {"error": None}


def main() -> None:
    protocol = sys.stdout
    sys.stdout = sys.stderr
    sys.path.insert(0, "")
    try:
        _setup()
    except BaseException:
        protocol.write(json.dumps({"error": traceback.format_exc()}) + "\n")
        protocol.flush()
        return
    protocol.write(json.dumps({"error": None}) + "\n")
    protocol.flush()
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "exec":
            answer = _exec(request["code"], request["name"])
        elif request["op"] == "doctest":
            answer = _doctest(
                request["source"], request["name"], request["line"], namespace
            )
        elif request["op"] == "loaded":
            answer = {"error": None, "loaded": request["module"] in sys.modules}
        else:
            answer = _import(request["module"])
        protocol.write(json.dumps(answer) + "\n")
        protocol.flush()


if __name__ == "__main__":
    main()
