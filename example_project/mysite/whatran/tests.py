"""Tests of the "What just ran" panel: the recording, the report, the middleware that keeps
it for the next page, the templates that show it, and the source listings.

The site's settings turn the panel on with DEBUG, which Django's test runner turns off:
the tests that want it say ``override_settings(DEBUG=True)``. Receivers that run at the
commit (``on_commit=True``, ``task=True``) run within a request only when the request
really commits, so the tests of whole requests are ``TransactionTestCase``s.

Run with ``python example_project/manage.py test mysite.whatran`` from the repository root.
"""

from __future__ import annotations

import inspect
from decimal import Decimal
from importlib.util import find_spec
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.core import mail
from django.template.loader import render_to_string
from django.test import SimpleTestCase, TestCase, TransactionTestCase, override_settings
from django.urls import reverse

import shop.signals
from accounts.signals import create_profile
from events.models import Event
from mysite.whatran import report, source
from mysite.whatran.context_processors import Pending
from mysite.whatran.middleware import SESSION_KEY
from mysite.whatran.project import app_configs, is_project_code
from mysite.whatran.recorder import recording
from shop.models import Order
from shop.tests import quiet_console

User = get_user_model()

TASKS = "django.tasks" if find_spec("django.tasks") else "django_tasks"
PASSWORD = "Sup3r-secret-pw"

fast_hashing = override_settings(
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
)
panel_on = override_settings(DEBUG=True)


def paths(data: dict[str, Any] | None) -> list[str]:
    assert data is not None, "no report"
    return [run["path"] for run in data["receivers"]]


def run_of(data: dict[str, Any] | None, path: str) -> dict[str, Any]:
    assert data is not None, "no report"
    (found,) = [run for run in data["receivers"] if run["path"] == path]
    return found


def messages(events: list[dict[str, str]]) -> list[str]:
    return [event["message"] for event in events]


def build(recorded: Any, user: Any) -> dict[str, Any] | None:
    return report.build(recorded, user, request="POST /test/", view="tests.view")


