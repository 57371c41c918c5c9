"""Contract section 4: change tracking, with ``track()``, ``changes()``, ``has_changed()``,
``previous()`` and ``changed=`` receivers (``signalkit.tracking``)."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.db.models import DEFERRED
from django.db.models.signals import post_init, post_save, pre_save

import signalkit
from signalkit import subscriptions
from tests.helpers import is_tracked
from tests.testapp.models import Author, FamousAuthor, Novelist
from tests.trackapp.models import Customer, GiftOrder, Order, RushOrder, Untracked

pytestmark = pytest.mark.django_db


@pytest.fixture
def order() -> Order:
    created = Order.objects.create(
        status="draft", total=Decimal("10.00"), data={"a": [1]}
    )
    return Order.objects.get(pk=created.pk)


def test_fresh_load_has_no_changes(
    order: Order, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        assert signalkit.changes(order) == {}
        assert not signalkit.has_changed(order, "status")
        assert signalkit.previous(order, "status") == "draft"


def test_assignment_is_a_change_compared_by_value(order: Order) -> None:
    order.status = "paid"
    order.total = Decimal("10.0")  # equal by value: not a change
    assert signalkit.changes(order) == {"status": ("draft", "paid")}
    assert signalkit.has_changed(order, "status")
    assert not signalkit.has_changed(order, "total")
    order.status = "draft"
    assert signalkit.changes(order) == {}


def test_in_place_json_mutation_is_seen(order: Order) -> None:
    order.data["a"].append(2)
    assert signalkit.changes(order) == {"data": ({"a": [1]}, {"a": [1, 2]})}


def test_foreign_keys_compare_ids_without_queries(
    order: Order, django_assert_num_queries: Any
) -> None:
    customer = Customer.objects.create(name="C")
    order.customer = customer
    with django_assert_num_queries(0):
        assert signalkit.changes(order) == {"customer": (None, customer.pk)}
        assert signalkit.has_changed(order, "customer_id")
        assert signalkit.previous(order, "customer") is None


def test_unsaved_instance_maps_every_field_but_none_to_none() -> None:
    new = Order(status="new", total=Decimal("1.00"))
    found = signalkit.changes(new)
    assert found["status"] == (None, "new")
    assert found["total"] == (None, Decimal("1.00"))
    # customer is None, as it was: not a change.
    assert set(found) == {"status", "total", "data", "note"}
    assert signalkit.previous(new, "status") is None


def test_save_moves_the_baseline(order: Order) -> None:
    order.status = "paid"
    order.save()
    assert signalkit.changes(order) == {}
    assert signalkit.previous(order, "status") == "paid"


def test_create_sets_the_baseline() -> None:
    created = Order.objects.create(status="draft")
    assert signalkit.changes(created) == {}


def test_update_fields_moves_only_those_fields(order: Order) -> None:
    order.status = "paid"
    order.note = "hello"
    order.save(update_fields=["status"])
    assert signalkit.changes(order) == {"note": ("", "hello")}


def test_receivers_see_what_the_save_changes(order: Order) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []

    def record_pre(sender: Any, instance: Order, **kwargs: Any) -> None:
        seen.append(("pre", signalkit.changes(instance)))

    def record_post(sender: Any, instance: Order, **kwargs: Any) -> None:
        seen.append(("post", signalkit.changes(instance)))

    pre_save.connect(record_pre, sender=Order)
    post_save.connect(record_post, sender=Order)
    try:
        order.status = "paid"
        order.note = "n"
        order.save(update_fields=["status"])
        order.status = "shipped"
        order.save()
    finally:
        pre_save.disconnect(record_pre, sender=Order)
        post_save.disconnect(record_post, sender=Order)
    assert seen == [
        ("pre", {"status": ("draft", "paid")}),
        ("post", {"status": ("draft", "paid")}),
        ("pre", {"status": ("paid", "shipped"), "note": ("", "n")}),
        ("post", {"status": ("paid", "shipped"), "note": ("", "n")}),
    ]


def test_refresh_from_db_resets_the_baseline_of_refreshed_fields(order: Order) -> None:
    Order.objects.filter(pk=order.pk).update(status="paid", note="x")
    order.note = "local"
    order.refresh_from_db(fields=["status"])
    assert order.status == "paid"
    assert signalkit.changes(order) == {"note": ("", "local")}
    order.refresh_from_db()
    assert signalkit.changes(order) == {}
    assert signalkit.previous(order, "note") == "x"


def test_deferred_field_not_loaded_is_not_changed(
    order: Order, django_assert_num_queries: Any
) -> None:
    partial = Order.objects.only("status").get(pk=order.pk)
    with django_assert_num_queries(0):
        assert signalkit.changes(partial) == {}
        assert signalkit.previous(partial, "note") is DEFERRED
        assert not signalkit.has_changed(partial, "note")


def test_deferred_field_assigned_after_load_is_changed(order: Order) -> None:
    partial = Order.objects.defer("note").get(pk=order.pk)
    partial.note = "new"
    assert signalkit.changes(partial) == {"note": (DEFERRED, "new")}


def test_deferred_field_loaded_on_access_becomes_the_baseline(order: Order) -> None:
    partial = Order.objects.defer("note").get(pk=order.pk)
    assert partial.note == ""
    assert signalkit.changes(partial) == {}
    assert signalkit.previous(partial, "note") == ""


def test_proxies_share_the_concrete_models_tracking(order: Order) -> None:
    rush = RushOrder.objects.get(pk=order.pk)
    rush.status = "rush"
    assert signalkit.changes(rush) == {"status": ("draft", "rush")}


def test_multi_table_children_track_inherited_fields() -> None:
    gift = GiftOrder.objects.create(status="draft", message="hi")
    loaded = GiftOrder.objects.get(pk=gift.pk)
    loaded.status = "paid"
    loaded.message = "untracked"
    assert signalkit.changes(loaded) == {"status": ("draft", "paid")}


def test_untracked_model_has_no_post_init_listener_and_no_hooks() -> None:
    assert not post_init.has_listeners(Untracked)
    assert not post_init.has_listeners(Order)  # tracking needs no post_init either
    assert "from_db" not in vars(Untracked)
    assert not is_tracked(Untracked)


def test_untracked_model_raises_with_the_fix() -> None:
    item = Untracked.objects.create()
    with pytest.raises(ValueError, match=r"signalkit\.track\('trackapp\.Untracked'\)"):
        signalkit.changes(item)


def test_untracked_field_raises_with_the_fix(order: Order) -> None:
    gift = GiftOrder(message="x")
    with pytest.raises(ValueError, match=r"fields=\['message'\]"):
        signalkit.has_changed(gift, "message")
    with pytest.raises(ValueError, match=r"'nope' of trackapp\.Order is not tracked"):
        signalkit.previous(order, "nope")


def test_tracking_an_unknown_field_raises() -> None:
    with pytest.raises(ValueError, match=r"Cannot track 'stauts' on trackapp\.Order"):
        signalkit.track(Order, fields=["stauts"])


@pytest.mark.parametrize("bad", [[], [1], 3])
def test_bad_fields_argument(bad: Any) -> None:
    with pytest.raises(TypeError, match="fields= takes a field name"):
        signalkit.track(Order, fields=bad)


def test_track_takes_one_model() -> None:
    with pytest.raises(TypeError, match="track\\(\\) takes one model"):
        signalkit.track([Order, Customer])
    with pytest.raises(ValueError, match="not of the form"):
        signalkit.track("Order")


def test_a_copy_keeps_its_own_baseline(order: Order) -> None:
    twin = copy.copy(order)
    order.status = "paid"
    order.save()
    assert signalkit.changes(order) == {}
    assert signalkit.previous(twin, "status") == "draft"
    assert signalkit.changes(twin) == {}
    twin.status = "paid"
    assert signalkit.changes(twin) == {"status": ("draft", "paid")}


# Copies and pickles made during a save ----------------------------------------------------


COPIES: dict[str, Any] = {
    "copy.copy": copy.copy,
    "copy.deepcopy": copy.deepcopy,
    "pickle": lambda obj: pickle.loads(pickle.dumps(obj)),
    "cache": lambda obj: (cache.set("order", obj), cache.get("order"))[1],
}


@pytest.mark.parametrize("make", COPIES.values(), ids=list(COPIES))
def test_a_copy_made_during_a_save_with_update_fields_behaves_normally(
    order: Order, make: Any
) -> None:
    made: list[Order] = []

    def keep_a_copy(sender: Any, instance: Order, **kwargs: Any) -> None:
        made.append(make(instance))

    post_save.connect(keep_a_copy, sender=Order)
    try:
        order.status = "paid"
        order.save(update_fields=["status"])
    finally:
        post_save.disconnect(keep_a_copy, sender=Order)
    twin = made[0]
    # Nothing of the save in progress travelled with the copy.
    assert not [key for key in vars(twin) if "signalkit" in key]
    # Its baseline is the one it was copied with, and every later edit is reported,
    # not only those of the fields that save wrote.
    assert signalkit.changes(twin) == {"status": ("draft", "paid")}
    twin.note = "edited later"
    twin.total = Decimal("99.00")
    assert signalkit.changes(twin) == {
        "status": ("draft", "paid"),
        "note": ("", "edited later"),
        "total": (Decimal("10.00"), Decimal("99.00")),
    }
    twin.save()
    assert signalkit.changes(twin) == {}
    again = make(twin)
    again.note = "edited on the copy of the copy"
    assert signalkit.changes(again) == {"note": ("edited later", again.note)}
    # The original moved its own baseline only.
    assert signalkit.changes(order) == {}
    order.note = "x"
    assert signalkit.changes(order) == {"note": ("", "x")}


def test_the_saved_instance_keeps_nothing_of_the_save(order: Order) -> None:
    order.status = "paid"
    order.save(update_fields=["status"])
    assert not [key for key in vars(order) if "signalkit" in key]
    order.note = "later"
    assert signalkit.changes(order) == {"note": ("", "later")}


# Bad arguments ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [123, None, object(), Order(), "shop.*", "trackapp.*"])
def test_track_says_what_it_takes(bad: Any) -> None:
    with pytest.raises(TypeError, match="track\\(\\) takes one model class") as error:
        signalkit.track(bad)
    assert "subclasses" not in str(error.value)
    assert repr(bad) in str(error.value)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda thing: signalkit.changes(thing), "changes"),
        (lambda thing: signalkit.has_changed(thing, "status"), "has_changed"),
        (lambda thing: signalkit.previous(thing, "status"), "previous"),
    ],
)
@pytest.mark.parametrize("thing", [object(), None, "order", 7, Order])
def test_questions_about_something_not_an_instance_raise_type_error(
    call: Any, name: str, thing: Any
) -> None:
    with pytest.raises(
        TypeError, match=f"signalkit.{name}\\(\\) takes a model instance"
    ):
        call(thing)


def test_the_class_instead_of_an_instance_is_named() -> None:
    with pytest.raises(TypeError, match="not the model class Order"):
        signalkit.changes(Order)


def test_a_field_that_is_not_a_string_raises_type_error(order: Order) -> None:
    with pytest.raises(TypeError, match="takes a field name"):
        signalkit.has_changed(order, 3)  # type: ignore[arg-type]


# Calling track() again ---------------------------------------------------------------------


def _subscriptions() -> tuple[int, int, int]:
    # Everything senders.py keeps per subscription: waiting strings, watchers, checked.
    waiting = sum(len(subs) for subs in subscriptions._waiting.values())
    return waiting, len(subscriptions._watchers), len(subscriptions._checked)


@pytest.mark.parametrize(
    "args",
    [
        ("trackapp.Order", ["status", "total", "data", "customer", "note"]),
        ("trackapp.order", ["note", "status", "total", "data", "customer"]),
        (Order, ["status"]),
        ("trackapp.Customer", None),
    ],
)
def test_calling_track_again_keeps_nothing_more(args: tuple[Any, Any]) -> None:
    model, fields = args
    signalkit.track(model, fields=fields)
    before = (_subscriptions(), dict(Order._signalkit_tracked))  # type: ignore[attr-defined]
    for _ in range(1000):
        signalkit.track(model, fields=fields)
    assert (_subscriptions(), dict(Order._signalkit_tracked)) == before  # type: ignore[attr-defined]
    assert signalkit.changes(Order.objects.create(status="x")) == {}


# changed= receivers ------------------------------------------------------------------------


calls: list[tuple[str, dict[str, Any]]] = []


@pytest.fixture
def on_name_change() -> Iterator[None]:
    calls.clear()

    def pre(sender: Any, instance: Author, **kwargs: Any) -> None:
        calls.append(("pre", signalkit.changes(instance)))

    def post(sender: Any, instance: Author, created: bool, **kwargs: Any) -> None:
        calls.append(("post", {"created": created}))

    signalkit.on_pre_save("testapp.Author", changed="name", subclasses=True)(pre)
    signalkit.on_post_save(Author, changed=["name"])(post)
    yield
    signalkit.disconnect(pre)
    signalkit.disconnect(post)
    calls.clear()


@pytest.mark.usefixtures("on_name_change")
def test_fires_on_insert_and_when_the_field_changes() -> None:
    author = Author.objects.create(name="a")
    assert [kind for kind, _ in calls] == ["pre", "post"]
    assert calls[1][1] == {"created": True}
    calls.clear()
    author.save()
    assert calls == []
    author.name = "b"
    author.save()
    assert calls[0] == ("pre", {"name": ("a", "b")})
    assert calls[1] == ("post", {"created": False})


@pytest.mark.usefixtures("on_name_change")
def test_does_not_fire_for_other_fields_or_unsaved_fields() -> None:
    author = Author.objects.create(name="a")
    loaded = Author.objects.get(pk=author.pk)
    calls.clear()
    loaded.name = "b"
    loaded.save(update_fields=["created_at"])
    assert calls == []
    loaded.save(update_fields=["name"])
    assert [kind for kind, _ in calls] == ["pre", "post"]


@pytest.mark.usefixtures("on_name_change")
def test_changed_turns_on_tracking_of_only_that_field_and_subclasses() -> None:
    assert is_tracked(Author)
    assert set(Author._signalkit_tracked) >= {"name"}  # type: ignore[attr-defined]
    assert not post_init.has_listeners(Author)
    novelist = Novelist.objects.create(name="n")
    calls.clear()
    novelist.name = "m"
    novelist.save()
    assert calls == [("pre", {"name": ("n", "m")})]
    proxy = FamousAuthor.objects.get(pk=novelist.pk)
    calls.clear()
    proxy.name = "p"
    proxy.save()
    assert calls == [("pre", {"name": ("m", "p")})]


def test_changed_with_an_unknown_field_raises_at_decoration() -> None:
    def receiver(sender: Any, **kwargs: Any) -> None: ...

    with pytest.raises(ValueError, match=r"Cannot track 'nmae' on testapp\.Author"):
        signalkit.on_post_save(Author, changed="nmae")(receiver)
    signalkit.disconnect(receiver)


def test_a_save_of_every_field_inside_a_save_with_update_fields_sees_every_field(
    order: Order,
) -> None:
    # The outer save writes only status; the receiver's own save of the same instance
    # writes every field, so inside it every edited field counts, not only status.
    seen: list[dict[str, Any]] = []
    saves: list[Any] = []

    def save_again(sender: Any, instance: Order, update_fields: Any, **kw: Any) -> None:
        saves.append(update_fields)
        if update_fields is not None:
            instance.note = "set during the first save"
            instance.save()

    def look(sender: Any, instance: Order, **kwargs: Any) -> None:
        seen.append(signalkit.changes(instance))

    pre_save.connect(look, sender=Order)
    post_save.connect(save_again, sender=Order)
    try:
        order.status = "paid"
        order.total = Decimal("12.00")
        order.save(update_fields=["status"])
    finally:
        pre_save.disconnect(look, sender=Order)
        post_save.disconnect(save_again, sender=Order)
    assert saves == [frozenset({"status"}), None]
    assert seen == [
        {"status": ("draft", "paid")},
        {
            "status": ("draft", "paid"),
            "total": (Decimal("10.00"), Decimal("12.00")),
            "note": ("", "set during the first save"),
        },
    ]
    assert signalkit.changes(order) == {}


def test_a_save_of_every_field_replaces_only_the_changed_values_of_the_baseline(
    order: Order,
) -> None:
    record = order._state.signalkit_snapshot
    order.save()
    # The JSON value is copied into every new record (it could be edited in place).
    assert order._state.signalkit_snapshot == record
    record = order._state.signalkit_snapshot
    order.status = "paid"
    order.save()
    assert order._state.signalkit_snapshot is not record  # replaced, never edited
    assert record[0] is order._state.signalkit_snapshot[0]  # the same layout
    assert signalkit.changes(order) == {}
    assert signalkit.previous(order, "status") == "paid"
    order.status = "cancelled"
    assert signalkit.changes(order) == {"status": ("paid", "cancelled")}
