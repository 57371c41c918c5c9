"""How tracked values are kept and compared: files, mutable values of any field, values of
another Python type, None, expressions and deferred fields."""

from __future__ import annotations

import copy
import io
import pickle
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from django import VERSION as django_version
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db.models import DEFERRED, F
from PIL import Image

import signalkit
from signalkit import baseline
from tests.trackapp.models import Attachment, Customer, Order, SpecialStock, Stock

pytestmark = pytest.mark.django_db


# Files: the baseline is the file's name ----------------------------------------------------


def png(name: str) -> ImageFile:
    """A real 2x2 PNG image, red or blue."""
    buffer = io.BytesIO()
    color = "red" if name == "first" else "blue"
    Image.new("RGB", (2, 2), color).save(buffer, format="PNG")
    return ImageFile(io.BytesIO(buffer.getvalue()), name=f"{name}.png")


FILES: dict[str, Callable[[str], Any]] = {
    "file": lambda name: ContentFile(f"content of {name}".encode(), name=f"{name}.txt"),
    "image": png,
}


def fresh(how: str, field: str) -> Attachment:
    """An attachment with one stored file, reached the way ``how`` says."""
    created = Attachment.objects.create(title="t")
    getattr(created, field).save("first", FILES[field]("first"), save=False)
    created.save()
    if how == "create":
        made = Attachment.objects.create(title="t")
        getattr(made, field).save("first", FILES[field]("first"), save=False)
        made.save()
        return made
    if how == "save":
        return created
    if how == "refresh_from_db":
        stale = Attachment.objects.get(pk=created.pk)
        Attachment.objects.filter(pk=created.pk).update(title="db")
        stale.refresh_from_db()
        return stale
    return Attachment.objects.get(pk=created.pk)  # loaded


@pytest.mark.parametrize("field", ["file", "image"])
@pytest.mark.parametrize("how", ["create", "save", "refresh_from_db", "loaded"])
def test_a_new_file_saved_without_saving_the_instance_is_a_change(
    how: str, field: str
) -> None:
    attachment = fresh(how, field)
    old_name = getattr(attachment, field).name
    assert signalkit.changes(attachment) == {}
    assert signalkit.previous(attachment, field) == old_name
    # FieldFile.save() renames the instance's own FieldFile object in place.
    getattr(attachment, field).save("second", FILES[field]("second"), save=False)
    new_name = getattr(attachment, field).name
    assert new_name != old_name
    assert signalkit.changes(attachment) == {field: (old_name, new_name)}
    assert signalkit.has_changed(attachment, field)
    attachment.save()
    assert signalkit.changes(attachment) == {}
    assert signalkit.previous(attachment, field) == new_name


@pytest.mark.parametrize("field", ["file", "image"])
def test_a_changed_receiver_runs_for_a_new_file(field: str) -> None:
    seen: list[tuple[str, str]] = []

    def record(sender: Any, instance: Attachment, **kwargs: Any) -> None:
        seen.append(
            (signalkit.previous(instance, field), getattr(instance, field).name)
        )

    attachment = fresh("loaded", field)
    signalkit.on_post_save(Attachment, created=False, changed=field)(record)
    try:
        attachment.title = "not the file"
        attachment.save()
        assert seen == []
        old = getattr(attachment, field).name
        getattr(attachment, field).save("second", FILES[field]("second"))  # saves too
    finally:
        signalkit.disconnect(record)
    assert seen == [(old, getattr(attachment, field).name)]


@pytest.mark.parametrize("field", ["file", "image"])
def test_reading_a_file_field_is_not_a_change(field: str) -> None:
    attachment = fresh("loaded", field)
    assert getattr(attachment, field).size > 0  # the descriptor makes a FieldFile
    assert signalkit.changes(attachment) == {}
    blank = Attachment.objects.create()
    assert not getattr(blank, field)
    assert signalkit.changes(Attachment.objects.get(pk=blank.pk)) == {}


def test_a_file_assigned_under_the_same_name_is_new_content() -> None:
    attachment = fresh("loaded", "file")
    name = attachment.file.name
    attachment.file = ContentFile(b"other bytes", name=name)
    assert signalkit.changes(attachment) == {"file": (name, name)}


