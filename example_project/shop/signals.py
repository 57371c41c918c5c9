"""The shop's custom signal and its receivers.

``order_paid`` is a typed ``signalkit.Signal``: sending it without ``order=``, or with an
argument it does not declare, raises ``TypeError``. ``Order.mark_paid()`` sends it.

Two receivers record status changes: ``record_status_change`` for a save that changes an
order's status (``changed="status"``), and ``record_bulk_status_change`` for
``Order.objects.filter(...).update(status=...)``, which saves no instance and so sends no
``post_save``, but sends signalkit's ``post_update`` through ``Order``'s ``SignalManager``.
A third, ``record_total_change``, records a save that changes an order's total
(``changed="total"``).

The receivers name their sender lazily (``"shop.Order"``), so this module never imports
``shop.models`` and ``shop.models`` can import ``order_paid`` from here without a cycle.
Nothing else imports this module for its receivers: signalkit's autodiscovery does.
"""

from __future__ import annotations

from collections import defaultdict

import signalkit
from events.models import Event

order_paid = signalkit.Signal(args=("order",))


class WarehouseUnavailable(Exception):
    """The (pretend) warehouse refused a notification."""


@signalkit.on_post_save("shop.Order", created=True)
def record_new_order(sender, instance, **kwargs):
    Event.record(
        "order.created",
        f"Order #{instance.pk} ({instance.total:.2f}) created.",
        user_id=instance.customer_id,
    )


@signalkit.on_post_save("shop.Order", changed="status", created=False)
def record_status_change(sender, instance, **kwargs):
    """Runs only for a save that changes the status of an existing order.

    ``changed="status"`` turns on change tracking for ``Order.status``: other saves of an
    order (or saves that leave the status as it was) do not call this receiver at all.
    Inside it, ``signalkit.previous()`` is the value before this save.
    """
    before = signalkit.previous(instance, "status")
    Event.record(
        "order.status",
        f"Order #{instance.pk}: {before} → {instance.status}.",
        user_id=instance.customer_id,
    )


@signalkit.on_post_update(
    "shop.Order", when=lambda values, count, **kw: count and "status" in values
)
def record_bulk_status_change(sender, pks, values, count, **kwargs):
    """One event per customer for a queryset ``update()`` that set the status of orders.

    ``pks`` are the primary keys of the rows the update matched, read in the same
    transaction; ``count``, what ``update()`` returned, lets ``when=`` skip an update that
    matched nothing. An update can span customers (the admin action), and each customer
    sees only the events about them: one event each, naming their orders.
    """
    by_customer = defaultdict(list)
    for customer_id, pk in sender._default_manager.filter(pk__in=pks).values_list(
        "customer_id", "pk"
    ):
        by_customer[customer_id].append(pk)
    for customer_id, customer_pks in sorted(by_customer.items()):
        numbers = ", ".join(f"#{pk}" for pk in sorted(customer_pks))
        Event.record(
            "order.bulk_status",
            f"{len(customer_pks)} order(s) set to {values['status']} in one update(): "
            f"{numbers}.",
            user_id=customer_id,
        )


@signalkit.receiver(order_paid, sender="shop.Order")
def record_payment(sender, order, **kwargs):
    """Runs inside the payment's transaction: rolled back with it if the payment fails."""
    Event.record(
        "order.paid",
        f"Order #{order.pk} paid by {order.customer}: {order.total}.",
        user_id=order.customer_id,
    )


@signalkit.receiver(order_paid, sender="shop.Order", on_commit=True, robust=True)
def notify_warehouse(sender, order, **kwargs):
    """Tell the warehouse to ship, once the payment has committed.

    It is flaky on purpose: it raises for an order with a zero total. ``robust=True``
    means signalkit logs the error (logger ``signalkit``, with the traceback) and the
    request that paid the order still succeeds.
    """
    if not order.total:
        raise WarehouseUnavailable(
            f"the warehouse refuses to ship order #{order.pk}: total is 0"
        )
    Event.record(
        "warehouse.notified",
        f"Warehouse told to ship order #{order.pk}.",
        user_id=order.customer_id,
    )


@signalkit.on_post_save("shop.Order", changed="total", created=False)
def record_total_change(sender, instance, **kwargs):
    """Runs only for a save that changes the total of an existing order (staff can, in
    the admin).

    Paying an order saves its status alone, so there this receiver is skipped: the debug
    toolbar's "Signals sent" panel lists it as "skipped (changed)".
    """
    before = signalkit.previous(instance, "total")
    Event.record(
        "order.total",
        f"Order #{instance.pk}: total {before} → {instance.total}.",
        user_id=instance.customer_id,
    )
