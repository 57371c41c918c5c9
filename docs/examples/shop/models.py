from decimal import Decimal

from django.db import models
from signalkit.models import SignalManager


class Customer(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    iban = models.CharField(max_length=34, blank=True)
    notes = models.TextField(blank=True)

    def __str__(self):
        return self.name


class Product(models.Model):
    name = models.CharField(max_length=100)
    stock = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.name


class Order(models.Model):
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    status = models.CharField(max_length=20, default="draft")
    total = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    number = models.CharField(max_length=20, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    # Sends signalkit's bulk and queryset signals (see "Bulk and queryset signals").
    objects = SignalManager()

    def __str__(self):
        return f"Order {self.pk}"

    @property
    def is_paid(self):
        return self.status == "paid"


class GiftOrder(Order):
    """An order with a message: a multi-table child of Order."""

    message = models.TextField(blank=True)


class Payment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    amount = models.DecimalField(max_digits=10, decimal_places=2)


class Document(models.Model):
    upload = models.FileField(upload_to="docs/")
