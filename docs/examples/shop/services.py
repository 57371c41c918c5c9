"""Stand-ins for the work the examples' receivers do.

A real project would send e-mail, call a warehouse's API or update a search index; these
print what they would do, so that an example shows when a receiver ran. send_receipt()
really sends its e-mail, to django.core.mail.outbox (see mysite/settings.py).
"""

from django.core.mail import send_mail


def send_receipt(order):
    send_mail(
        f"Receipt for order {order.pk}",
        f"Total: {order.total}",
        None,
        ["customer@example.com"],
    )
    print(f"Receipt sent for order {order.pk}")


def notify_customer(order, previous_status=None):
    if previous_status is None:
        print(f"Told the customer that order {order.pk} is {order.status}")
    else:
        print(
            f"Told the customer that order {order.pk} went from {previous_status} to {order.status}"
        )


def ship(order):
    print(f"Shipping order {order.pk}")


def sync_warehouse(order):
    print(f"Warehouse updated for order {order.pk}")


def update_search_index(obj):
    print(f"Search index updated for {obj}")


def refresh_search_index(model, pks):
    print(f"Search index refreshed for {model.__name__} {list(pks)}")


async def push_to_browsers(order):
    print(f"Pushed order {order.pk} to the browsers")
