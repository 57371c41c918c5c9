"""Differences signalkit makes by design: Django tests that assert exactly what a documented
signalkit choice changes. They are printed on every run, and not counted.

Each entry names one test and a text its failure must contain: any other failure of that
test is still a regression, and an entry whose test passes again is reported as stale.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Expected:
    """Why a test fails with signalkit on, and the text that shows it is that reason."""

    match: str
    reason: str


_M2M_OPTIMISATION = (
    "Django counts and tests existence of m2m related rows on the through table alone "
    "only when the related model's default manager class is exactly Manager "
    "(ManyRelatedManager.count()/exists(): 'superclass is Manager'); any custom default "
    "manager, SignalManager included, makes it join the target table."
)
_UPDATE_PKS = (
    "With pre_update/post_update receivers connected, SignalQuerySet.update() first reads "
    "the primary keys it sends as pks= (API.md section 5), so one SELECT precedes the "
    "UPDATE."
)

_MANUAL_TRANSACTIONS = (
    "Under manual transaction management (autocommit off, no atomic()) there is no commit "
    "to wait for, so an on_commit=True receiver is never run on uncommitted data: a robust "
    "one is skipped and an ERROR is logged on the 'signalkit' logger (docs/howto/"
    "delivery.rst). The test's queries all work; the harness counts the logged error."
)

EXPECTED: dict[str, Expected] = {
    "many_to_many.tests.ManyToManyQueryTests.test_count_join_optimization": Expected(
        "'JOIN' unexpectedly found", _M2M_OPTIMISATION
    ),
    "many_to_many.tests.ManyToManyQueryTests.test_exists_join_optimization": Expected(
        "'JOIN' unexpectedly found", _M2M_OPTIMISATION
    ),
    "proxy_models.tests.ProxyModelTests.test_proxy_update": Expected(
        'AS "pk" FROM', _UPDATE_PKS
    ),
    "model_inheritance.tests.ModelInheritanceTests.test_update_parent_filtering": Expected(
        'AS "pk" FROM', _UPDATE_PKS
    ),
    "many_to_one_null.tests.ManyToOneNullTests.test_clear_efficiency": Expected(
        'AS "pk" FROM', _UPDATE_PKS
    ),
    "transactions.tests.NonAutocommitTests.test_orm_query_without_autocommit": Expected(
        "in manual transaction management", _MANUAL_TRANSACTIONS
    ),
    "transactions.tests.NonAutocommitTests.test_orm_query_after_error_and_rollback": (
        Expected("in manual transaction management", _MANUAL_TRANSACTIONS)
    ),
}


def explains(test: str, detail: str) -> Expected | None:
    """The entry that explains ``test`` failing with ``detail``, if any."""
    entry = EXPECTED.get(test)
    return entry if entry is not None and entry.match in detail else None