def test_a_file_cleared_is_a_change() -> None:
    attachment = fresh("loaded", "file")
    name = attachment.file.name
    attachment.file = None
    assert signalkit.changes(attachment) == {"file": (name, None)}


def test_an_unsaved_instance_reports_file_names() -> None:
    new = Attachment(title="t")
    assert not new.file  # the descriptor makes a FieldFile without a name
    new.image.save("first", png("first"), save=False)
    assert signalkit.changes(new) == {
        "title": (None, "t"),
        "file": (None, ""),
        "image": (None, new.image.name),
    }


# Mutable values of any field ---------------------------------------------------------------


@pytest.fixture
def stock() -> Stock:
    made = Stock.objects.create(
        name="s",
        count=3,
        price=Decimal("10.00"),
        code=uuid.UUID("12345678-1234-5678-1234-567812345678"),
        seen_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        settings={"a": {"b": 1}},
        tags=["x"],
    )
    return Stock.objects.get(pk=made.pk)


def _reached(how: str, stock: Stock) -> Stock:
    if how == "loaded":
        return stock
    if how == "refresh_from_db":
        stock.refresh_from_db()
        return stock
    stock.save()
    return stock


@pytest.mark.parametrize("how", ["loaded", "save", "refresh_from_db"])
def test_in_place_edits_of_a_third_party_json_field_are_seen(
    stock: Stock, how: str
) -> None:
    # TextJSONField subclasses TextField, and from_db_value returns dicts and lists.
    stock = _reached(how, stock)
    assert signalkit.changes(stock) == {}
    stock.settings["a"]["b"] = 2
    stock.tags.append("y")
    assert signalkit.changes(stock) == {
        "settings": ({"a": {"b": 1}}, {"a": {"b": 2}}),
        "tags": (["x"], ["x", "y"]),
    }
    stock.settings["a"]["b"] = 1
    stock.tags.pop()
    assert signalkit.changes(stock) == {}


def test_a_changed_receiver_runs_for_an_in_place_edit_of_a_loaded_row(
    stock: Stock,
) -> None:
    seen: list[Any] = []

    def record(sender: Any, instance: Stock, **kwargs: Any) -> None:
        seen.append(signalkit.changes(instance))

    signalkit.on_pre_save(Stock, changed="tags")(record)
    try:
        stock.tags.append("y")
        stock.save()
    finally:
        signalkit.disconnect(record)
    assert seen == [{"tags": (["x"], ["x", "y"])}]


# Values of another Python type ----------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price", "10.00"),
        ("price", "10"),
        ("price", 10),
        ("count", "3"),
        ("count", 3.0),
        ("count", 3.5),  # Django writes int(3.5): the same row
        ("code", "12345678-1234-5678-1234-567812345678"),
        ("code", "12345678123456781234567812345678"),
        ("seen_at", "2024-01-02T03:04:05+00:00"),
        ("name", "s"),
    ],
)
def test_the_same_stored_value_of_another_type_is_not_a_change(
    stock: Stock, field: str, value: Any
) -> None:
    setattr(stock, field, value)
    assert signalkit.changes(stock) == {}
    assert not signalkit.has_changed(stock, field)


def test_a_foreign_key_id_given_as_a_string_is_not_a_change(stock: Stock) -> None:
    customer = Customer.objects.create(name="c")
    stock.customer = customer
    stock.save()
    stock.customer_id = str(customer.pk)
    assert signalkit.changes(stock) == {}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price", "10.01"),
        ("price", Decimal("11")),
        ("count", "4"),
        ("seen_at", "2024-01-02T03:04:06+00:00"),
        ("code", None),
    ],
)
def test_another_value_of_another_type_is_a_change(
    stock: Stock, field: str, value: Any
) -> None:
    old = getattr(stock, field)
    setattr(stock, field, value)
    assert signalkit.changes(stock) == {field: (old, value)}


@pytest.mark.parametrize(
    ("field", "value"),
    [("price", "ten"), ("count", "three"), ("code", "not a uuid"), ("seen_at", "x")],
)
def test_a_value_the_field_rejects_is_a_change_never_an_error(
    stock: Stock, field: str, value: Any
) -> None:
    old = getattr(stock, field)
    setattr(stock, field, value)
    assert signalkit.changes(stock) == {field: (old, value)}
    assert signalkit.has_changed(stock, field)
    assert signalkit.previous(stock, field) == old


