"""Contract section 5: ``SignalQuerySet`` and ``SignalManager`` send the bulk and queryset
signals."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django import VERSION as django_version
from django.core.exceptions import FieldDoesNotExist
from django.db import connections, transaction
from django.db.models import F, QuerySet
from django.dispatch import Signal as DjangoSignal
from django.test.utils import CaptureQueriesContext

import signalkit
from signalkit import signals
from signalkit.models import SignalManager, SignalQuerySet, SignalQuerySetMixin
from tests.bulkapp.models import Box, Item, Part, Plain, SpecialItem
from tests.helpers import BULK_SIGNALS, Boom

Calls = list[dict[str, Any]]
Listen = Callable[..., Calls]


@pytest.fixture
def listen() -> Iterator[Listen]:
    """Connect a recording receiver with signalkit; every one is disconnected afterwards."""
    connected: list[Callable[..., None]] = []

    def connect(signal: DjangoSignal, sender: Any = Item, **options: Any) -> Calls:
        calls: Calls = []

        def receive(**kwargs: Any) -> None:
            calls.append(kwargs)

        signalkit.receiver(signal, sender=sender, **options)(receive)
        connected.append(receive)
        return calls

    yield connect
    for func in connected:
        assert signalkit.disconnect(func)


@pytest.fixture
def fail_on() -> Iterator[Callable[[DjangoSignal], None]]:
    """Connect a receiver that writes a ``Plain`` row, then raises."""
    connected: list[Callable[..., None]] = []

    def connect(signal: DjangoSignal) -> None:
        def fail(**kwargs: Any) -> None:
            Plain.objects.create(name="written by the receiver")
            raise Boom

        signalkit.receiver(signal, sender=Item)(fail)
        connected.append(fail)

    yield connect
    for func in connected:
        assert signalkit.disconnect(func)


def sqls(context: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in context.captured_queries]


def items(*names: str) -> list[Item]:
    return Item.objects.bulk_create([Item(name=name) for name in names])


# The signals ------------------------------------------------------------------------


def test_manager_and_queryset_classes() -> None:
    assert isinstance(Item.objects, SignalManager)
    assert type(Item.objects.all()) is SignalQuerySet
    assert isinstance(Part.objects.all(), SignalQuerySetMixin)
    assert not isinstance(Plain.objects.all(), SignalQuerySetMixin)


# bulk_create --------------------------------------------------------------------------


@pytest.mark.django_db
def test_bulk_create_sends_pre_and_post_with_objs_and_using(listen: Listen) -> None:
    pre = listen(signals.pre_bulk_create)
    post = listen(signals.post_bulk_create)
    new = [Item(name="a"), Item(name="b")]

    created = Item.objects.bulk_create(iter(new))

    assert len(pre) == len(post) == 1
    assert pre[0]["signal"] is signals.pre_bulk_create
    assert post[0]["signal"] is signals.post_bulk_create
    for call in (pre[0], post[0]):
        assert call["sender"] is Item
        assert call["using"] == "default"
        assert call["objs"] == created
        assert all(a is b for a, b in zip(call["objs"], new, strict=True))
    assert pre[0]["objs"] is post[0]["objs"]
    # Both SQLite (>= 3.35; Django 6.1 needs 3.37) and PostgreSQL return the new keys.
    assert all(isinstance(obj.pk, int) for obj in post[0]["objs"])
    assert sorted(Item.objects.values_list("pk", flat=True)) == sorted(
        o.pk for o in new
    )


@pytest.mark.django_db
def test_bulk_create_pre_sees_no_pks_post_sees_them() -> None:
    seen: dict[str, list[Any]] = {}

    def record(signal: Any, objs: list[Item], **kwargs: Any) -> None:
        seen["pre" if signal is signals.pre_bulk_create else "post"] = [
            o.pk for o in objs
        ]

    signalkit.receiver(
        [signals.pre_bulk_create, signals.post_bulk_create], sender=Item
    )(record)
    try:
        made = items("a", "b", "c")
    finally:
        signalkit.disconnect(record)
    assert seen["pre"] == [None, None, None]
    assert seen["post"] == [obj.pk for obj in made]
    assert None not in seen["post"]


@pytest.mark.django_db
def test_bulk_create_ignoring_conflicts_returns_no_pks(listen: Listen) -> None:
    post = listen(signals.post_bulk_create)
    Item.objects.bulk_create([Item(name="a")], ignore_conflicts=True)
    # ON CONFLICT DO NOTHING returns no rows for skipped inserts, so Django asks for none.
    assert [obj.pk for obj in post[0]["objs"]] == [None]
    assert Item.objects.count() == 1


@pytest.mark.django_db
def test_bulk_create_of_nothing_sends_nothing(listen: Listen) -> None:
    pre = listen(signals.pre_bulk_create)
    post = listen(signals.post_bulk_create)
    assert Item.objects.bulk_create([]) == []
    assert pre == post == []


@pytest.mark.django_db
def test_pre_bulk_create_receiver_may_change_the_objects() -> None:
    def shout(objs: list[Item], **kwargs: Any) -> None:
        for obj in objs:
            obj.name = obj.name.upper()

    signalkit.receiver(signals.pre_bulk_create, sender=Item)(shout)
    try:
        items("a")
    finally:
        signalkit.disconnect(shout)
    assert list(Item.objects.values_list("name", flat=True)) == ["A"]


# bulk_update --------------------------------------------------------------------------


@pytest.mark.django_db
def test_bulk_update_sends_pre_and_post_with_objs_fields_and_using(
    listen: Listen,
) -> None:
    a, b = items("a", "b")
    pre = listen(signals.pre_bulk_update)
    post = listen(signals.post_bulk_update)
    updates = listen(signals.post_update)
    a.qty, b.qty = 1, 2
    a.status = "x"

    count = Item.objects.bulk_update(
        (o for o in (a, b)), ["qty", "status"], batch_size=1
    )

    assert count == 2
    for call in (pre[0], post[0]):
        assert call["sender"] is Item
        assert call["fields"] == ("qty", "status")
        assert call["using"] == "default"
        assert [o.pk for o in call["objs"]] == [a.pk, b.pk]
        assert call["objs"][0] is a
    assert len(pre) == len(post) == 1
    # The UPDATE statements bulk_update() is made of are not update() calls of their own.
    assert updates == []
    assert dict(Item.objects.values_list("name", "qty")) == {"a": 1, "b": 2}


@pytest.mark.django_db
def test_bulk_update_of_nothing_sends_nothing(listen: Listen) -> None:
    pre = listen(signals.pre_bulk_update)
    assert Item.objects.bulk_update([], ["qty"]) == 0
    assert pre == []
    with pytest.raises(ValueError, match="Field names must be given"):
        Item.objects.bulk_update([], [])


# update -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_update_sends_pre_and_post_with_pks_values_count_and_using(
    listen: Listen,
) -> None:
    a, b, c = items("a", "b", "c")
    pre = listen(signals.pre_update)
    post = listen(signals.post_update)

    count = Item.objects.filter(name__in=["a", "c"]).update(status="done", qty=3)

    assert count == 2
    [before] = pre
    [after] = post
    assert before["sender"] is after["sender"] is Item
    assert before["signal"] is signals.pre_update
    assert after["signal"] is signals.post_update
    assert sorted(before["pks"]) == [a.pk, c.pk]
    assert before["pks"] is after["pks"]
    assert before["values"] == after["values"] == {"status": "done", "qty": 3}
    assert after["count"] == 2
    assert "count" not in before
    assert before["using"] == after["using"] == "default"
    assert Item.objects.get(pk=b.pk).status == "new"


@pytest.mark.django_db
def test_update_matching_nothing_sends_empty_pks(listen: Listen) -> None:
    post = listen(signals.post_update)
    assert Item.objects.filter(name="nobody").update(qty=1) == 0
    assert post[0]["pks"] == []
    assert post[0]["count"] == 0


@pytest.mark.django_db
def test_update_with_expressions_passes_them_as_given(listen: Listen) -> None:
    items("a")
    post = listen(signals.post_update)
    increment = F("qty") + 2
    assert Item.objects.update(qty=increment) == 1
    assert post[0]["values"] == {"qty": increment}
    assert Item.objects.get().qty == 2


@pytest.mark.django_db
def test_pre_update_receiver_may_change_values(listen: Listen) -> None:
    items("a")
    post = listen(signals.post_update)

    def stamp(values: dict[str, Any], **kwargs: Any) -> None:
        values["status"] = "stamped"

    signalkit.receiver(signals.pre_update, sender=Item)(stamp)
    try:
        Item.objects.update(qty=5)
    finally:
        signalkit.disconnect(stamp)
    assert Item.objects.get().status == "stamped"
    assert post[0]["values"] == {"qty": 5, "status": "stamped"}


@pytest.mark.django_db
def test_update_errors_come_before_any_query_or_signal(listen: Listen) -> None:
    pre = listen(signals.pre_update)
    with CaptureQueriesContext(connections["default"]) as ctx:
        with pytest.raises(FieldDoesNotExist):
            Item.objects.update(nonexistent=1)
        with pytest.raises(TypeError, match="slice"):
            Item.objects.all()[:1].update(qty=1)
    assert pre == []
    assert ctx.captured_queries == []


@pytest.mark.django_db
def test_proxy_queryset_sends_with_the_proxy_as_sender(listen: Listen) -> None:
    items("a")
    on_item = listen(signals.post_update, sender=Item)
    on_proxy = listen(signals.post_update, sender=SpecialItem)
    on_both = listen(signals.post_update, sender=Item, subclasses=True)

    SpecialItem.objects.update(qty=1)

    assert on_item == []
    assert [c["sender"] for c in on_proxy] == [SpecialItem]
    assert [c["sender"] for c in on_both] == [SpecialItem]


@pytest.mark.django_db
def test_related_manager_and_mixin_queryset_send(listen: Listen) -> None:
    box, other_box = Box.objects.bulk_create([Box(name="b1"), Box(name="b2")])
    created = listen(signals.post_bulk_create, sender=Part)
    post = listen(signals.post_update, sender=Part)
    parts = Part.objects.bulk_create(
        [
            Part(box=box, name="x"),
            Part(box=box, name="y"),
            Part(box=other_box, name="x"),
        ]
    )
    assert created[0]["objs"] == parts

    assert box.parts.update(name="z") == 2
    assert Part.objects.named("x").update(name="w") == 1

    assert [c["sender"] for c in post] == [Part, Part]
    assert sorted(post[0]["pks"]) == [parts[0].pk, parts[1].pk]
    assert post[1]["pks"] == [parts[2].pk]


@pytest.mark.django_db
def test_plain_models_send_nothing(listen: Listen) -> None:
    calls = [listen(signal, sender=None) for signal in BULK_SIGNALS]
    Plain.objects.bulk_create([Plain(name="a")])
    Plain.objects.update(name="b")
    Plain.objects.bulk_update(list(Plain.objects.all()), ["name"])
    assert calls == [[]] * len(BULK_SIGNALS)


# Query counts -------------------------------------------------------------------------


@pytest.mark.django_db
def test_update_without_receivers_runs_djangos_one_query(
    django_assert_num_queries: Any, listen: Listen
) -> None:
    items("a")
    # A receiver for another model does not count.
    listen(signals.post_update, sender=Plain)
    with django_assert_num_queries(1) as ctx:
        assert Item.objects.update(qty=1) == 1
    assert sqls(ctx)[0].startswith("UPDATE ")


@pytest.mark.django_db
def test_update_with_a_receiver_adds_one_select(
    django_assert_num_queries: Any, listen: Listen
) -> None:
    items("a")
    listen(signals.post_update)
    # Inside the test's transaction the atomic block adds no query: no savepoint.
    with django_assert_num_queries(2) as ctx:
        assert Item.objects.filter(name="a").update(qty=1) == 1
    select, update = sqls(ctx)
    assert select.startswith("SELECT ")
    assert '"bulkapp_item"."id"' in select.partition(" FROM ")[0]
    assert "qty" not in select.partition(" FROM ")[0]
    assert update.startswith("UPDATE ")


# Outside a test's transaction: what each runs in autocommit mode. Django 6.1 logs the
# BEGIN and COMMIT of a transaction it opens, on both SQLite and PostgreSQL.
def _statements(queryset: Any) -> dict[str, list[str]]:
    """The first word of each statement bulk_create, bulk_update and update() run."""
    connection = connections["default"]
    run: dict[str, list[str]] = {}
    with CaptureQueriesContext(connection) as ctx:
        made = queryset.bulk_create([Item(name="a"), Item(name="b")])
    run["bulk_create"] = [sql.split()[0] for sql in sqls(ctx)]
    for obj in made:
        obj.qty = 3
    with CaptureQueriesContext(connection) as ctx:
        queryset.bulk_update(made, ["qty"])
    run["bulk_update"] = [sql.split()[0] for sql in sqls(ctx)]
    with CaptureQueriesContext(connection) as ctx:
        queryset.update(qty=1)
    run["update"] = [sql.split()[0] for sql in sqls(ctx)]
    return run


def _in_a_transaction(statements: list[str]) -> list[str]:
    return statements if statements[0] == "BEGIN" else ["BEGIN", *statements, "COMMIT"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("receivers", [False, True])
def test_queries_outside_a_transaction(listen: Listen, receivers: bool) -> None:
    # Django's own queryset on the same model is the reference: which statements it
    # wraps in a transaction of its own differs between Django versions.
    django = _statements(QuerySet(model=Item))
    if receivers:
        for signal in BULK_SIGNALS:
            listen(signal)
    run = _statements(Item.objects.all())
    if not receivers:
        assert run == django
    else:
        assert run == {
            # Exactly Django's statements: no transaction of signalkit's own.
            "bulk_create": django["bulk_create"],
            "bulk_update": _in_a_transaction(django["bulk_update"]),
            "update": ["BEGIN", "SELECT", "UPDATE", "COMMIT"],
        }
    assert django["bulk_update"] == _in_a_transaction(django["bulk_update"])
    assert django["update"] == ["UPDATE"]


@pytest.mark.django_db(transaction=True)
def test_bulk_create_with_receivers_opens_no_transaction_django_would_not(
    listen: Listen,
) -> None:
    # Django's bulk_create.tests.BulkCreateTransactionTests.test_no_unnecessary_transaction
    # (6.0+: one INSERT, no transaction), with receivers listening, and its siblings.
    connection = connections["default"]

    def statements(queryset: Any, pks: list[int | None]) -> list[str]:
        new = [Item(pk=pk, name="x") for pk in pks]
        with CaptureQueriesContext(connection) as ctx:
            queryset.bulk_create(new)
        return [sql.split()[0] for sql in sqls(ctx)]

    shapes: list[list[int | None]] = [[1000], [None], [2000, None]]
    django = [statements(QuerySet(model=Item), pks) for pks in shapes]
    Item.objects.all().delete()
    listen(signals.pre_bulk_create)
    listen(signals.post_bulk_create)
    assert [statements(Item.objects.all(), pks) for pks in shapes] == django
    if django_version >= (6, 0):  # 5.2's bulk_create() always opens a transaction
        assert django[:2] == [["INSERT"], ["INSERT"]]


@pytest.mark.django_db
@pytest.mark.parametrize("receivers", [False, True])
def test_bulk_create_and_bulk_update_add_no_query(
    django_assert_num_queries: Any, listen: Listen, receivers: bool
) -> None:
    if receivers:
        for signal in BULK_SIGNALS:
            listen(signal)
    new = [Item(name="a"), Item(name="b")]
    with django_assert_num_queries(1) as ctx:
        Item.objects.bulk_create(new)
    assert sqls(ctx)[0].startswith("INSERT ")
    for obj in new:
        obj.qty = 7
    with django_assert_num_queries(1) as ctx:
        Item.objects.bulk_update(new, ["qty"])
    assert sqls(ctx)[0].startswith("UPDATE ")


# Atomicity ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_raising_pre_bulk_create_receiver_stops_the_insert(
    fail_on: Callable[[DjangoSignal], None],
) -> None:
    fail_on(signals.pre_bulk_create)
    with pytest.raises(Boom):
        items("a", "b")
    assert not Item.objects.exists()
    # Outside a transaction, what the receiver wrote itself is committed, as for pre_save.
    assert Plain.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_raising_post_bulk_create_receiver_outside_a_transaction_is_like_post_save(
    fail_on: Callable[[DjangoSignal], None],
) -> None:
    # bulk_create() adds no transaction Django would not open, so in autocommit the rows
    # are written before post_bulk_create, as a row is before post_save.
    fail_on(signals.post_bulk_create)
    with pytest.raises(Boom):
        items("a", "b")
    assert Item.objects.count() == 2
    assert Plain.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("signal", [signals.pre_bulk_create, signals.post_bulk_create])
def test_a_raising_bulk_create_receiver_inside_atomic_writes_nothing(
    fail_on: Callable[[DjangoSignal], None], signal: DjangoSignal
) -> None:
    fail_on(signal)
    with pytest.raises(Boom), transaction.atomic():
        items("a", "b")
    assert not Item.objects.exists()
    assert not Plain.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("signal", [signals.pre_bulk_update, signals.post_bulk_update])
def test_a_raising_bulk_update_receiver_writes_nothing(
    fail_on: Callable[[DjangoSignal], None], signal: DjangoSignal
) -> None:
    made = items("a", "b")
    fail_on(signal)
    for obj in made:
        obj.qty = 9
    with pytest.raises(Boom):
        # batch_size=1: two UPDATE statements, both undone.
        Item.objects.bulk_update(made, ["qty"], batch_size=1)
    assert list(Item.objects.values_list("qty", flat=True)) == [0, 0]
    assert not Plain.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("signal", [signals.pre_update, signals.post_update])
def test_a_raising_update_receiver_writes_nothing(
    fail_on: Callable[[DjangoSignal], None], signal: DjangoSignal
) -> None:
    items("a", "b")
    fail_on(signal)
    with pytest.raises(Boom):
        Item.objects.update(qty=9)
    assert list(Item.objects.values_list("qty", flat=True)) == [0, 0]
    assert not Plain.objects.exists()


@pytest.mark.django_db
def test_a_raising_receiver_inside_an_outer_transaction_rolls_it_back(
    fail_on: Callable[[DjangoSignal], None],
) -> None:
    fail_on(signals.pre_update)
    items("a")
    with pytest.raises(Boom), transaction.atomic():
        Item.objects.create(name="b")
        Item.objects.update(qty=9)
    assert list(Item.objects.values_list("name", "qty")) == [("a", 0)]


# Databases ----------------------------------------------------------------------------


@pytest.mark.django_db(databases=["default", "other"])
def test_using_is_the_alias_written_to(listen: Listen) -> None:
    pre = listen(signals.pre_update)
    post = listen(signals.post_update)
    created = listen(signals.post_bulk_create)
    updated = listen(signals.post_bulk_update)

    made = Item.objects.using("other").bulk_create([Item(name="a"), Item(name="b")])
    Item.objects.create(name="on default")
    made[0].qty = 4
    Item.objects.using("other").bulk_update(made, ["qty"])
    count = Item.objects.using("other").filter(name="a").update(status="moved")

    assert created[0]["using"] == updated[0]["using"] == "other"
    assert all(obj._state.db == "other" and obj.pk for obj in created[0]["objs"])
    assert count == 1
    assert pre[0]["using"] == post[0]["using"] == "other"
    assert pre[0]["pks"] == [made[0].pk]
    assert Item.objects.using("other").get(pk=made[0].pk).status == "moved"
    assert Item.objects.using("default").get().status == "new"


@pytest.mark.django_db(databases=["default", "other"])
def test_on_commit_waits_for_the_alias_of_the_signal(
    listen: Listen, django_capture_on_commit_callbacks: Any
) -> None:
    later = listen(signals.post_update, on_commit=True)
    Item.objects.using("other").bulk_create([Item(name="a")])
    with django_capture_on_commit_callbacks(using="other", execute=True) as on_other:
        with django_capture_on_commit_callbacks(using="default") as on_default:
            Item.objects.using("other").update(qty=1)
        assert on_default == []
        assert later == []
    assert len(on_other) == 1
    assert later[0]["using"] == "other"


# Connecting -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_lazy_string_sender_and_plain_connect(listen: Listen) -> None:
    lazy = listen(signals.pre_update, sender="bulkapp.Item")
    plain: Calls = []

    def receive(**kwargs: Any) -> None:
        plain.append(kwargs)

    signals.post_update.connect(receive, sender=Item, weak=False)
    try:
        items("a")
        Item.objects.update(qty=2)
    finally:
        assert signals.post_update.disconnect(receive, sender=Item)
    assert lazy[0]["sender"] is Item
    assert plain[0]["count"] == 1
    assert plain[0]["pks"] == lazy[0]["pks"]


@pytest.mark.django_db(transaction=True)
def test_on_commit_receiver_runs_after_commit_never_on_rollback(listen: Listen) -> None:
    later = listen(signals.post_update, on_commit=True)
    created = listen(signals.post_bulk_create, on_commit=True)
    items("a")
    assert len(created) == 1  # autocommit: right away
    with transaction.atomic():
        Item.objects.update(qty=1)
        assert later == []
    assert [c["count"] for c in later] == [1]
    with pytest.raises(Boom), transaction.atomic():
        Item.objects.update(qty=2)
        raise Boom
    assert len(later) == 1


@pytest.mark.django_db
def test_on_commit_with_captured_callbacks(
    listen: Listen, django_capture_on_commit_callbacks: Any
) -> None:
    later = listen(signals.post_bulk_update, on_commit=True)
    made = items("a")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        Item.objects.bulk_update(made, ["qty"])
        assert later == []
    assert len(callbacks) == 1
    assert later[0]["fields"] == ("qty",)


@pytest.mark.django_db
def test_robust_receiver_is_logged_and_the_update_goes_on(
    listen: Listen, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(**kwargs: Any) -> None:
        raise Boom

    signalkit.receiver(signals.pre_update, sender=Item, robust=True)(broken)
    post = listen(signals.post_update)
    items("a")
    try:
        with caplog.at_level(logging.ERROR, logger="signalkit"):
            assert Item.objects.update(qty=3) == 1
    finally:
        signalkit.disconnect(broken)
    assert post[0]["count"] == 1
    [record] = caplog.records
    assert "broken" in record.getMessage()
    assert record.exc_info is not None


@pytest.mark.parametrize("signal", BULK_SIGNALS)
@pytest.mark.parametrize("option", [{"created": True}, {"changed": "qty"}])
def test_save_only_options_raise_type_error(
    signal: DjangoSignal, option: dict[str, Any]
) -> None:
    def receive(**kwargs: Any) -> None:
        pass

    with pytest.raises(TypeError, match=f"{next(iter(option))}="):
        signalkit.receiver(signal, sender=Item, **option)(receive)
    assert not signalkit.disconnect(receive)


# Async -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_async_variants_go_through_the_overrides(listen: Listen) -> None:
    created = listen(signals.post_bulk_create)
    updated = listen(signals.post_bulk_update)
    post = listen(signals.post_update)

    async def run() -> tuple[list[Item], int]:
        made = await Item.objects.abulk_create([Item(name="a")])
        made[0].qty = 2
        await Item.objects.abulk_update(made, ["qty"])
        return made, await Item.objects.filter(name="a").aupdate(status="async")

    made, count = async_to_sync(run)()

    assert count == 1
    assert created[0]["objs"] == made
    assert updated[0]["fields"] == ("qty",)
    assert post[0]["pks"] == [made[0].pk]
    assert Item.objects.get().status == "async"
