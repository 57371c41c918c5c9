"""Models for the bulk and queryset signal tests (``tests/test_models.py``)."""

from __future__ import annotations

from django.db import models

from signalkit.models import SignalManager, SignalQuerySetMixin


class Item(models.Model):
    """Sends the bulk signals through ``SignalManager``."""

    name = models.CharField(max_length=50)
    status = models.CharField(max_length=20, default="new")
    qty = models.IntegerField(default=0)

    objects = SignalManager()


class SpecialItem(Item):
    """A proxy of Item: its querysets send with this class as sender."""

    class Meta:
        proxy = True


class Plain(models.Model):
    """Django's default manager: sends no bulk signal."""

    name = models.CharField(max_length=50)


class Box(models.Model):
    name = models.CharField(max_length=50)


class PartQuerySet(SignalQuerySetMixin, models.QuerySet["Part"]):
    """A project's own queryset, with the mixin."""

    def named(self, name: str) -> PartQuerySet:
        return self.filter(name=name)


class Part(models.Model):
    """Its default manager comes from a mixin queryset, so ``box.parts`` sends too."""

    box = models.ForeignKey(Box, models.CASCADE, related_name="parts")
    name = models.CharField(max_length=50)

    objects = PartQuerySet.as_manager()