def test_a_changed_receiver_does_not_run_for_the_same_value_of_another_type(
    stock: Stock,
) -> None:
    seen: list[Any] = []

    def record(sender: Any, instance: Stock, **kwargs: Any) -> None:
        seen.append(signalkit.changes(instance))

    signalkit.on_post_save(Stock, changed=["price", "count"])(record)
    try:
        stock.price = "10.00"
        stock.count = "3"
        stock.save()
        assert seen == []
        stock.count = "4"
        stock.save()
    finally:
        signalkit.disconnect(record)
    # The baseline is the value the instance held when it was saved.
    assert seen == [{"count": ("3", "4")}]


def test_values_whose_comparison_raises_are_a_change(stock: Stock) -> None:
    class Incomparable(dict[str, Any]):
        def __ne__(self, other: object) -> bool:
            raise RuntimeError("no comparing")

    stock.settings = Incomparable(a={"b": 1})
    assert signalkit.has_changed(stock, "settings")


# None on both sides ---------------------------------------------------------------------


def test_none_on_both_sides_is_not_a_change() -> None:
    new = Order(status="new")
    assert new.pk is None
    found = signalkit.changes(new)
    assert "customer" not in found
    assert "id" not in found
    seen: list[dict[str, Any]] = []

    def record(sender: Any, instance: Stock, **kwargs: Any) -> None:
        seen.append(signalkit.changes(instance))

    signalkit.on_pre_save(Stock)(record)
    try:
        Stock.objects.create(name="n")
    finally:
        signalkit.disconnect(record)
    # An unsaved instance's auto primary key and null fields are not reported.
    assert seen == [
        {
            "name": (None, "n"),
            "count": (None, 0),
            "price": (None, 0),
            "settings": (None, {}),
            "tags": (None, []),
        }
    ]


# Expressions ----------------------------------------------------------------------------


def test_an_expression_is_a_change_until_the_save(stock: Stock) -> None:
    stock.count = F("count") + 1
    found = signalkit.changes(stock)
    assert list(found) == ["count"]
    assert found["count"][0] == 3
    assert found["count"][1] is stock.count
    stock.save()
    if django_version >= (6, 0):
        # Django reads the field back from the database as it saves it.
        assert stock.count == 4
        assert signalkit.changes(stock) == {}
        assert signalkit.previous(stock, "count") == 4
    else:
        # Django 5.2 leaves the expression on the instance: saving again would apply it
        # again, and the stored value is unknown until the field is refreshed.
        assert signalkit.changes(stock) == {"count": (DEFERRED, stock.count)}
        assert signalkit.previous(stock, "count") is DEFERRED
    stock.refresh_from_db(fields=["count"])
    assert signalkit.changes(stock) == {}
    assert signalkit.previous(stock, "count") == 4


# Deferred fields ------------------------------------------------------------------------


def test_deferred_fields_are_never_queried(
    stock: Stock, django_assert_num_queries: Any
) -> None:
    partial = Stock.objects.only("name").get(pk=stock.pk)
    with django_assert_num_queries(0):
        assert signalkit.changes(partial) == {}
        assert signalkit.previous(partial, "count") is DEFERRED
        partial.count = 3  # the same as in the database, but never read
        assert signalkit.changes(partial) == {"count": (DEFERRED, 3)}


def test_a_parents_primary_key_read_from_the_link_is_not_a_change() -> None:
    made = SpecialStock.objects.create(name="child", extra="e")
    partial = SpecialStock.objects.only("extra").get(pk=made.pk)
    assert "id" not in partial.__dict__
    assert partial.id == made.id  # Django copies it from stock_ptr_id, no query
    assert signalkit.changes(partial) == {}


def test_a_record_pickles_as_the_attnames_it_holds() -> None:
    snapshot = baseline.record({"status": "paid", "note": "n"})
    again = pickle.loads(pickle.dumps(snapshot))

    assert again[0] is snapshot[0] is baseline.layout(("status", "note"))
    assert baseline.held(again) == {"status": "paid", "note": "n"}
    assert copy.deepcopy(snapshot)[0] is snapshot[0]
