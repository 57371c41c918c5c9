"""Tests of the shop app: the typed ``order_paid`` signal and its receivers, the
``changed="status"`` receiver, and the ``post_update`` one for "ship all paid orders".

Run with ``python example_project/manage.py test shop`` from the repository root.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase, override_settings
from django.urls import reverse

from accounts.models import Profile
from events.models import Event
from shop.models import Order
from shop.signals import WarehouseUnavailable, order_paid

User = get_user_model()

# The default hasher is slow on purpose; these tests only need passwords to work.
fast_hashing = override_settings(
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
)


def kinds() -> list[str]:
    return sorted(Event.objects.values_list("kind", flat=True))


def users() -> set[int | None]:
    """The primary keys of the users the events are about (who may see them)."""
    return set(Event.objects.values_list("user", flat=True))


@contextmanager
def quiet_console() -> Iterator[io.StringIO]:
    """Send what the ``signalkit`` logger's console handler prints to a buffer instead.

    Unlike ``assertLogs``, this keeps the configured handlers, so the ``EventHandler``
    from the LOGGING setting still records errors as events.
    """
    buffer = io.StringIO()
    streams = [
        (handler, handler.setStream(buffer))
        for handler in logging.getLogger("signalkit").handlers
        if type(handler) is logging.StreamHandler
    ]
    try:
        yield buffer
    finally:
        for handler, stream in streams:
            handler.setStream(stream)


@fast_hashing
class ShopTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.user = User.objects.create_user(
            "dora", "dora@example.com", "Sup3r-secret-pw"
        )
        Event.objects.all().delete()  # forget the sign-up's profile.created

    def make_order(self, total: str = "12.50") -> Order:
        order = Order.objects.create(customer=self.user, total=Decimal(total))
        Event.objects.filter(kind="order.created").delete()
        return order


class MarkPaidTests(ShopTestCase):
    def test_new_order_is_recorded(self) -> None:
        order = Order.objects.create(customer=self.user, total=Decimal("3.00"))
        event = Event.objects.get(kind="order.created")
        self.assertEqual(event.message, f"Order #{order.pk} (3.00) created.")
        self.assertEqual(event.user, self.user)

    def test_mark_paid_records_payment_then_notifies_warehouse_after_commit(
        self,
    ) -> None:
        order = self.make_order()
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            order.mark_paid()
            # record_status_change and record_payment run inside the payment's
            # transaction...
            self.assertEqual(kinds(), ["order.paid", "order.status"])
        # ...notify_warehouse once it has committed.
        self.assertEqual(len(callbacks), 1)
        self.assertEqual(kinds(), ["order.paid", "order.status", "warehouse.notified"])
        # Each is about the customer, who alone (with staff) sees them.
        self.assertEqual(users(), {self.user.pk})
        self.assertEqual(
            Event.objects.get(kind="order.paid").message,
            f"Order #{order.pk} paid by dora: 12.50.",
        )
        self.assertEqual(
            Event.objects.get(kind="warehouse.notified").message,
            f"Warehouse told to ship order #{order.pk}.",
        )
        order.refresh_from_db()
        self.assertEqual(order.status, Order.Status.PAID)

    def test_paying_twice_raises(self) -> None:
        order = self.make_order()
        with self.captureOnCommitCallbacks(execute=True):
            order.mark_paid()
        with self.assertRaisesMessage(ValueError, "only a draft order can be paid"):
            order.mark_paid()
        self.assertEqual(kinds(), ["order.paid", "order.status", "warehouse.notified"])

    def test_rolled_back_payment_records_nothing(self) -> None:
        order = self.make_order()
        with (
            self.captureOnCommitCallbacks(execute=True) as callbacks,
            self.assertRaises(RuntimeError),
            transaction.atomic(),
        ):
            order.mark_paid()
            raise RuntimeError("the payment provider said no")
        self.assertEqual(callbacks, [])
        self.assertEqual(kinds(), [])
        order.refresh_from_db()
        self.assertEqual(order.status, Order.Status.DRAFT)

    def test_zero_order_is_paid_and_the_warehouse_error_is_logged(self) -> None:
        order = self.make_order("0.00")
        with (
            self.assertLogs("signalkit", level="ERROR") as logs,
            self.captureOnCommitCallbacks(execute=True),
        ):
            order.mark_paid()

        order.refresh_from_db()
        self.assertEqual(order.status, Order.Status.PAID)
        self.assertEqual(len(logs.records), 1)
        record = logs.records[0]
        self.assertIn("shop.signals.notify_warehouse", record.getMessage())
        self.assertIsNotNone(record.exc_info)
        self.assertIsInstance(record.exc_info[1], WarehouseUnavailable)
        # assertLogs replaced the logger's handlers, so only the receivers' events here.
        self.assertEqual(kinds(), ["order.paid", "order.status"])

    def test_zero_order_warehouse_error_is_recorded_as_an_event(self) -> None:
        order = self.make_order("0.00")
        with quiet_console() as console, self.captureOnCommitCallbacks(execute=True):
            order.mark_paid()

        self.assertEqual(kinds(), ["log.error", "order.paid", "order.status"])
        message = Event.objects.get(kind="log.error").message
        self.assertIn("shop.signals.notify_warehouse", message)
        self.assertIn(
            f"WarehouseUnavailable: the warehouse refuses to ship order #{order.pk}",
            message,
        )
        self.assertIn("Traceback", console.getvalue())
        # The error is staff's to see; the payment's events are dora's.
        self.assertIsNone(Event.objects.get(kind="log.error").user)
        self.assertEqual(
            set(Event.objects.exclude(kind="log.error").values_list("user", flat=True)),
            {self.user.pk},
        )


class OrderPaidSignalTests(ShopTestCase):
    def test_send_without_order_raises_type_error_naming_it(self) -> None:
        with self.assertRaisesRegex(
            TypeError, r"without its declared argument 'order'"
        ):
            order_paid.send(sender=Order)
        self.assertEqual(kinds(), [])

    def test_send_with_an_undeclared_argument_raises_type_error_naming_it(self) -> None:
        order = self.make_order()
        with self.assertRaisesRegex(TypeError, r"undeclared argument 'coupon'"):
            order_paid.send(sender=Order, order=order, coupon="SAVE10")
        self.assertEqual(kinds(), [])

    def test_send_with_order_runs_the_receivers(self) -> None:
        order = self.make_order()
        with self.captureOnCommitCallbacks(execute=True):
            order_paid.send(sender=Order, order=order)
        self.assertEqual(kinds(), ["order.paid", "warehouse.notified"])


class OrderViewTests(ShopTestCase):
    def test_pages_require_login(self) -> None:
        login = reverse("login")
        for url in (reverse("orders"), reverse("order_create")):
            with self.subTest(url=url):
                self.assertRedirects(self.client.get(url), f"{login}?next={url}")

    def test_create_and_pay_an_order(self) -> None:
        self.client.force_login(self.user)
        response = self.client.post(reverse("order_create"), {"total": "12.50"})
        self.assertRedirects(response, reverse("orders"))
        order = Order.objects.get(customer=self.user)

        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("order_pay", args=[order.pk]))
        self.assertRedirects(response, reverse("orders"))
        order.refresh_from_db()
        self.assertEqual(order.status, Order.Status.PAID)
        self.assertEqual(
            kinds(),
            ["order.created", "order.paid", "order.status", "warehouse.notified"],
        )

    def test_paying_a_zero_order_still_succeeds(self) -> None:
        order = self.make_order("0.00")
        self.client.force_login(self.user)
        with (
            self.assertLogs("signalkit", level="ERROR"),
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.client.post(reverse("order_pay", args=[order.pk]))
        self.assertRedirects(response, reverse("orders"))
        order.refresh_from_db()
        self.assertEqual(order.status, Order.Status.PAID)

    def test_negative_total_is_rejected(self) -> None:
        self.client.force_login(self.user)
        response = self.client.post(reverse("order_create"), {"total": "-1"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Order.objects.exists())

    def test_cannot_pay_someone_elses_order(self) -> None:
        order = self.make_order()
        other = User.objects.create_user("eve", "eve@example.com", "Sup3r-secret-pw")
        self.client.force_login(other)
        response = self.client.post(reverse("order_pay", args=[order.pk]))
        self.assertEqual(response.status_code, 404)
        order.refresh_from_db()
        self.assertEqual(order.status, Order.Status.DRAFT)


class StatusChangeTests(ShopTestCase):
    """``record_status_change``: ``on_post_save("shop.Order", changed="status")``."""

    def status_messages(self) -> list[str]:
        return list(
            Event.objects.filter(kind="order.status")
            .order_by("id")
            .values_list("message", flat=True)
        )

    def test_paying_records_the_change_with_the_previous_status(self) -> None:
        order = self.make_order()
        with self.captureOnCommitCallbacks(execute=True):
            order.mark_paid()
        self.assertEqual(self.status_messages(), [f"Order #{order.pk}: draft → paid."])
        self.assertEqual(Event.objects.get(kind="order.status").user, self.user)

    def test_each_change_is_recorded_once(self) -> None:
        order = self.make_order()
        order.status = Order.Status.PAID
        order.save()
        order.status = Order.Status.SHIPPED
        order.save(update_fields=["status"])
        self.assertEqual(
            self.status_messages(),
            [
                f"Order #{order.pk}: draft → paid.",
                f"Order #{order.pk}: paid → shipped.",
            ],
        )

    def test_a_new_order_is_not_a_status_change(self) -> None:
        Order.objects.create(
            customer=self.user, total=Decimal("1.00"), status=Order.Status.PAID
        )
        self.assertEqual(kinds(), ["order.created"])

    def test_saves_that_leave_the_status_alone_record_nothing(self) -> None:
        order = self.make_order()
        order.total = Decimal("99.00")
        order.save()
        order.save()  # nothing changed at all
        order.status = Order.Status.DRAFT  # assigned, but the same value
        order.save()
        self.assertEqual(self.status_messages(), [])

    def test_an_order_loaded_from_the_database_compares_with_what_was_loaded(
        self,
    ) -> None:
        order = self.make_order()
        loaded = Order.objects.get(pk=order.pk)
        loaded.status = Order.Status.SHIPPED
        loaded.save()
        self.assertEqual(
            self.status_messages(), [f"Order #{order.pk}: draft → shipped."]
        )

    def test_a_rolled_back_change_is_not_recorded(self) -> None:
        order = self.make_order()
        with self.assertRaises(RuntimeError), transaction.atomic():
            order.status = Order.Status.PAID
            order.save()
            raise RuntimeError("roll it back")
        self.assertEqual(self.status_messages(), [])


class ShipAllTests(ShopTestCase):
    """``orders_ship`` and the admin action: one ``update()``, one ``post_update`` event."""

    def make_paid_order(self, total: str = "5.00", customer=None) -> Order:
        order = Order.objects.create(
            customer=customer or self.user,
            total=Decimal(total),
            status=Order.Status.PAID,
        )
        Event.objects.filter(kind="order.created").delete()
        return order

    def test_ships_every_paid_order_of_the_user_with_one_event(self) -> None:
        first, second = self.make_paid_order(), self.make_paid_order("7.00")
        draft = self.make_order()
        other = User.objects.create_user("finn", "finn@example.com", "Sup3r-secret-pw")
        others = self.make_paid_order(customer=other)
        Event.objects.all().delete()

        self.client.force_login(self.user)
        response = self.client.post(reverse("orders_ship"), follow=True)
        self.assertRedirects(response, reverse("orders"))
        self.assertContains(response, "Shipped 2 paid order(s) with one update().")

        statuses = dict(Order.objects.values_list("pk", "status"))
        self.assertEqual(statuses[first.pk], Order.Status.SHIPPED)
        self.assertEqual(statuses[second.pk], Order.Status.SHIPPED)
        self.assertEqual(statuses[draft.pk], Order.Status.DRAFT)
        self.assertEqual(statuses[others.pk], Order.Status.PAID)
        # update() sends no post_save, so record_status_change did not run: one event.
        self.assertEqual(kinds(), ["order.bulk_status"])
        pks = sorted([first.pk, second.pk])
        event = Event.objects.get()
        self.assertEqual(
            event.message,
            f"2 order(s) set to shipped in one update(): #{pks[0]}, #{pks[1]}.",
        )
        self.assertEqual(event.user, self.user)

    def test_with_no_paid_order_ships_nothing_and_records_nothing(self) -> None:
        order = self.make_order()
        self.client.force_login(self.user)
        response = self.client.post(reverse("orders_ship"), follow=True)
        self.assertContains(response, "You have no paid orders to ship.")
        order.refresh_from_db()
        self.assertEqual(order.status, Order.Status.DRAFT)
        self.assertEqual(kinds(), [])

    def test_requires_login_and_post(self) -> None:
        url = reverse("orders_ship")
        response = self.client.post(url)
        self.assertRedirects(response, f"{reverse('login')}?next={url}")
        self.client.force_login(self.user)
        self.assertEqual(self.client.get(url).status_code, 405)

    def test_the_button_shows_only_with_paid_orders(self) -> None:
        self.client.force_login(self.user)
        self.make_order()
        self.assertNotContains(
            self.client.get(reverse("orders")), "Ship all paid orders"
        )
        self.make_paid_order()
        response = self.client.get(reverse("orders"))
        self.assertContains(response, "Ship all paid orders")
        self.assertEqual(response.context["paid_count"], 1)

    def test_the_events_page_shows_the_shipment(self) -> None:
        order = self.make_paid_order()
        self.client.force_login(self.user)
        self.client.post(reverse("orders_ship"))
        response = self.client.get(reverse("events"))
        self.assertContains(response, "order.bulk_status")
        self.assertContains(
            response, f"1 order(s) set to shipped in one update(): #{order.pk}."
        )

    def test_an_update_of_other_fields_records_nothing(self) -> None:
        self.make_paid_order()
        self.assertEqual(Order.objects.update(total=Decimal("1.00")), 1)
        self.assertEqual(kinds(), [])

    def test_admin_action_ships_the_selected_paid_orders(self) -> None:
        paid, draft = self.make_paid_order(), self.make_order()
        admin_user = User.objects.create_superuser(
            "admin", "admin@example.com", "Sup3r-secret-pw"
        )
        Event.objects.all().delete()
        self.client.force_login(admin_user)
        response = self.client.post(
            reverse("admin:shop_order_changelist"),
            {"action": "ship_paid", "_selected_action": [paid.pk, draft.pk]},
            follow=True,
        )
        self.assertContains(response, "1 order(s) marked shipped.")
        paid.refresh_from_db()
        draft.refresh_from_db()
        self.assertEqual(paid.status, Order.Status.SHIPPED)
        self.assertEqual(draft.status, Order.Status.DRAFT)
        self.assertEqual(
            Event.objects.get().message,
            f"1 order(s) set to shipped in one update(): #{paid.pk}.",
        )

    def test_an_update_across_customers_records_one_event_for_each(self) -> None:
        other = User.objects.create_user("finn", "finn@example.com", "Sup3r-secret-pw")
        mine = [self.make_paid_order(), self.make_paid_order("6.00")]
        theirs = self.make_paid_order(customer=other)
        Event.objects.all().delete()

        updated = Order.objects.filter(status=Order.Status.PAID).update(
            status=Order.Status.SHIPPED
        )

        self.assertEqual(updated, 3)
        mine_pks = sorted(order.pk for order in mine)
        self.assertEqual(
            {
                event.user_id: event.message
                for event in Event.objects.filter(kind="order.bulk_status")
            },
            {
                self.user.pk: (
                    f"2 order(s) set to shipped in one update(): "
                    f"#{mine_pks[0]}, #{mine_pks[1]}."
                ),
                other.pk: f"1 order(s) set to shipped in one update(): #{theirs.pk}.",
            },
        )
        self.assertEqual(kinds(), ["order.bulk_status", "order.bulk_status"])

    def test_the_events_page_shows_a_customer_only_their_shipment(self) -> None:
        other = User.objects.create_user("finn", "finn@example.com", "Sup3r-secret-pw")
        mine, theirs = self.make_paid_order(), self.make_paid_order(customer=other)
        Order.objects.update(status=Order.Status.SHIPPED)
        self.client.force_login(self.user)
        response = self.client.get(reverse("events"))
        self.assertContains(
            response, f"1 order(s) set to shipped in one update(): #{mine.pk}."
        )
        self.assertNotContains(response, f"#{theirs.pk}.")
        self.assertNotContains(response, "finn")


@fast_hashing
class LoadDemoTests(TestCase):
    def load_demo(self, *args: str) -> str:
        out = io.StringIO()
        call_command("load_demo", *args, stdout=out)
        return out.getvalue()

    def counts(self) -> dict[str, int]:
        return {
            "users": User.objects.count(),
            "profiles": Profile.objects.count(),
            "orders": Order.objects.count(),
            "events": Event.objects.count(),
        }

    def test_running_twice_creates_nothing_new_the_second_time(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            output = self.load_demo()
        self.assertIn("Created user 'demo'", output)
        self.assertIn("3 new order(s)", output)
        first = self.counts()
        self.assertEqual(first["users"], 1)
        self.assertEqual(first["profiles"], 1)
        self.assertEqual(first["orders"], 3)

        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            output = self.load_demo()
        self.assertIn("Found user 'demo'", output)
        self.assertIn("0 new order(s)", output)
        self.assertEqual(self.counts(), first)
        self.assertEqual(callbacks, [])

    def test_demo_user_can_log_in_and_has_a_profile(self) -> None:
        self.load_demo()
        self.assertTrue(self.client.login(username="demo", password="demo"))
        demo = User.objects.get(username="demo")
        self.assertEqual(
            demo.profile.bio, "The demo customer, made by manage.py load_demo."
        )

    def test_reset_puts_orders_back_to_draft(self) -> None:
        self.load_demo()
        with self.captureOnCommitCallbacks(execute=True):
            Order.objects.get(total=Decimal("19.99")).mark_paid()
        Event.objects.all().delete()
        output = self.load_demo("--reset")
        self.assertIn("all orders back to draft", output)
        self.assertEqual(
            set(Order.objects.values_list("status", flat=True)), {Order.Status.DRAFT}
        )
        self.assertEqual(Order.objects.count(), 3)
        # --reset is one update() of the demo user's orders: one post_update event.
        event = Event.objects.get()
        self.assertEqual(event.kind, "order.bulk_status")
        self.assertTrue(
            event.message.startswith("3 order(s) set to draft in one update()")
        )
