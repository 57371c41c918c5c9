from __future__ import annotations

from django.conf import settings
from django.db import models


class Event(models.Model):
    """One thing a receiver did: ``kind`` is a short dotted tag like ``order.paid``.

    ``user`` is the user the event is about, if any. The events page shows users only
    their own events, since messages name them and their e-mail address; events about
    nobody in particular (errors that were logged) are for staff.
    """

    kind = models.CharField(max_length=50, db_index=True)
    message = models.TextField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,  # a deleted user's events name them: they go too
        related_name="events",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"

    @classmethod
    def record(cls, kind: str, message: str, *, user_id: int | None = None) -> Event:
        """Store one event, about the user with primary key ``user_id`` if given."""
        return cls.objects.create(kind=kind, message=message, user_id=user_id)
