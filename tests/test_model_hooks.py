"""Tracking's hooks on model classes keep Django's methods as Django documents them.

Each hook replaces ``from_db``, ``refresh_from_db`` or ``save_base`` on a tracked model
class: every form of call Django accepts (positional, keyword, generators, reverse
relations), on 5.2, 6.0 and 6.1, still works and still moves the baseline.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django import VERSION as django_version
from django.db.models import Model, Prefetch

import signalkit
from tests.trackapp.models import (
    Customer,
    GiftOrder,
    OldStyleFromDb,
    Order,
    Overriding,
    Untracked,
)

pytestmark = pytest.mark.django_db

HOOKED = ("from_db", "refresh_from_db", "save_base")


@pytest.fixture
def order() -> Order:
    created = Order.objects.create(status="draft", note="n")
    return Order.objects.get(pk=created.pk)


def _row(model: type[Model], pk: int) -> tuple[list[str], list[Any]]:
    """What Django passes to from_db() for one full row."""
    names = [f.attname for f in model._meta.concrete_fields]
    values = list(model.objects.filter(pk=pk).values_list(*names).get())
    return names, values


# Signatures -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", HOOKED)
@pytest.mark.parametrize("model", [Order, GiftOrder, Customer])
def test_hooks_show_djangos_signature_and_attributes(
    model: type[Model], name: str
) -> None:
    assert getattr(getattr(model, name), "_signalkit_hook", False)
    assert inspect.signature(getattr(model, name)) == inspect.signature(
        getattr(Model, name)
    )
    expected = getattr(getattr(Model, name), "alters_data", None)
    assert getattr(getattr(model, name), "alters_data", None) == expected


@pytest.mark.parametrize("name", HOOKED)
@pytest.mark.parametrize("model", [Order, GiftOrder, Customer])
def test_hooks_take_exactly_djangos_parameters(model: type[Model], name: str) -> None:
    # Not only what inspect.signature() reports through __wrapped__: the parameters the
    # hook really accepts are Django's (or a plain pass-through to it), so every call
    # form Django accepts or refuses is accepted or refused alike.
    real = inspect.signature(getattr(model, name), follow_wrapped=False)
    django = inspect.signature(getattr(Model, name))

    def shape(signature: inspect.Signature) -> list[tuple[str, Any, Any]]:
        parameters = [
            p for p in signature.parameters.values() if p.name not in ("self", "cls")
        ]
        return [(p.name, p.kind, p.default) for p in parameters]

    passthrough = [p.kind for p in real.parameters.values()][-2:] == [
        inspect.Parameter.VAR_POSITIONAL,
        inspect.Parameter.VAR_KEYWORD,
    ]
    assert passthrough or shape(real) == shape(django)


def test_hooks_on_an_override_show_the_overrides_signature() -> None:
    for name in HOOKED:
        hook = getattr(Overriding, name)
        assert getattr(hook, "_signalkit_hook", False)
        own = inspect.signature(hook.__wrapped__)
        if name == "from_db":  # a classmethod, seen bound to the class
            own = own.replace(parameters=list(own.parameters.values())[1:])
        assert inspect.signature(hook) == own
    assert "kwargs" in inspect.signature(Overriding.from_db).parameters


# refresh_from_db ------------------------------------------------------------------------


def test_refresh_from_db_positional_form(order: Order) -> None:
    # Django's signature: refresh_from_db(using=None, fields=None, from_queryset=None).
    Order.objects.filter(pk=order.pk).update(note="db", status="paid")
    order.refresh_from_db("default", ["note"], Order.objects.all())
    assert order.note == "db"
    assert order.status == "draft"
    assert signalkit.changes(order) == {}
    assert signalkit.previous(order, "note") == "db"


def test_refresh_from_db_keyword_form(order: Order) -> None:
    Order.objects.filter(pk=order.pk).update(note="db", status="paid")
    order.status = "local"
    order.refresh_from_db(
        using="default",
        fields=["note"],
        from_queryset=Order.objects.filter(note="db"),
    )
    assert order.note == "db"
    assert signalkit.changes(order) == {"status": ("draft", "local")}


def test_refresh_from_db_from_queryset_alone(order: Order) -> None:
    Order.objects.filter(pk=order.pk).update(status="paid")
    order.refresh_from_db(from_queryset=Order.objects.all())
    assert order.status == "paid"
    assert signalkit.changes(order) == {}


@pytest.mark.parametrize(
    "fields",
    [
        lambda: (name for name in ["status"]),  # a generator, consumed once
        lambda: iter(["status"]),
        lambda: map(str, ["status"]),
        lambda: {"status": None}.keys(),
        lambda: ("status",),
    ],
    ids=["generator", "iterator", "map", "dict-keys", "tuple"],
)
def test_refresh_from_db_takes_any_iterable_of_fields(
    order: Order, fields: Any
) -> None:
    Order.objects.filter(pk=order.pk).update(status="paid")
    order.refresh_from_db(fields=fields())
    assert order.status == "paid"
    # The refreshed value is the baseline: no change that does not exist.
    assert signalkit.changes(order) == {}
    assert signalkit.previous(order, "status") == "paid"


def test_arefresh_from_db_with_a_generator(order: Order) -> None:
    Order.objects.filter(pk=order.pk).update(status="paid")
    async_to_sync(order.arefresh_from_db)(fields=(f for f in ["status"]))
    assert order.status == "paid"
    assert signalkit.changes(order) == {}


def test_refresh_from_db_by_attname_and_by_name(order: Order) -> None:
    customer = Customer.objects.create(name="c")
    Order.objects.filter(pk=order.pk).update(customer=customer)
    order.refresh_from_db(fields=["customer_id"])
    assert signalkit.changes(order) == {}
    assert signalkit.previous(order, "customer") == customer.pk
    Order.objects.filter(pk=order.pk).update(customer=None)
    order.refresh_from_db(fields=["customer"])
    assert signalkit.changes(order) == {}
    assert signalkit.previous(order, "customer") is None


def test_refresh_from_db_with_a_prefetched_reverse_foreign_key() -> None:
    # Django's basic.tests.ModelRefreshTests.test_prefetched_cache_cleared, on a tracked
    # model: a reverse relation in fields= clears the prefetched objects.
    customer = Customer.objects.create(name="c")
    placed = Order.objects.create(customer=customer)
    loaded = Customer.objects.prefetch_related("orders").get(pk=customer.pk)
    assert list(loaded.orders.all()) == [placed]
    placed.customer = None
    placed.save()
    loaded.name = "local"
    loaded.refresh_from_db(fields=["orders"])
    assert list(loaded.orders.all()) == []
    assert signalkit.changes(loaded) == {"name": ("c", "local")}


def test_refresh_from_db_with_a_reverse_relation_and_a_field() -> None:
    customer = Customer.objects.create(name="c")
    loaded = Customer.objects.prefetch_related(
        Prefetch("orders", to_attr="order_list")
    ).get(pk=customer.pk)
    Customer.objects.filter(pk=customer.pk).update(name="db")
    loaded.refresh_from_db(fields=["orders", "name"])
    assert loaded.name == "db"
    assert signalkit.changes(loaded) == {}


def test_refresh_from_db_with_a_reverse_one_to_one(order: Order) -> None:
    # Django's test_refresh_clears_reverse_related_explicit_fields: fields= names the
    # reverse one-to-one of a multi-table child (a OneToOneRel, which has no attname).
    assert not hasattr(order, "giftorder")
    GiftOrder.objects.create(order_ptr=order, status=order.status, note=order.note)
    order.refresh_from_db(fields=["giftorder"])
    assert order.giftorder.pk == order.pk
    assert signalkit.changes(order) == {}


def test_refresh_from_db_of_untracked_fields_keeps_the_baseline(order: Order) -> None:
    gift = GiftOrder.objects.create(status="draft", message="hi")
    GiftOrder.objects.filter(pk=gift.pk).update(message="db", status="paid")
    gift.refresh_from_db(fields=["message"])  # not tracked
    assert gift.message == "db"
    assert signalkit.previous(gift, "status") == "draft"
    assert signalkit.changes(gift) == {}


# save_base ------------------------------------------------------------------------------


def test_save_base_positional_form(order: Order) -> None:
    # Django's signature: save_base(raw, force_insert, force_update, using, update_fields).
    order.status = "paid"
    order.note = "unsaved"
    order.save_base(False, False, False, "default", ["status"])
    assert Order.objects.get(pk=order.pk).status == "paid"
    assert signalkit.changes(order) == {"note": ("n", "unsaved")}


def test_save_base_keyword_form(order: Order) -> None:
    order.status = "paid"
    order.save_base(using="default", update_fields=frozenset({"status"}))
    assert signalkit.changes(order) == {}
    new = Order(status="new")
    new.save_base(raw=False, force_insert=True, using="default")
    assert Order.objects.filter(pk=new.pk, status="new").exists()
    assert signalkit.changes(new) == {}


def test_save_with_update_fields_from_a_generator(order: Order) -> None:
    order.status = "paid"
    order.note = "unsaved"
    order.save(update_fields=(name for name in ["status"]))
    assert Order.objects.get(pk=order.pk).status == "paid"
    assert signalkit.changes(order) == {"note": ("n", "unsaved")}
    order.note = "saved"
    order.save_base(update_fields=(name for name in ["note"]))
    assert Order.objects.get(pk=order.pk).note == "saved"
    assert signalkit.changes(order) == {}


# from_db --------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["positional", "keyword", "db by keyword"])
def test_from_db_forms(order: Order, form: str) -> None:
    names, values = _row(Order, order.pk)
    if form == "positional":
        built = Order.from_db("default", names, values)
    elif form == "keyword":
        built = Order.from_db("default", field_names=names, values=values)
    else:
        built = Order.from_db(db="default", field_names=names, values=values)
    assert built.pk == order.pk
    assert built._state.db == "default"
    assert not built._state.adding
    assert signalkit.changes(built) == {}
    built.status = "paid"
    assert signalkit.changes(built) == {"status": ("draft", "paid")}


def test_from_db_with_deferred_fields_by_keyword(order: Order) -> None:
    built = Order.from_db(
        db="default", field_names=["id", "status"], values=[order.pk, "draft"]
    )
    assert built.get_deferred_fields() >= {"note", "total"}
    assert signalkit.changes(built) == {}
    built.note = "assigned"
    assert signalkit.has_changed(built, "note")


def test_from_db_fetch_mode_behaves_as_djangos(order: Order) -> None:
    # fetch_mode= exists from Django 6.1; before, it is refused the same way with or
    # without tracking.
    names, values = _row(Order, order.pk)
    plain_names, plain_values = _row(Untracked, Untracked.objects.create().pk)
    if django_version >= (6, 1):
        from django.db.models import FETCH_PEERS  # type: ignore[attr-defined]

        built = Order.from_db("default", names, values, fetch_mode=FETCH_PEERS)
        assert built._state.fetch_mode is FETCH_PEERS
        assert signalkit.changes(built) == {}
    else:
        with pytest.raises(TypeError, match="fetch_mode") as plain:
            Untracked.from_db("default", plain_names, plain_values, fetch_mode=None)
        with pytest.raises(TypeError, match="fetch_mode") as tracked:
            Order.from_db("default", names, values, fetch_mode=None)
        assert str(tracked.value) == str(plain.value)


@pytest.mark.skipif(django_version < (6, 1), reason="fetch modes are new in Django 6.1")
def test_querysets_pass_their_fetch_mode_through_the_hook(order: Order) -> None:
    from django.db.models import FETCH_PEERS  # type: ignore[attr-defined]

    loaded = Order.objects.fetch_mode(FETCH_PEERS).get(pk=order.pk)  # type: ignore[attr-defined]
    assert loaded._state.fetch_mode is FETCH_PEERS
    assert signalkit.changes(loaded) == {}


@pytest.mark.skipif(django_version < (6, 1), reason="fetch modes are new in Django 6.1")
def test_fetch_peers_loads_deferred_fields_as_their_baseline() -> None:
    from django.db.models import FETCH_PEERS  # type: ignore[attr-defined]

    for status in ("a", "b", "c"):
        Order.objects.create(status=status, note=f"note {status}")
    loaded = list(Order.objects.fetch_mode(FETCH_PEERS).defer("note").order_by("pk"))  # type: ignore[attr-defined]
    assert loaded[0].note == "note a"  # loads note for every peer in one query
    assert all("note" in o.__dict__ for o in loaded)
    assert [signalkit.changes(o) for o in loaded] == [{}, {}, {}]
    assert [signalkit.previous(o, "note") for o in loaded] == [
        "note a",
        "note b",
        "note c",
    ]
    loaded[1].note = "edited"
    assert signalkit.changes(loaded[1]) == {"note": ("note b", "edited")}


# A model's own from_db() with the signature of Django before 6.1 ------------------------


def _old_signature_loads() -> list[tuple[str, Any]]:
    parent = OldStyleFromDb.objects.create(name="parent")
    OldStyleFromDb.objects.create(name="child", parent=parent)
    return [
        ("get", lambda: [OldStyleFromDb.objects.get(pk=parent.pk)]),
        ("iteration", lambda: list(OldStyleFromDb.objects.order_by("pk"))),
        (
            "raw",
            lambda: list(
                OldStyleFromDb.objects.raw(
                    f"SELECT * FROM {OldStyleFromDb._meta.db_table}"
                )
            ),
        ),
        (
            "select_related",
            lambda: [
                child.parent
                for child in OldStyleFromDb.objects.select_related("parent").filter(
                    parent__isnull=False
                )
            ],
        ),
    ]


def test_an_old_signature_from_db_gets_djangos_treatment() -> None:
    # Django's basic.tests.ModelFromDbTests.test_old_signature_*: 6.1 warns and calls it
    # without fetch_mode; 5.2 and 6.0 call it as they always did (and any warning fails
    # this test, the suite turning warnings into errors).
    for how, load in _old_signature_loads():
        if django_version >= (6, 1):
            from django.utils.deprecation import (  # type: ignore[attr-defined]
                RemovedInDjango2028Warning,
            )

            with pytest.warns(
                RemovedInDjango2028Warning, match="must accept a fetch_mode"
            ):
                loaded = load()
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                loaded = load()
        assert loaded, how
        for instance in loaded:
            assert instance.loaded_by_override, how
            assert signalkit.changes(instance) == {}, how
            instance.name = "edited"
            assert signalkit.has_changed(instance, "name"), how


# Overrides of the hooked methods --------------------------------------------------------


@pytest.fixture
def overriding() -> Overriding:
    Overriding.calls.clear()
    created = Overriding.objects.create(name="abc")
    return created


def test_an_overriding_from_db_sets_the_baseline_from_the_instance(
    overriding: Overriding,
) -> None:
    loaded = Overriding.objects.get(pk=overriding.pk)
    assert loaded.name == "ABC"  # the override changed what it loaded
    assert signalkit.changes(loaded) == {}
    assert signalkit.previous(loaded, "name") == "ABC"
    assert "from_db" in Overriding.calls


def test_an_overriding_refresh_from_db_in_each_form(overriding: Overriding) -> None:
    Overriding.objects.filter(pk=overriding.pk).update(name="db")
    overriding.refresh_from_db("default", (f for f in ["name"]))
    assert overriding.name == "DB"
    assert signalkit.changes(overriding) == {}
    Overriding.objects.filter(pk=overriding.pk).update(name="again")
    overriding.refresh_from_db(fields=iter(["name"]), from_queryset=None)
    assert overriding.name == "AGAIN"
    assert signalkit.changes(overriding) == {}
    assert Overriding.calls.count("refresh_from_db") == 2


def test_an_overriding_save_base_in_each_form(overriding: Overriding) -> None:
    seen: list[dict[str, Any]] = []

    @signalkit.on_pre_save(Overriding)
    def record(sender: Any, instance: Overriding, **kwargs: Any) -> None:
        seen.append(signalkit.changes(instance))

    try:
        overriding.name = "new"
        overriding.save_base(False, False, False, "default", iter(["name"]))
        overriding.name = "newer"
        overriding.save_base(update_fields=(f for f in ["name"]))
        overriding.name = "unsaved"
        overriding.save(update_fields=[])  # Django skips the save: no signal
    finally:
        signalkit.disconnect(record)
    assert seen == [{"name": ("abc", "new")}, {"name": ("new", "newer")}]
    assert signalkit.changes(overriding) == {"name": ("newer", "unsaved")}
    assert Overriding.calls.count("save_base") == 3  # create() and the two saves
