"""``signalkit.contrib.debug_toolbar.SignalsPanel``: what one request sent and what became
of each receiver, through django-debug-toolbar's own panel machinery and middleware."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from debug_toolbar.panels.signals import SignalsPanel as ToolbarSignalsPanel
from debug_toolbar.toolbar import DebugToolbar, StoredDebugToolbar
from django.db import transaction
from django.db.models.signals import post_save
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings

import signalkit
from signalkit import outcomes, tasks_compat
from signalkit.contrib.debug_toolbar import SignalsPanel
from tests.helpers import Boom, connected
from tests.taskapp import receivers
from tests.testapp.models import Author

PANEL = "SignalkitSignalsPanel"
HERE = str(Path(__file__).relative_to(Path.cwd()))

pytestmark = pytest.mark.usefixtures("undo_connections")

ping = signalkit.Signal()


def in_toolbar(view: Callable[[HttpRequest], HttpResponse]) -> SignalsPanel:
    """Run ``view`` for one request as the toolbar's middleware does, with the panel."""
    request = RequestFactory().get("/")
    toolbar = DebugToolbar(request, view)
    panel = toolbar.get_panel_by_id(PANEL)
    assert isinstance(panel, SignalsPanel)
    panel.enable_instrumentation()
    try:
        response = toolbar.process_request(request)
    finally:
        panel.disable_instrumentation()
    panel.generate_stats(request, response)
    return panel


def page(func: Callable[[], None]) -> Callable[[HttpRequest], HttpResponse]:
    def view(request: HttpRequest) -> HttpResponse:
        func()
        return HttpResponse("<html><body></body></html>")

    return view


def rows(signal: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (row["receiver"].rpartition(".")[2], row["outcome"])
        for row in signal["receivers"]
    ]


@pytest.fixture
def connected_receivers() -> Iterator[dict[str, Any]]:
    """One receiver of each outcome on Author's post_save, in this order."""

    @signalkit.on_post_save(Author)
    def runs(sender: Any, **kwargs: Any) -> None:
        pass

    @signalkit.on_post_save(Author, created=False)
    def on_update(sender: Any, **kwargs: Any) -> None:
        pass

    @signalkit.on_post_save(Author, on_commit=True)
    def after_commit(sender: Any, **kwargs: Any) -> None:
        pass

    @signalkit.on_post_save(Author, robust=True)
    def fails(sender: Any, **kwargs: Any) -> None:
        raise Boom("the receiver failed")

    signalkit.on_post_save(Author, task=True)(receivers.touch_marker)

    def plain(sender: Any, **kwargs: Any) -> None:
        pass

    backend = tasks_compat.backend("default")
    backend.clear()
    with connected(post_save, plain, sender=Author):
        yield {"backend": backend}
    backend.clear()


@pytest.mark.django_db(transaction=True)
def test_every_receiver_of_the_request_with_its_outcome(
    connected_receivers: dict[str, Any],
) -> None:
    def save() -> None:
        with transaction.atomic():
            Author.objects.create(name="a")  # the send

    panel = in_toolbar(page(save))
    stats = panel.get_stats()
    signal = stats["signals"][0]
    assert (signal["name"], signal["path"]) == (
        "post_save",
        "django.db.models.signals.post_save",
    )
    assert (signal["sender"], signal["using"]) == ("testapp.Author", "default")
    lines = Path(__file__).read_text().splitlines()
    assert (signal["file"], lines[signal["line"] - 1].strip()) == (
        HERE,
        'Author.objects.create(name="a")  # the send',
    )
    assert rows(signal) == [
        ("author_created", "ran"),  # tests/testapp/signals.py
        ("runs", "ran"),
        ("on_update", "skipped (created)"),
        ("after_commit", "deferred to commit"),
        ("fails", "raised"),
        ("touch_marker", "deferred to commit"),
        ("plain", "ran"),
    ]
    by_name = {row["receiver"].rpartition(".")[2]: row for row in signal["receivers"]}
    assert by_name["after_commit"]["then"] == "ran"
    assert by_name["after_commit"]["ms"] >= 0
    assert by_name["fails"]["detail"] == "Boom: the receiver failed"
    [result] = connected_receivers["backend"].results
    assert by_name["touch_marker"]["then"] == "enqueued"
    assert by_name["touch_marker"]["detail"] == f"backend 'default', task {result.id}"
    assert by_name["runs"]["ms"] >= 0
    assert by_name["on_update"]["ms"] is None
    # The commit enqueued the task: the task framework's task_enqueued is a send of
    # its own, with its receivers.
    assert [s["name"] for s in stats["signals"][1:]] in ([], ["task_enqueued"])
    # author_created, runs, fails, plain, after_commit at the commit, and those of
    # task_enqueued.
    ran = [
        row
        for each in stats["signals"]
        for row in each["receivers"]
        if "ran" in (row["outcome"], row["then"]) or row["outcome"] == "raised"
    ]
    assert len(ran) >= 5
    assert stats["receivers_run"] == len(ran)
    assert stats["milliseconds"] >= 0
    sent = len(stats["signals"])
    assert panel.nav_subtitle.startswith(
        f"{sent} signal{'s' if sent > 1 else ''}, {len(ran)} receivers ran, "
    )
    assert panel.nav_subtitle.endswith(" ms")
    json.dumps(stats)  # the toolbar may keep it in a database


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_receiver_says_so(connected_receivers: dict[str, Any]) -> None:
    def save_and_roll_back() -> None:
        with transaction.atomic():
            Author.objects.create(name="a")
            transaction.set_rollback(True)

    [signal] = in_toolbar(page(save_and_roll_back)).get_stats()["signals"]
    assert signal["name"] == "post_save"
    rolled = {
        row["receiver"].rpartition(".")[2]: row["then"]
        for row in signal["receivers"]
        if row["outcome"] == "deferred to commit"
    }
    assert rolled == {"after_commit": "rolled back", "touch_marker": "rolled back"}
    assert connected_receivers["backend"].results == []