@fast_hashing
class RecordingTests(TestCase):
    """``recorder.recording()`` and ``report.build()``, around plain code."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.alice = User.objects.create_user("alice", "alice@example.com", PASSWORD)
        cls.bob = User.objects.create_user("bob", "bob@example.com", PASSWORD)
        cls.staff = User.objects.create_superuser("root", "root@example.com", PASSWORD)

    def test_a_sign_up_lists_both_receivers_with_what_each_did(self) -> None:
        with recording() as recorded, self.captureOnCommitCallbacks(execute=True):
            carol = User.objects.create_user("carol", "carol@example.com", PASSWORD)
        data = build(recorded, carol)
        self.assertEqual(
            paths(data),
            ["accounts.signals.create_profile", "accounts.signals.send_welcome_email"],
        )
        profile = run_of(data, "accounts.signals.create_profile")
        self.assertEqual(messages(profile["events"]), ["Created the profile of carol."])
        self.assertEqual(profile["signal"], "post_save")
        self.assertEqual(profile["sender"], "auth.User")
        self.assertEqual(profile["how"], "ran when the signal was sent")
        self.assertEqual(profile["error"], "")
        self.assertGreaterEqual(profile["ms"], 0)
        welcome = run_of(data, "accounts.signals.send_welcome_email")
        self.assertEqual(
            messages(welcome["events"]),
            ["Sent the welcome e-mail to carol@example.com."],
        )
        self.assertEqual(welcome["how"], "ran in a task, after the commit")
        self.assertTrue(welcome["robust"])
        self.assertEqual(len(mail.outbox), 1)

    def test_each_receiver_comes_with_its_source(self) -> None:
        with recording() as recorded:
            User.objects.create_user("carol")
        profile = run_of(build(recorded, self.staff), "accounts.signals.create_profile")
        self.assertEqual(profile["file"], "accounts/signals.py")
        decorator, code = profile["parts"]
        self.assertEqual(decorator[1], True)
        self.assertTrue(decorator[0].startswith("@signalkit.on_post_save(\n"))
        self.assertEqual(code[1], False)
        self.assertTrue(
            code[0].startswith("def create_profile(sender, instance, **kwargs):")
        )
        lines, start = inspect.getsourcelines(create_profile)
        self.assertEqual(profile["line"], start + decorator[0].count("\n"))
        self.assertEqual(decorator[0] + code[0], "".join(lines))

    def test_a_payment_lists_the_status_change_the_payment_and_the_warehouse(
        self,
    ) -> None:
        order = Order.objects.create(customer=self.alice, total=Decimal("12.50"))
        with recording() as recorded, self.captureOnCommitCallbacks(execute=True):
            order.mark_paid()
        data = build(recorded, self.alice)
        self.assertEqual(
            paths(data),
            [
                "shop.signals.record_status_change",
                "shop.signals.record_payment",
                "shop.signals.notify_warehouse",
            ],
        )
        status = run_of(data, "shop.signals.record_status_change")
        self.assertEqual(
            messages(status["events"]), [f"Order #{order.pk}: draft → paid."]
        )
        payment = run_of(data, "shop.signals.record_payment")
        self.assertEqual(payment["signal"], "order_paid")
        self.assertEqual(payment["how"], "ran when the signal was sent")
        warehouse = run_of(data, "shop.signals.notify_warehouse")
        self.assertEqual(warehouse["how"], "ran after the commit")
        self.assertEqual(
            messages(warehouse["events"]),
            [f"Warehouse told to ship order #{order.pk}."],
        )

    def test_a_robust_receiver_that_raised_shows_the_error(self) -> None:
        order = Order.objects.create(customer=self.alice, total=Decimal("0.00"))
        with (
            quiet_console(),
            recording() as recorded,
            self.captureOnCommitCallbacks(execute=True),
        ):
            order.mark_paid()
        data = build(recorded, self.alice)
        warehouse = run_of(data, "shop.signals.notify_warehouse")
        self.assertEqual(
            warehouse["error"],
            f"WarehouseUnavailable: the warehouse refuses to ship order #{order.pk}: "
            f"total is 0",
        )
        self.assertTrue(warehouse["robust"])
        self.assertEqual(warehouse["events"], [])
        # signalkit logged the error, which the LOGGING setting records as an event about
        # nobody: written by no receiver, and for staff only, as on the events page.
        assert data is not None
        self.assertEqual(data["others"], [])
        self.assertEqual(data["hidden"], 1)
        staff_data = build(recorded, self.staff)
        assert staff_data is not None
        self.assertEqual(len(staff_data["others"]), 1)
        self.assertEqual(staff_data["others"][0]["kind"], "log.error")
        self.assertIn("WarehouseUnavailable", staff_data["others"][0]["message"])
        self.assertEqual(staff_data["hidden"], 0)

    def test_a_receiver_that_ran_twice_is_listed_twice_each_with_its_event(
        self,
    ) -> None:
        with recording() as recorded:
            first = Order.objects.create(customer=self.alice, total=Decimal("1.00"))
            second = Order.objects.create(customer=self.alice, total=Decimal("2.00"))
        data = build(recorded, self.alice)
        assert data is not None
        self.assertEqual(
            [messages(run["events"]) for run in data["receivers"]],
            [
                [f"Order #{first.pk} (1.00) created."],
                [f"Order #{second.pk} (2.00) created."],
            ],
        )

    def test_events_about_other_users_are_counted_not_shown(self) -> None:
        mine = Order.objects.create(customer=self.alice, status=Order.Status.PAID)
        Order.objects.create(customer=self.bob, status=Order.Status.PAID)
        with recording() as recorded:
            Order.objects.filter(status=Order.Status.PAID).update(
                status=Order.Status.SHIPPED
            )
        bulk = run_of(
            build(recorded, self.alice), "shop.signals.record_bulk_status_change"
        )
        self.assertEqual(
            messages(bulk["events"]),
            [f"1 order(s) set to shipped in one update(): #{mine.pk}."],
        )
        self.assertEqual(bulk["hidden"], 1)
        self.assertEqual(bulk["signal"], "post_update")
        seen_by_staff = run_of(
            build(recorded, self.staff), "shop.signals.record_bulk_status_change"
        )
        self.assertEqual(len(seen_by_staff["events"]), 2)
        self.assertEqual(seen_by_staff["hidden"], 0)

    def test_receivers_their_conditions_turned_down_are_not_listed(self) -> None:
        order = Order.objects.create(customer=self.alice)
        with recording() as recorded:
            order.save()  # not created, status and total unchanged: no receiver runs
        self.assertIsNone(build(recorded, self.alice))

    def test_only_the_projects_own_receivers_are_listed(self) -> None:
        with recording() as recorded:
            user_logged_in.send(sender=User, request=None, user=self.alice)
        # Django's update_last_login ran, and the trace saw it; the panel leaves it out.
        self.assertIn(
            "update_last_login", [run.receiver.__name__ for run in recorded.runs]
        )
        self.assertIsNone(build(recorded, self.alice))

    def test_nothing_is_recorded_outside_a_recording(self) -> None:
        with recording() as recorded:
            pass
        Order.objects.create(customer=self.alice)
        self.assertEqual(recorded.runs, [])
        self.assertEqual(recorded.events, [])

    @override_settings(
        TASKS={"default": {"BACKEND": f"{TASKS}.backends.dummy.DummyBackend"}}
    )
    def test_a_task_left_for_a_worker_is_shown_as_queued(self) -> None:
        with recording() as recorded, self.captureOnCommitCallbacks(execute=True):
            carol = User.objects.create_user("carol", "carol@example.com", PASSWORD)
        welcome = run_of(build(recorded, carol), "accounts.signals.send_welcome_email")
        self.assertEqual(welcome["how"], "queued for a worker (default backend)")
        self.assertIsNone(welcome["ms"])
        self.assertEqual(welcome["events"], [])
        self.assertEqual(mail.outbox, [])


class ProjectCodeTests(SimpleTestCase):
    def test_the_apps_of_example_project_are_the_projects(self) -> None:
        self.assertEqual(
            [config.label for config in app_configs()], ["events", "accounts", "shop"]
        )

    def test_receivers_of_the_apps_are_project_code_django_and_signalkit_are_not(
        self,
    ) -> None:
        from django.contrib.auth.models import update_last_login

        import signalkit

        self.assertTrue(is_project_code(create_profile))
        self.assertTrue(is_project_code(shop.signals.notify_warehouse))
        self.assertFalse(is_project_code(update_last_login))
        self.assertFalse(is_project_code(signalkit.receiver))
        self.assertFalse(is_project_code(report.build))  # mysite is not an app


def _identity(func: Any) -> Any:
    return func


class SourceTests(SimpleTestCase):
    def test_a_module_is_its_whole_source_with_the_decorators_set_apart(self) -> None:
        module = source.of_module(shop.signals)
        self.assertEqual(module.file, "shop/signals.py")
        self.assertEqual(
            "".join(text for text, _ in module.parts), inspect.getsource(shop.signals)
        )
        decorators = [text for text, is_decorator in module.parts if is_decorator]
        # One run of decorator lines per receiver of the module.
        self.assertEqual(len(decorators), 6)
        self.assertTrue(all(text.startswith("@signalkit.") for text in decorators))
        self.assertIn(
            '@signalkit.receiver(order_paid, sender="shop.Order", on_commit=True, '
            "robust=True)\n",
            decorators,
        )

    def test_a_nested_function_is_shown_from_the_first_column(self) -> None:
        @_identity
        def nested(sender: Any, **kwargs: Any) -> None:
            """A receiver defined in a function."""

            return None

        found = source.of_function(nested)
        decorator, code = found.parts
        self.assertEqual(decorator, ["@_identity\n", True])
        self.assertEqual(
            code[0],
            "def nested(sender: Any, **kwargs: Any) -> None:\n"
            '    """A receiver defined in a function."""\n'
            "\n"
            "    return None\n",
        )
        self.assertEqual(found.file, "mysite/whatran/tests.py")

    def test_an_undecorated_function_has_no_decorator_part(self) -> None:
        found = source.of_function(_identity)
        self.assertEqual(len(found.parts), 1)
        self.assertEqual(found.parts[0][1], False)
        self.assertEqual(found.line, inspect.getsourcelines(_identity)[1])


class PanelTemplateTests(SimpleTestCase):
    """``whatran/panel.html``: everything it shows is escaped."""

    HOSTILE = '<script>alert("x")</script>'

    def render(self, data: dict[str, Any] | None) -> str:
        class Stub:
            report = data

        return render_to_string("whatran/panel.html", {"what_ran": Stub()})

    def report(self) -> dict[str, Any]:
        return {
            "request": f"POST /{self.HOSTILE}/",
            "view": self.HOSTILE,
            "receivers": [
                {
                    "path": self.HOSTILE,
                    "signal": self.HOSTILE,
                    "sender": self.HOSTILE,
                    "how": "ran when the signal was sent",
                    "ms": 1.5,
                    "error": self.HOSTILE,
                    "robust": True,
                    "file": self.HOSTILE,
                    "line": 3,
                    "parts": [[f"@d({self.HOSTILE})\n", True], [self.HOSTILE, False]],
                    "events": [{"kind": self.HOSTILE, "message": self.HOSTILE}],
                    "hidden": 2,
                }
            ],
            "others": [{"kind": self.HOSTILE, "message": self.HOSTILE}],
            "hidden": 1,
        }

    def test_everything_is_escaped(self) -> None:
        html = self.render(self.report())
        self.assertNotIn("<script>", html)
        escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
        self.assertEqual(html.count(escaped), 13)
        self.assertIn(f'<span class="decorator">@d({escaped})\n</span>{escaped}', html)

    def test_it_shows_the_receiver_its_outcome_and_the_hidden_counts(self) -> None:
        data = self.report()
        data["receivers"][0].update(path="shop.signals.x", error="ValueError: no")
        html = self.render(data)
        self.assertIn("What just ran", html)
        self.assertIn("ran 1 receiver:", html)
        self.assertIn('<code class="whatran-path">shop.signals.x</code>', html)
        self.assertIn("ran when the signal was sent · 1.50 ms", html)
        self.assertIn("<code>ValueError: no</code>", html)
        self.assertIn("signalkit logged the error and the request went on", html)
        self.assertIn("and 2 more events that only staff see", html)
        self.assertIn("1 event that only staff see", html)

    def test_no_report_no_panel(self) -> None:
        self.assertEqual(self.render(None).strip(), "")


class PendingTests(TestCase):
    def test_the_report_leaves_the_session_when_a_template_asks_for_it(self) -> None:
        session = self.client.session
        session[SESSION_KEY] = {"receivers": []}
        request = type("Request", (), {"session": session})()
        pending = Pending(request)  # type: ignore[arg-type]
        self.assertIn(SESSION_KEY, session)
        self.assertEqual(pending.report, {"receivers": []})
        self.assertNotIn(SESSION_KEY, session)
        self.assertEqual(pending.report, {"receivers": []})  # the page asks twice


@fast_hashing
@panel_on
class WhatRanPageTests(TransactionTestCase):
    """Whole requests: the POST records, the page it redirects to shows the panel."""

    def setUp(self) -> None:
        self.alice = User.objects.create_user("alice", "alice@example.com", PASSWORD)
        Event.objects.all().delete()
        mail.outbox.clear()

    def sign_up(self, **data: str):
        form = {
            "username": "carol",
            "email": "carol@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            **data,
        }
        return self.client.post(reverse("signup"), form, follow=True)

    def test_after_sign_up_the_profile_shows_both_receivers_with_their_source(
        self,
    ) -> None:
        response = self.sign_up()
        self.assertRedirects(response, reverse("profile"))
        self.assertContains(response, "What just ran")
        self.assertContains(response, "<code>POST /accounts/signup/</code>", html=True)
        self.assertContains(
            response,
            '<code class="whatran-path">accounts.signals.create_profile</code>',
            html=True,
        )
        self.assertContains(response, "Created the profile of carol.")
        self.assertContains(response, "def create_profile(sender, instance, **kwargs):")
        # The source is escaped, never raw HTML.
        self.assertContains(response, "f&quot;Created the profile of")
        self.assertNotContains(response, 'f"Created the profile of')
        self.assertContains(response, "accounts.signals.send_welcome_email")
        self.assertContains(response, "ran in a task, after the commit")
        self.assertContains(response, "Sent the welcome e-mail to carol@example.com.")
        self.assertEqual(len(mail.outbox), 1)

    def test_the_panel_shows_once(self) -> None:
        self.sign_up()
        response = self.client.get(reverse("profile"))
        self.assertNotContains(response, "What just ran")
        self.assertNotIn(SESSION_KEY, self.client.session)

    def test_paying_an_order_shows_the_payment_receivers(self) -> None:
        order = Order.objects.create(customer=self.alice, total=Decimal("12.50"))
        self.client.force_login(self.alice)
        response = self.client.post(reverse("order_pay", args=[order.pk]), follow=True)
        self.assertRedirects(response, reverse("orders"))
        content = response.content.decode()
        positions = [
            content.index(f'<code class="whatran-path">shop.signals.{name}</code>')
            for name in ("record_status_change", "record_payment", "notify_warehouse")
        ]
        self.assertEqual(positions, sorted(positions))
        self.assertContains(response, f"Order #{order.pk} paid by alice: 12.50.")
        self.assertContains(response, "ran after the commit")
        self.assertContains(response, f"Warehouse told to ship order #{order.pk}.")
        self.assertContains(response, "def record_payment(sender, order, **kwargs):")

    def test_a_failing_robust_receiver_is_shown_and_the_logged_error_is_not(
        self,
    ) -> None:
        order = Order.objects.create(customer=self.alice, total=Decimal("0.00"))
        self.client.force_login(self.alice)
        with quiet_console():
            response = self.client.post(
                reverse("order_pay", args=[order.pk]), follow=True
            )
        self.assertContains(
            response,
            f"<code>WarehouseUnavailable: the warehouse refuses to ship order "
            f"#{order.pk}: total is 0</code>",
            html=True,
        )
        self.assertContains(response, "1 event that only staff see")
        self.assertNotContains(response, "log.error")

    def test_creating_and_shipping_orders_show_their_receivers(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post(
            reverse("order_create"), {"total": "3.00"}, follow=True
        )
        self.assertContains(response, "shop.signals.record_new_order")
        order = Order.objects.get()
        order.status = Order.Status.PAID
        order.save()
        response = self.client.post(reverse("orders_ship"), follow=True)
        self.assertContains(response, "shop.signals.record_bulk_status_change")
        self.assertContains(
            response, f"1 order(s) set to shipped in one update(): #{order.pk}."
        )
        self.assertContains(response, "post_update · shop.Order")

    def test_an_admin_action_shows_the_panel_in_the_admin(self) -> None:
        order = Order.objects.create(customer=self.alice, status=Order.Status.PAID)
        staff = User.objects.create_superuser("root", "root@example.com", PASSWORD)
        self.client.force_login(staff)
        response = self.client.post(
            reverse("admin:shop_order_changelist"),
            {"action": "ship_paid", "_selected_action": [order.pk]},
            follow=True,
        )
        self.assertContains(response, "1 order(s) marked shipped.")
        self.assertContains(response, "What just ran")
        self.assertContains(response, "shop.signals.record_bulk_status_change")
        # Staff see events about every user, as on the events page.
        self.assertContains(
            response, f"1 order(s) set to shipped in one update(): #{order.pk}."
        )

    def test_a_post_that_shows_a_page_itself_keeps_nothing(self) -> None:
        self.client.force_login(self.alice)
        with self.assertLogs("django.request", "WARNING"):
            response = self.client.post(reverse("order_create"), {"total": "-1"})
        self.assertEqual(response.status_code, 400)
        self.assertNotIn(SESSION_KEY, self.client.session)

    def test_an_anonymous_visitors_post_keeps_nothing(self) -> None:
        response = self.client.post(
            reverse("login"), {"username": "alice", "password": "wrong"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotIn(SESSION_KEY, self.client.session)
        response = self.sign_up(password2="something-else-entirely")
        self.assertNotContains(response, "What just ran")

    @override_settings(DEBUG=False)
    def test_with_debug_off_there_is_no_panel(self) -> None:
        response = self.sign_up()
        self.assertRedirects(response, reverse("profile"))
        self.assertNotContains(response, "What just ran")
        self.assertNotIn(SESSION_KEY, self.client.session)
