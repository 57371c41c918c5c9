from __future__ import annotations

import json
import tempfile
from typing import Any, ClassVar

from django.core.files.storage import FileSystemStorage, Storage
from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=50)


class Order(models.Model):
    status = models.CharField(max_length=20, default="draft")
    total = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    data = models.JSONField(default=dict)
    customer = models.ForeignKey(
        Customer, models.CASCADE, null=True, related_name="orders"
    )
    note = models.TextField(default="")


class RushOrder(Order):
    """A proxy of Order."""

    class Meta:
        proxy = True


class GiftOrder(Order):
    """A multi-table child of Order."""

    message = models.CharField(max_length=100, default="")


class Untracked(models.Model):
    status = models.CharField(max_length=20, default="draft")


def file_storage() -> Storage:
    """Files of the tests go to a temporary directory of their own."""
    return _storage


_storage = FileSystemStorage(location=tempfile.mkdtemp(prefix="signalkit-files-"))


class Attachment(models.Model):
    """File fields: their baseline is the file's name."""

    title = models.CharField(max_length=50, default="")
    file = models.FileField(storage=file_storage, upload_to="docs", blank=True)
    image = models.ImageField(storage=file_storage, upload_to="images", blank=True)


class TextJSONField(models.TextField):  # type: ignore[type-arg]
    """A third-party style JSON field: a TextField whose Python values are dicts and lists."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else json.loads(value)

    def to_python(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        return None if value is None else json.dumps(value)

    def value_to_string(self, obj: Any) -> str:
        return json.dumps(self.value_from_object(obj))


class Stock(models.Model):
    """Fields of many kinds, each compared as its field stores it."""

    name = models.CharField(max_length=50, default="")
    count = models.IntegerField(default=0)
    price = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    code = models.UUIDField(null=True)
    seen_at = models.DateTimeField(null=True)
    settings = TextJSONField(default=dict)
    tags = TextJSONField(default=list)
    customer = models.ForeignKey(
        Customer, models.SET_NULL, null=True, related_name="stocks"
    )


class OldStyleFromDb(models.Model):
    """Overrides from_db() with the signature Django documented before 6.1."""

    name = models.CharField(max_length=50, default="")
    parent = models.ForeignKey(
        "self", models.SET_NULL, null=True, related_name="children"
    )

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Any:  # type: ignore[override]
        instance = super().from_db(db, field_names, values)
        instance.loaded_by_override = True
        return instance


class Overriding(models.Model):
    """Overrides each hooked method, as user models do: tracking wraps the override."""

    name = models.CharField(max_length=50, default="")
    calls: ClassVar[list[str]] = []

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any, **kwargs: Any) -> Any:
        # Loads names upper-cased: the baseline is what the instance holds.
        values = [v.upper() if isinstance(v, str) else v for v in values]
        cls.calls.append("from_db")
        return super().from_db(db, field_names, values, **kwargs)

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append("refresh_from_db")
        super().refresh_from_db(*args, **kwargs)

    def save_base(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append("save_base")
        super().save_base(*args, **kwargs)


class SpecialStock(Stock):
    """A multi-table child of Stock, tracked on all of Stock's fields with it."""

    extra = models.CharField(max_length=50, default="")