def test_the_page_renders_sends_rows_and_totals() -> None:
    @signalkit.receiver(ping, when=lambda **kw: False)
    def never(**kwargs: Any) -> None:
        pass

    @signalkit.receiver(ping)
    def pinged(**kwargs: Any) -> None:
        pass

    panel = in_toolbar(page(lambda: ping.send(sender="<script>")))
    html = panel.content
    assert "1 signal sent," in html
    assert "1 receiver ran," in html
    assert "<code>&#x27;&lt;script&gt;&#x27;</code>" in html  # escaped
    cells = re.findall(r'<td class="signalkit-outcome">([^<]*)</td>', html)
    assert cells == ["skipped (when)", "ran"]
    assert f"{HERE}:" in html


def test_nothing_sent_is_said_plainly() -> None:
    panel = in_toolbar(page(lambda: None))
    assert panel.get_stats()["signals"] == []
    assert "This request sent no signal that had receivers." in panel.content
    assert panel.nav_subtitle == "0 signals, 0 receivers ran, 0.0 ms"
    # Only while the request ran: nobody watches any more.
    assert outcomes.consumers() == ()


def test_the_toolbars_own_receivers_are_left_out() -> None:
    def toolbars(**kwargs: Any) -> None:
        pass

    def mine(**kwargs: Any) -> None:
        pass

    toolbars.__module__ = "debug_toolbar.panels.templates.panel"
    other = signalkit.Signal()
    with connected(ping, toolbars), connected(other, toolbars), connected(other, mine):
        panel = in_toolbar(
            page(lambda: (ping.send(sender="alone"), other.send(sender="shared")))
        )
    stats = panel.get_stats()
    [signal] = stats["signals"]
    assert signal["sender"] == "'shared'"
    assert rows(signal) == [("mine", "ran")]
    assert stats["receivers_run"] == 1


def test_an_async_request_is_recorded_too() -> None:
    @signalkit.receiver(ping)
    async def pinged(**kwargs: Any) -> None:
        pass

    request = RequestFactory().get("/")

    async def view(request: HttpRequest) -> HttpResponse:
        await ping.asend(sender="async")
        return HttpResponse("<html><body></body></html>")

    toolbar = DebugToolbar(request, view)
    panel = toolbar.get_panel_by_id(PANEL)

    async def middleware() -> HttpResponse:
        panel.enable_instrumentation()
        try:
            return await toolbar.process_request(request)
        finally:
            panel.disable_instrumentation()

    response = async_to_sync(middleware)()
    panel.generate_stats(request, response)
    assert panel.is_async
    [signal] = panel.get_stats()["signals"]
    assert rows(signal) == [("pinged", "ran")]


def test_it_sits_beside_the_toolbars_own_signals_panel() -> None:
    toolbar = DebugToolbar(RequestFactory().get("/"), page(lambda: None))
    assert {type(p) for p in toolbar.panels} == {ToolbarSignalsPanel, SignalsPanel}
    assert toolbar.get_panel_by_id("SignalsPanel") is not toolbar.get_panel_by_id(PANEL)


@pytest.mark.django_db(transaction=True)
@override_settings(
    DEBUG=True,
    INTERNAL_IPS=["127.0.0.1"],
    MIDDLEWARE=["debug_toolbar.middleware.DebugToolbarMiddleware"],
    ROOT_URLCONF="tests.contrib.toolbar_urls",
    STATIC_URL="/static/",
)
def test_through_the_toolbars_middleware_and_its_store() -> None:
    @signalkit.on_post_save(Author, on_commit=True)
    def after_commit(sender: Any, **kwargs: Any) -> None:
        pass

    client = Client()
    response = client.get("/save/")
    assert response.status_code == 200
    request_id = re.search(r'data-request-id="(\w+)"', response.content.decode())
    assert request_id is not None
    rendered = client.get(
        "/__debug__/render_panel/",
        {"request_id": request_id.group(1), "panel_id": PANEL},
    )
    content = rendered.json()["content"]
    assert '<td class="signalkit-outcome">deferred to commit → ran</td>' in content
    assert "tests/contrib/toolbar_urls.py:" in content
    stored = StoredDebugToolbar.from_store(request_id.group(1), panel_id=PANEL)
    stats = stored.get_panel_by_id(PANEL).get_stats()
    assert stats["receivers_run"] == 2  # and tests.testapp.signals.author_created
    assert rows(stats["signals"][0]) == [
        ("author_created", "ran"),
        ("after_commit", "deferred to commit"),
    ]
