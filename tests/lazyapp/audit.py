"""django-simple-history's wiring, ported to signalkit with lazy senders.

``HistoricalRecords`` is a model attribute whose ``contribute_to_class()`` connects a
``class_prepared`` receiver; when the model it was set on is prepared, that receiver
connects a ``post_save`` receiver (a bound method, held strongly) for that model. Here
the model is named by its ``"app_label.Model"`` string, which Django has not registered
yet at that moment.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import class_prepared

import signalkit


class AuditTrail:
    """Write an ``AuditEntry`` row for every save of the model it is set on."""

    def contribute_to_class(self, cls: type[models.Model], name: str) -> None:
        self.cls = cls
        setattr(cls, name, self)
        class_prepared.connect(self.finalize, weak=False)

    def finalize(self, sender: type[models.Model], **kwargs: Any) -> None:
        if sender is not self.cls:
            return
        signalkit.on_post_save(sender._meta.label)(self.post_save)

    def post_save(self, instance: models.Model, created: bool, **kwargs: Any) -> None:
        from tests.lazyapp.models import AuditEntry

        AuditEntry.objects.create(
            model=instance._meta.label, object_pk=instance.pk, created=created
        )
