"""Receivers for new users. Nothing imports this module: signalkit's autodiscovery does.

Both receivers use ``settings.AUTH_USER_MODEL`` as a lazy sender, and skip ``raw`` saves,
so ``loaddata`` of a fixture never creates profiles or sends e-mail behind its back. The
welcome e-mail is a background receiver (``task=True``), so it must stay a module-level
function a worker can import as ``accounts.signals.send_welcome_email``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

import signalkit
from accounts.models import Profile
from events.models import Event


@signalkit.on_post_save(
    settings.AUTH_USER_MODEL, created=True, when=lambda raw, **kw: not raw
)
def create_profile(sender, instance, **kwargs):
    """Give every new user a profile (idempotent: a second call changes nothing)."""
    _profile, created = Profile.objects.get_or_create(user=instance)
    if created:
        Event.record(
            "profile.created",
            f"Created the profile of {instance.get_username()}.",
            user_id=instance.pk,
        )


@signalkit.on_post_save(
    settings.AUTH_USER_MODEL,
    created=True,
    when=lambda raw, **kw: not raw,
    task=True,
    robust=True,
)
def send_welcome_email(sender, instance, **kwargs):
    """E-mail a new user from a background task, once the sign-up has committed.

    ``task=True`` sends it to the Tasks backend ``SIGNALKIT["TASK_BACKEND"]`` names
    (``"default"`` of ``settings.TASKS``); ``instance`` arrives rebuilt from the user's
    field values as they were saved. Like ``on_commit=True``, a sign-up that rolls back
    sends nothing. ``created=`` and ``when=`` are decided at save time, in the request,
    so only new users are queued at all. ``robust=True``: if queueing fails, signalkit
    logs it and the sign-up still succeeds; a task that raises is the worker's to log.

    The example's settings use Django's ``ImmediateBackend``: the task runs right after
    the commit, in the process that saved the user. See the README for a real worker.
    """
    username = instance.get_username()
    if not instance.email:
        Event.record(
            "email.skipped",
            f"{username} gave no e-mail address; no welcome e-mail.",
            user_id=instance.pk,
        )
        return
    send_mail(
        subject="Welcome to the signalkit shop",
        message=f"Hello {username},\n\nthanks for signing up.\n",
        from_email=None,  # settings.DEFAULT_FROM_EMAIL
        recipient_list=[instance.email],
    )
    Event.record(
        "email.sent",
        f"Sent the welcome e-mail to {instance.email}.",
        user_id=instance.pk,
    )
