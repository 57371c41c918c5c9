"""Tests of the events app: the event log, its page (who sees what) and the logging handler.

Run with ``python example_project/manage.py test events`` from the repository root.
"""

from __future__ import annotations

import logging
import sys
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import TestCase, override_settings
from django.urls import reverse

from events.log import EventHandler
from events.models import Event

User = get_user_model()


def make_record(
    level: int, message: str, exc: BaseException | None = None
) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("signalkit", level, __file__, 1, message, (), exc_info)


# The default hasher is slow on purpose; these tests only need users to exist.
fast_hashing = override_settings(
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
)


class EventTests(TestCase):
    def test_record(self) -> None:
        event = Event.record("demo.thing", "Something happened.")
        self.assertEqual(Event.objects.get(), event)
        self.assertEqual(str(event), "demo.thing: Something happened.")
        self.assertIsNone(event.user)

    @fast_hashing
    def test_record_about_a_user_goes_with_the_user(self) -> None:
        user = User.objects.create_user("gina", "gina@example.com")
        Event.objects.all().delete()  # the profile.created of the sign-up
        event = Event.record("demo.thing", "About gina.", user_id=user.pk)
        self.assertEqual(event.user, user)
        self.assertEqual(list(user.events.all()), [event])
        # Its message names her: deleting her deletes it.
        user.delete()
        self.assertFalse(Event.objects.exists())


@fast_hashing
class EventPageTests(TestCase):
    """Events name users and their e-mail addresses: who may see which."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.alice = User.objects.create_user("alice", "alice@example.com")
        cls.bob = User.objects.create_user("bob", "bob@example.com")
        Event.objects.all().delete()  # the receivers' profile.created
        Event.record(
            "email.sent", "Sent to alice@example.com (first).", user_id=cls.alice.pk
        )
        Event.record(
            "email.sent", "Sent to alice@example.com (second).", user_id=cls.alice.pk
        )
        Event.record("email.sent", "Sent to bob@example.com.", user_id=cls.bob.pk)
        Event.record("log.error", "A receiver failed for bob@example.com.")

    def get_page(self, user=None):
        if user is not None:
            self.client.force_login(user)
        return self.client.get(reverse("events"))

    def test_anonymous_visitors_are_sent_to_log_in_and_see_no_event(self) -> None:
        url = reverse("events")
        response = self.client.get(url, follow=True)
        self.assertRedirects(response, f"{reverse('login')}?next={url}")
        self.assertNotContains(response, "@example.com")
        self.assertNotContains(response, "Sent to")

    def test_a_user_sees_their_own_events_newest_first(self) -> None:
        response = self.get_page(self.alice)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.context["sees_all"])
        content = response.content.decode()
        self.assertLess(
            content.index("Sent to alice@example.com (second)."),
            content.index("Sent to alice@example.com (first)."),
        )
        self.assertContains(response, "What the signal receivers did for you")

    def test_a_user_sees_no_one_elses_events_nor_the_logged_errors(self) -> None:
        response = self.get_page(self.alice)
        self.assertEqual(
            {event.user for event in response.context["event_list"]}, {self.alice}
        )
        self.assertNotContains(response, "bob")
        self.assertNotContains(response, "log.error")

    def test_staff_without_the_view_permission_see_only_their_own(self) -> None:
        self.bob.is_staff = True
        self.bob.save()
        response = self.get_page(self.bob)
        self.assertFalse(response.context["sees_all"])
        self.assertContains(response, "Sent to bob@example.com.")
        self.assertNotContains(response, "alice")
        self.assertNotContains(response, "log.error")

    def test_staff_with_the_view_permission_see_every_event(self) -> None:
        self.bob.is_staff = True
        self.bob.save()
        self.bob.user_permissions.add(
            Permission.objects.get(
                codename="view_event", content_type__app_label="events"
            )
        )
        response = self.get_page(self.bob)
        self.assertTrue(response.context["sees_all"])
        self.assertEqual(len(response.context["event_list"]), 4)
        self.assertContains(response, "Sent to alice@example.com (first).")
        self.assertContains(response, "A receiver failed for bob@example.com.")
        self.assertContains(response, "<th>User</th>", html=True)
        self.assertContains(response, "for every user")

    def test_superusers_see_every_event(self) -> None:
        admin = User.objects.create_superuser("root", "root@example.com")
        response = self.get_page(admin)
        self.assertTrue(response.context["sees_all"])
        # The four above and the profile.created of root's own creation.
        self.assertEqual(
            list(response.context["event_list"]), list(Event.objects.all())
        )
        self.assertEqual(len(response.context["event_list"]), 5)

    def test_empty_page(self) -> None:
        carol = User.objects.create_user("carol", "carol@example.com")
        Event.objects.filter(user=carol).delete()
        response = self.get_page(carol)
        self.assertContains(response, "Nothing yet")
        self.assertNotContains(response, "@example.com")

    def test_pages_of_fifty(self) -> None:
        for number in range(55):
            Event.record("demo.thing", f"Thing {number}.", user_id=self.bob.pk)
        response = self.get_page(self.bob)
        self.assertEqual(len(response.context["event_list"]), 50)
        self.assertContains(response, "Page 1 of 2")
        second = self.client.get(reverse("events"), {"page": 2})
        # 55 things and the e-mail of setUpTestData.
        self.assertEqual(len(second.context["event_list"]), 6)


class EventHandlerTests(TestCase):
    def test_records_a_log_record_with_its_exception(self) -> None:
        try:
            raise ValueError("boom")
        except ValueError:
            exc = sys.exc_info()[1]
        assert exc is not None
        EventHandler().handle(make_record(logging.ERROR, "receiver failed", exc))
        event = Event.objects.get()
        self.assertEqual(event.kind, "log.error")
        self.assertEqual(event.message, "receiver failed (ValueError: boom)")

    def test_never_raises(self) -> None:
        with mock.patch.object(Event, "record", side_effect=RuntimeError("no table")):
            EventHandler().handle(make_record(logging.WARNING, "ignored"))
        self.assertFalse(Event.objects.exists())

    def test_is_configured_on_the_signalkit_logger(self) -> None:
        handlers = logging.getLogger("signalkit").handlers
        event_handlers = [h for h in handlers if isinstance(h, EventHandler)]
        self.assertEqual(len(event_handlers), 1)
        self.assertEqual(event_handlers[0].level, logging.ERROR)
