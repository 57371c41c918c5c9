from __future__ import annotations

from django.db import models

from tests.lazyapp import wiring
from tests.lazyapp.audit import AuditTrail

# Connected while this module is imported, before the models below exist.
for _label in wiring.LABELS:
    wiring.connect("import", _label)


class Reading(models.Model):
    value = models.IntegerField(default=0)

    class Meta:
        abstract = True


class Gauge(Reading):
    name = models.CharField(max_length=50)
    history = AuditTrail()


class GaugeProxy(Gauge):
    history = AuditTrail()

    class Meta:
        proxy = True


class AuditEntry(models.Model):
    model = models.CharField(max_length=100)
    object_pk = models.BigIntegerField()
    created = models.BooleanField()
