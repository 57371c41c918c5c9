"""Tests of the accounts app: the profile and the welcome e-mail made by its receivers.

The welcome e-mail is a ``task=True`` receiver. The example's settings run tasks with the
Tasks framework's ``ImmediateBackend``: the task is enqueued, and so runs, when the
sign-up's transaction commits. In a ``TestCase``, ``captureOnCommitCallbacks(execute=True)``
plays that commit.

Run with ``python example_project/manage.py test accounts`` from the repository root.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from importlib.util import find_spec
from io import StringIO
from smtplib import SMTPException
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase, TransactionTestCase, override_settings
from django.urls import reverse

from accounts.models import Profile
from events.models import Event

User = get_user_model()

# Django's Tasks framework on Django 6.0+, the django-tasks backport on 5.2.
TASKS = "django.tasks" if find_spec("django.tasks") else "django_tasks"
task_finished = import_module(f"{TASKS}.signals").task_finished
TaskResultStatus = import_module(f"{TASKS}.base").TaskResultStatus

# The default hasher is slow on purpose; these tests only need passwords to work.
fast_hashing = override_settings(
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
)

PASSWORD = "Sup3r-secret-pw"


def signup_data(
    username: str = "alice", email: str = "alice@example.com"
) -> dict[str, str]:
    return {
        "username": username,
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
    }


def event_kinds() -> list[str]:
    return sorted(Event.objects.values_list("kind", flat=True))


def event_users() -> set[int | None]:
    """The primary keys of the users the events are about (who may see them)."""
    return set(Event.objects.values_list("user", flat=True))


@contextmanager
def finished_tasks() -> Iterator[list]:
    """The result of every task the Tasks framework finishes inside the block."""
    results = []

    def on_finished(sender, task_result, **kwargs):
        results.append(task_result)

    task_finished.connect(on_finished)
    try:
        yield results
    finally:
        task_finished.disconnect(on_finished)


@contextmanager
def quiet_tasks_console() -> Iterator[StringIO]:
    """Send what the Tasks framework's logger prints on the console to a buffer instead,
    keeping its other handlers (the one that records errors as events)."""
    buffer = StringIO()
    streams = [
        (handler, handler.setStream(buffer))
        for handler in logging.getLogger(TASKS).handlers
        if type(handler) is logging.StreamHandler
    ]
    try:
        yield buffer
    finally:
        for handler, stream in streams:
            handler.setStream(stream)


@fast_hashing
class SignUpTests(TestCase):
    def test_signup_creates_profile_and_sends_one_welcome_mail_after_commit(
        self,
    ) -> None:
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            response = self.client.post(reverse("signup"), signup_data())
            self.assertRedirects(response, reverse("profile"))
            user = User.objects.get(username="alice")
            # create_profile runs inside the sign-up's transaction...
            self.assertTrue(Profile.objects.filter(user=user).exists())
            # ...while the welcome e-mail's task waits for the commit.
            self.assertEqual(mail.outbox, [])

        # One on_commit callback, which enqueued the task: ImmediateBackend ran it.
        self.assertEqual(len(callbacks), 1)
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["alice@example.com"])
        self.assertEqual(message.subject, "Welcome to the signalkit shop")
        self.assertEqual(message.from_email, "shop@example.com")
        self.assertIn("Hello alice", message.body)
        self.assertEqual(Profile.objects.filter(user=user).count(), 1)
        self.assertEqual(event_kinds(), ["email.sent", "profile.created"])
        # Both name alice (one her address): they are hers to see, and staff's.
        self.assertEqual(event_users(), {user.pk})

    def test_signup_logs_the_user_in(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("signup"), signup_data())
        response = self.client.get(reverse("profile"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["user"].get_username(), "alice")

    def test_signup_without_email_sends_no_mail(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("signup"), signup_data(email=""))
        self.assertRedirects(response, reverse("profile"))
        self.assertEqual(mail.outbox, [])
        self.assertTrue(Profile.objects.filter(user__username="alice").exists())
        self.assertEqual(event_kinds(), ["email.skipped", "profile.created"])
        self.assertEqual(event_users(), {User.objects.get(username="alice").pk})

    def test_invalid_signup_creates_nothing(self) -> None:
        data = signup_data()
        data["password2"] = "something-else-entirely"
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            response = self.client.post(reverse("signup"), data)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(User.objects.exists())
        self.assertFalse(Profile.objects.exists())
        self.assertEqual(callbacks, [])
        self.assertEqual(mail.outbox, [])

    def test_rolled_back_signup_sends_no_mail(self) -> None:
        with (
            finished_tasks() as results,
            self.captureOnCommitCallbacks(execute=True) as callbacks,
            self.assertRaises(RuntimeError),
            transaction.atomic(),
        ):
            User.objects.create_user("ghost", "ghost@example.com", PASSWORD)
            # The profile exists inside the transaction...
            self.assertTrue(Profile.objects.filter(user__username="ghost").exists())
            raise RuntimeError("roll the sign-up back")

        # ...and goes with it; the task's enqueue was dropped with the savepoint.
        self.assertEqual(callbacks, [])
        self.assertEqual(results, [])
        self.assertEqual(mail.outbox, [])
        self.assertFalse(User.objects.filter(username="ghost").exists())
        self.assertFalse(Profile.objects.exists())
        self.assertEqual(event_kinds(), [])

    def test_saving_an_existing_user_makes_no_second_profile_or_mail(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            user = User.objects.create_user("bob", "bob@example.com", PASSWORD)
        self.assertEqual(len(mail.outbox), 1)

        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            user.email = "robert@example.com"
            user.save()
            user.set_password("An0ther-secret-pw")
            user.save(update_fields=["password"])

        self.assertEqual(callbacks, [])
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(Profile.objects.filter(user=user).count(), 1)
        self.assertEqual(event_kinds(), ["email.sent", "profile.created"])


@fast_hashing
class WelcomeTaskTests(TestCase):
    """``send_welcome_email`` runs through the Tasks framework (``task=True``)."""

    def test_settings_run_tasks_in_process_and_silence_w003(self) -> None:
        self.assertEqual(settings.SIGNALKIT["TASK_BACKEND"], "default")
        self.assertEqual(
            settings.TASKS["default"]["BACKEND"],
            f"{TASKS}.backends.immediate.ImmediateBackend",
        )
        self.assertIn("signalkit.W003", settings.SILENCED_SYSTEM_CHECKS)

    def test_the_mail_is_sent_by_one_task_after_commit(self) -> None:
        with finished_tasks() as results, self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("signup"), signup_data())
            self.assertEqual(results, [])  # nothing is enqueued before the commit

        self.assertEqual(len(results), 1)
        result = results[0]
        self.assertEqual(result.task.module_path, "signalkit.tasks.run_receiver")
        self.assertEqual(result.args[0], "accounts.signals.send_welcome_email")
        self.assertEqual(result.backend, "default")
        self.assertEqual(result.status, TaskResultStatus.SUCCESSFUL)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["alice@example.com"])

    def test_the_task_gets_the_user_as_it_was_saved(self) -> None:
        calls = []
        real = import_module("accounts.signals").send_mail

        def spy(**kwargs):
            calls.append(kwargs)
            return real(**kwargs)

        with (
            mock.patch("accounts.signals.send_mail", side_effect=spy),
            self.captureOnCommitCallbacks(execute=True),
        ):
            user = User.objects.create_user("bob", "bob@example.com", PASSWORD)
            # Changed after the save, before the commit: the task does not see it.
            user.email = "changed@example.com"
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0]["recipient_list"], ["bob@example.com"])

    def test_a_failing_mail_server_does_not_break_the_signup(self) -> None:
        with (
            mock.patch(
                "accounts.signals.send_mail",
                side_effect=SMTPException("mail server down"),
            ),
            quiet_tasks_console() as console,
            finished_tasks() as results,
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.client.post(reverse("signup"), signup_data())

        self.assertRedirects(response, reverse("profile"))
        self.assertTrue(Profile.objects.filter(user__username="alice").exists())
        self.assertEqual(mail.outbox, [])
        self.assertEqual([r.status for r in results], [TaskResultStatus.FAILED])
        # The Tasks framework logged the failure; the LOGGING setting records it as an
        # event too, so the events page shows it.
        self.assertIn("SMTPException: mail server down", console.getvalue())
        self.assertEqual(event_kinds(), ["log.error", "profile.created"])
        error = Event.objects.get(kind="log.error")
        self.assertIn("SMTPException: mail server down", error.message)
        # A logged error is about nobody in particular and may quote anything: staff only.
        self.assertIsNone(error.user)


@fast_hashing
class FixtureTests(TestCase):
    def test_loaddata_creates_no_profile_and_sends_no_mail(self) -> None:
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            call_command("loaddata", "raw_user", verbosity=0, stdout=StringIO())

        user = User.objects.get(pk=4242)
        self.assertEqual(user.get_username(), "fixture-user")
        self.assertFalse(Profile.objects.filter(user=user).exists())
        self.assertEqual(callbacks, [])
        self.assertEqual(mail.outbox, [])
        self.assertEqual(event_kinds(), [])

    def test_profile_page_of_a_fixture_user_says_there_is_no_profile(self) -> None:
        call_command("loaddata", "raw_user", verbosity=0, stdout=StringIO())
        self.client.force_login(User.objects.get(pk=4242))
        response = self.client.get(reverse("profile"))
        self.assertEqual(response.status_code, 200)
        self.assertIsNone(response.context["profile"])
        self.assertContains(response, "You have no profile")


@fast_hashing
class ProfilePageTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.user = User.objects.create_user("carol", "carol@example.com", PASSWORD)
        cls.user.profile.bio = "Likes signals."
        cls.user.profile.save()

    def test_requires_login(self) -> None:
        response = self.client.get(reverse("profile"))
        self.assertRedirects(response, f"{reverse('login')}?next={reverse('profile')}")

    def test_shows_the_profile(self) -> None:
        self.client.force_login(self.user)
        response = self.client.get(reverse("profile"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["profile"], self.user.profile)
        self.assertContains(response, "<h1>carol</h1>", html=True)
        self.assertContains(response, "carol@example.com")
        self.assertContains(response, "Likes signals.")
        self.assertContains(response, "accounts.signals.create_profile")


@fast_hashing
class CommittedSignUpTests(TransactionTestCase):
    """With real transactions: no captureOnCommitCallbacks, the commit itself sends."""

    def test_committed_signup_sends_one_mail(self) -> None:
        response = self.client.post(reverse("signup"), signup_data())
        self.assertRedirects(response, reverse("profile"))
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["alice@example.com"])
        self.assertEqual(Profile.objects.filter(user__username="alice").count(), 1)

    def test_rolled_back_signup_sends_no_mail(self) -> None:
        with self.assertRaises(RuntimeError), transaction.atomic():
            User.objects.create_user("ghost", "ghost@example.com", PASSWORD)
            raise RuntimeError("roll the sign-up back")
        self.assertEqual(mail.outbox, [])
        self.assertFalse(User.objects.exists())
        self.assertFalse(Profile.objects.exists())
        self.assertFalse(Event.objects.exists())
