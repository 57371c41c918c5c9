"""The home page: what the site demonstrates, and the code that does it."""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mysite.whatran import catalogue, source
from mysite.whatran.project import app_configs


def home(request: HttpRequest) -> HttpResponse:
    """The home page, with the source of every signals module of the project's apps."""
    return render(request, "home.html", {"signal_modules": signal_modules()})


def signal_modules() -> list[dict[str, Any]]:
    """The modules signalkit autodiscovers in the project's apps (``SIGNALKIT["MODULES"]``,
    ``signals`` by default): each one's name, source and the receivers it defines."""
    names = settings.SIGNALKIT.get("MODULES", ["signals"])
    found = []
    for config in app_configs():
        for name in names:
            module_name = f"{config.name}.{name}"
            if find_spec(module_name) is None:
                continue
            found.append(
                {
                    "name": module_name,
                    "source": source.of_module(import_module(module_name)),
                    "receivers": [
                        {
                            "name": entry["receiver"].rpartition(".")[2],
                            "signal": catalogue.short_name(entry),
                            "sender": entry["sender"],
                        }
                        for entry in catalogue.of_module(module_name)
                    ],
                }
            )
    return found
