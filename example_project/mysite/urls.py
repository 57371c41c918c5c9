"""URLs of the signalkit example site."""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from mysite.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("orders/", include("shop.urls")),
    path("events/", include("events.urls")),
    path("admin/", admin.site.urls),
    # Every page links its icon; this is for the clients that ask for /favicon.ico anyway.
    path(
        "favicon.ico",
        RedirectView.as_view(url=static("favicon.svg"), permanent=True),
        name="favicon",
    ),
]

if apps.is_installed("debug_toolbar"):  # DEBUG on, and the toolbar installed
    from debug_toolbar.toolbar import debug_toolbar_urls

    urlpatterns += debug_toolbar_urls()
