"""Run Django's own test apps with signalkit switched on (``tox -e django-suite``).

Two jobs, on SQLite and on PostgreSQL:

``dispatch``
    API.md promises that, with no options, ``signalkit.Signal`` and ``signalkit.receiver``
    are drop-ins for Django's. Django's ``dispatch`` and ``signals`` apps are rewritten to
    import them from signalkit (every substitution is printed; none at all is an error)
    and must pass whole.

``compare``
    Django's test apps (:data:`REQUIRED_APPS`, plus :data:`EXTRA_APPS` present in this
    Django) run twice. *control*: a plain Django no-op receiver on every model for
    ``pre_save``, ``post_save``, ``pre_delete``, ``post_delete`` and ``m2m_changed``.
    *signalkit*: ``signalkit`` installed, every model tracked, signalkit no-op receivers
    on the same signals and senders (``changed=``, ``on_commit=``, ``robust=``) and on the
    bulk signals, and ``SignalQuerySet`` as every default manager (see
    ``djsuite/child/``). A test that passes in control and not with signalkit on is a
    regression; there must be none, except the differences signalkit makes by design
    listed, with their reasons, in ``djsuite/expected.py``. Regressions are confirmed by
    running those tests again alone, serially, in both modes; one that does not fail
    again (a timing-sensitive test under load) is printed but not counted. Before its tests, each run
    checks its setup took effect (receivers, managers, tracking), and the signalkit run
    checks that every method signalkit installs on a model keeps the signature of the
    method it replaces.

The sdist of the installed Django is downloaded once (``pip download``) and cached in
``--cache-dir`` (default ``$DJANGO_SUITE_CACHE`` or ``.tox/django-suite-cache``).
signalkit is imported from the environment. PostgreSQL: ``$PGHOST`` (127.0.0.1),
``$PGPORT``, ``$PGUSER`` (postgres), ``$PGPASSWORD``; its databases are named after
``$PGDATABASE`` (default ``django_suite``) plus ``_default`` and ``_other``.

Usage: ``python scripts/django_suite.py [--mode dispatch|compare|all]
[--database sqlite|postgres|both] [--apps a,b] [--parallel N] [--report FILE]
[--cache-dir DIR] [--keep] [runtests args...]``; other arguments (``-v 2``,
``-k test_name``) go to every ``runtests.py``. Exit status: 0 all good, 1 a test failed
(dispatch) or regressed (compare), or a hook changes a signature; 2 the harness could not
run or its setup did not take effect.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from djsuite import expected, report, runs, sdist, swap

ROOT = Path(__file__).resolve().parent.parent

#: The apps issue 13 asks for.
REQUIRED_APPS = (
    "basic",
    "delete",
    "delete_regress",
    "transactions",
    "transaction_hooks",
    "bulk_create",
    "update",
    "update_only_fields",
    "defer",
    "defer_regress",
    "model_inheritance",
    "proxy_models",
    "many_to_many",
    "m2m_signals",
    "fixtures",
    "serializers",
    "custom_managers",
    "generic_relations",
    "signals",
    "dispatch",
)
#: More apps whose paths go through what signalkit hooks (saving, loading, refreshing,
#: related managers, querysets, transactions, pickling); compared when this Django has
#: them (composite_pk is 5.2+).
EXTRA_APPS = (
    # save, delete, refresh
    "save_delete_hooks",
    "force_insert_update",
    "get_or_create",
    "field_defaults",
    "custom_pk",
    "composite_pk",
    "order_with_respect_to",
    "model_regress",
    "expressions",
    # values tracking compares, copies and pickles
    "model_fields",
    "queryset_pickle",
    "fixtures_regress",
    # relations, related managers built from the default manager
    "one_to_one",
    "many_to_one",
    "many_to_one_null",
    "m2m_through",
    "m2m_regress",
    "m2m_through_regress",
    "m2m_recursive",
    "m2o_recursive",
    "foreign_object",
    "generic_relations_regress",
    "prefetch_related",
    "known_related_objects",
    "select_related",
    "null_fk",
    "contenttypes_tests",
    # inheritance and managers
    "model_inheritance_regress",
    "proxy_model_inheritance",
    "managers_regress",
    # querysets
    "queries",
    "lookup",
    "aggregation_regress",
    # forms saving instances
    "model_forms",
    "model_formsets",
    # transactions, several databases, async
    "multiple_database",
    "select_for_update",
    "async",
)
DATABASES = {
    "sqlite": ("sqlite",),
    "postgres": ("postgres",),
    "both": ("sqlite", "postgres"),
}


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None,
        epilog="Other arguments go to every runtests.py run (e.g. -v 2, -k name).",
    )
    parser.add_argument(
        "--mode",
        choices=("dispatch", "compare", "all"),
        default="all",
        help="dispatch: Django's dispatch and signals apps with signalkit.Signal/receiver "
        "swapped in; compare: control vs signalkit-on over many apps; all (default): both",
    )
    parser.add_argument(
        "--database",
        choices=tuple(DATABASES),
        default="both",
        help="where to run: sqlite, postgres or both (default)",
    )
    parser.add_argument(
        "--apps",
        type=lambda text: [a for a in text.split(",") if a],
        help="compare only these comma-separated test apps (default: the required ones "
        "and the extra ones this Django has)",
    )
    parser.add_argument(
        "--parallel",
        default="auto",
        help="runtests.py --parallel for the compare runs (default auto: one process per "
        "core); the dispatch runs use 1",
    )
    parser.add_argument(
        "--report", type=Path, help="also write every failure, traceback whole, as JSON"
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(
            os.environ.get("DJANGO_SUITE_CACHE", ROOT / ".tox" / "django-suite-cache")
        ),
        help="where the Django sdist is cached",
    )
    parser.add_argument("--keep", action="store_true", help="keep the extracted tests")
    return parser.parse_known_args(argv)


def compare_labels(tests: Path, chosen: list[str] | None) -> list[str]:
    """The apps to compare; a required (or chosen) app missing from the sdist is an error."""
    wanted = chosen or list(REQUIRED_APPS)
    missing = [a for a in wanted if not (tests / a / "__init__.py").is_file()]
    if missing:
        raise sdist.SuiteError(
            f"this Django's tests/ has no {', '.join(missing)}: drop them from --apps, or "
            f"from REQUIRED_APPS in {Path(__file__).name} if Django removed them."
        )
    if chosen:
        return chosen
    extra = [a for a in EXTRA_APPS if (tests / a / "__init__.py").is_file()]
    absent = sorted(set(EXTRA_APPS) - set(extra))
    if absent:
        print(f"django-suite: not in this Django, not compared: {', '.join(absent)}")
    return [*REQUIRED_APPS, *extra]


def check_postgres() -> None:
    """Fail early, and clearly, when PostgreSQL cannot be reached."""
    try:
        import psycopg
    except ImportError:
        raise sdist.SuiteError(
            "PostgreSQL runs need psycopg: pip install 'psycopg[binary]', or pass "
            "--database sqlite."
        ) from None
    params = {
        "host": os.environ.get("PGHOST", "127.0.0.1"),
        "port": os.environ.get("PGPORT", "5432"),
        "user": os.environ.get("PGUSER", "postgres"),
        "dbname": "postgres",
    }
    try:
        psycopg.connect(**params, connect_timeout=10).close()
    except psycopg.Error as exc:
        raise sdist.SuiteError(
            f"cannot connect to PostgreSQL ({params}): {exc}. Start the server, set "
            f"PGHOST/PGPORT/PGUSER/PGPASSWORD, or pass --database sqlite."
        ) from exc


def signalkit_location() -> str:
    import signalkit

    return str(Path(signalkit.__file__).parent)


def main(argv: list[str] | None = None) -> int:
    args, runtests_args = parse_args(argv)
    import django

    version = django.__version__
    databases = DATABASES[args.database]
    modes = ("dispatch", "compare") if args.mode == "all" else (args.mode,)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="django-suite-"))
    try:
        if "postgres" in databases:
            check_postgres()
        print(f"django-suite: Django {version}; signalkit from {signalkit_location()}")
        tests = sdist.extract(
            sdist.fetch(version, args.cache_dir.resolve()), workdir / "compare"
        )
        labels = compare_labels(tests, args.apps) if "compare" in modes else []
        if "dispatch" in modes:
            dispatch_tests = workdir / "dispatch"
            shutil.copytree(tests, dispatch_tests, ignore=_only_dispatch_apps(tests))
            if swap.swap_apps(dispatch_tests) == 0:
                print(
                    "django-suite: ERROR: no substitution made; the run would test Django, "
                    "not signalkit",
                    file=sys.stderr,
                )
                return 2
    except sdist.SuiteError as exc:
        print(f"django-suite: ERROR: {exc}", file=sys.stderr)
        return 2
    try:
        return _run_all(
            args, runtests_args, modes, databases, tests, workdir, labels, started
        )
    finally:
        if args.keep:
            print(f"django-suite: kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _only_dispatch_apps(tests: Path):  # type: ignore[no-untyped-def]
    # copytree's ignore: the top-level files, and only the apps the dispatch job rewrites.
    def ignore(directory: str, names: list[str]) -> list[str]:
        if Path(directory) != tests:
            return []
        return [n for n in names if (tests / n).is_dir() and n not in swap.APPS]

    return ignore


def _run_all(
    args: argparse.Namespace,
    runtests_args: list[str],
    modes: tuple[str, ...],
    databases: tuple[str, ...],
    tests: Path,
    workdir: Path,
    labels: list[str],
    started: float,
) -> int:
    done: list[runs.Run] = []
    dispatch_failures: dict[str, report.Failure] = {}
    regressions: dict[str, report.Failure] = {}
    not_reproduced: dict[str, report.Failure] = {}
    by_design: dict[str, dict[str, expected.Expected]] = {}
    stale: list[str] = []
    controls = []
    for database in databases:
        if "dispatch" in modes:
            run = runs.run(
                workdir / "dispatch",
                "dispatch",
                database,
                list(swap.APPS),
                parallel="1",
                runtests_args=runtests_args,
                results_dir=workdir,
            )
            done.append(run)
            report.merge(dispatch_failures, database, report.failures(run))
        if "compare" in modes:
            control, on = (
                runs.run(
                    tests,
                    mode,
                    database,
                    labels,
                    parallel=args.parallel,
                    runtests_args=runtests_args,
                    results_dir=workdir,
                )
                for mode in ("control", "signalkit")
            )
            done += [control, on]
            controls.append(control)
            if not (control.tests and on.tests):
                continue  # a run that did not finish is a harness problem, not a diff
            real, designed = report.split_expected(report.regressions(control, on))
            if real:
                # Confirmed by running just those tests again, serially, in both modes.
                control_again, on_again = (
                    runs.run(
                        tests,
                        mode,
                        database,
                        sorted({report.rerun_label(t) for t in real}),
                        parallel="1",
                        runtests_args=runtests_args,
                        results_dir=workdir,
                        rerun=True,
                    )
                    for mode in ("control", "signalkit")
                )
                done += [control_again, on_again]
                real, gone = report.confirmed(real, control_again, on_again)
                report.merge(not_reproduced, database, gone)
            report.merge(regressions, database, real)
            for test, entry in designed.items():
                by_design.setdefault(test, {})[database] = entry
            stale += [
                f"{test} [{database}]"
                for test in expected.EXPECTED
                if control.tests.get(test, {}).get("outcome") == "pass"
                and on.tests.get(test, {}).get("outcome") == "pass"
            ]

    report.print_control_failures(controls)
    report.print_expected(by_design)
    if stale:
        print(
            "\ndjango-suite: expected differences that did not show (drop them from "
            f"djsuite/expected.py if signalkit changed): {', '.join(stale)}"
        )
    report.print_failures(
        "dispatch/signals tests failing with signalkit.Signal/receiver",
        dispatch_failures,
    )
    findings = sorted({f for r in done for f in r.findings})
    if findings:
        print(
            f"\ndjango-suite: HOOK SIGNATURES: signalkit changes a method's signature: {len(findings)}"
        )
        for finding in findings:
            print(f"  {finding}")
    report.print_failures(
        "not counted: failed with signalkit on in the full run, not when re-run alone "
        "(timing-sensitive or order-dependent)",
        not_reproduced,
    )
    report.print_failures(
        "REGRESSIONS: pass in control, fail with signalkit on", regressions
    )
    problems = [f"{r.name}: {p}" for r in done for p in r.problems]
    for problem in problems:
        print(f"django-suite: HARNESS PROBLEM: {problem}", file=sys.stderr)
    if args.report:
        report.write(
            args.report,
            {
                "dispatch_failures": dispatch_failures,
                "regressions": regressions,
                "not_reproduced": not_reproduced,
            },
            done,
            findings,
            by_design,
        )
    print("\ndjango-suite: wall time per run:")
    for r in done:
        print(f"  {r.name:26} {r.summary()}")
    print(f"  {'total':26} {time.monotonic() - started:.1f} s")
    if problems:
        return 2
    if dispatch_failures or regressions or findings:
        return 1
    print("django-suite: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
