"""A page that saves a model, and the toolbar's URLs: for the panel tests that go through
django-debug-toolbar's middleware."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from tests.testapp.models import Author


def save_an_author(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        Author.objects.create(name="from a page")
    return HttpResponse("<html><body><p>saved</p></body></html>")


urlpatterns = [
    path("save/", save_an_author),
    path("__debug__/", include("debug_toolbar.urls")),
]
