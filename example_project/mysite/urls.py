"""URLs of the signalkit example site."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from mysite.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("orders/", include("shop.urls")),
    path("events/", include("events.urls")),
    path("admin/", admin.site.urls),
]
