"""End to end: the example project on a live server, driven by a real browser.

The example site runs as it does for a user (``manage.py migrate``, then ``manage.py
runserver``), in a subprocess, on a temporary SQLite file (``EXAMPLE_DB_PATH``) and a free
port. Chromium, driven by Playwright for Python, signs up through the form, pays and ships
orders, and reads the pages: the "What just ran" panel each action leaves, signalkit's
panel in django-debug-toolbar, the favicon, and the layout (dates on one line). Nothing here skips: without Playwright or Chromium the tests fail and say what to
install (CI installs both: ``apt-get install chromium``, ``pip install playwright``; no
``playwright install`` is needed, the system Chromium is used).

``SIGNALKIT_E2E_CHROMIUM`` names another Chromium or Chrome executable.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.once]

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "example_project" / "manage.py"
CHROMIUM = os.environ.get("SIGNALKIT_E2E_CHROMIUM", "/usr/bin/chromium")
# Headless, and nothing that reaches out to the network or needs a GPU, a sandbox (CI
# runs as root in a container) or a big /dev/shm.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 60  # seconds
COMMAND_TIMEOUT = 300  # seconds, for migrate and load_demo
PAGE_TIMEOUT_MS = 20_000
PASSWORD = "Sup3r-secret-pw"
ADMIN = "e2e-admin"  # a superuser, with PASSWORD


def _playwright() -> Any:
    """``sync_playwright``, or a failure that says how to install what is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        missing = str(exc)
    else:
        missing = ""
    if missing:
        pytest.fail(
            f"The e2e tests need Playwright for Python ({missing}): python -m pip "
            f"install playwright. Its browser download (playwright install) is not "
            f"needed: the tests use the system Chromium at {CHROMIUM}.",
            pytrace=False,
        )
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"The e2e tests need Chromium at {CHROMIUM}, which does not exist or is not "
            f"executable: apt-get install chromium (Debian, Ubuntu), or set "
            f"SIGNALKIT_E2E_CHROMIUM to a Chromium or Chrome executable.",
            pytrace=False,
        )
    return sync_playwright


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """The example site running in ``runserver``; its output goes to ``log``."""

    base_url: str
    log: Path

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _example_env(db_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        # pytest-django set this suite's settings; the example has its own.
        "DJANGO_SETTINGS_MODULE": "mysite.settings",
        "EXAMPLE_DB_PATH": str(db_path),
        "EXAMPLE_TASKS": "immediate",
        "DJANGO_DEBUG": "1",
        "PYTHONUNBUFFERED": "1",  # the console e-mail reaches the log at once
    }
    return env


def _manage(*args: str) -> list[str]:
    return [
        sys.executable,
        "-W",
        "error::DeprecationWarning",
        "-W",
        "error::PendingDeprecationWarning",
        str(MANAGE),
        *args,
    ]


def _run(env: dict[str, str], *args: str) -> None:
    completed = subprocess.run(
        _manage(*args),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    assert completed.returncode == 0, (
        f"manage.py {' '.join(args)} failed:\n{completed.stdout}"
    )


def _wait_until_serving(process: subprocess.Popen[bytes], server: Server) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"runserver exited with status {process.returncode}:\n{server.output()}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(server.url("/"), timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(
        f"runserver did not answer on {server.base_url} within "
        f"{SERVER_START_TIMEOUT}s:\n{server.output()}",
        pytrace=False,
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``migrate``, ``load_demo``, a superuser and ``runserver`` on a fresh database file."""
    tmp = tmp_path_factory.mktemp("example")
    env = _example_env(tmp / "db.sqlite3")
    _run(env, "migrate", "--noinput", "--verbosity", "0")
    _run(env, "load_demo")  # the user demo / demo and three draft orders
    _run(
        {**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
        "createsuperuser",
        "--noinput",
        "--username",
        ADMIN,
        "--email",
        "admin@example.com",
    )
    port = _free_port()
    server = Server(base_url=f"http://127.0.0.1:{port}", log=tmp / "runserver.log")
    with server.log.open("wb") as log:
        process = subprocess.Popen(
            _manage("runserver", f"127.0.0.1:{port}", "--noreload"),
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(process, server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_playwright = _playwright()
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        except Exception as exc:
            pytest.fail(
                f"Playwright could not start Chromium at {CHROMIUM}: {exc}",
                pytrace=False,
            )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    """A page in a fresh browser context: no cookies, nobody logged in."""
    context = browser.new_context()
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()
        # Shown by pytest only when the test fails.
        print(f"--- runserver output ({server.log}) ---\n{server.output()[-5000:]}")


def test_sign_up_in_the_browser_shows_the_profile(page: Any, server: Server) -> None:
    from playwright.sync_api import expect

    page.goto(server.url("/"))
    page.locator("header").get_by_role("link", name="Sign up").click()
    expect(page.locator("h1")).to_have_text("Sign up")

    page.locator("#id_username").fill("e2e-alice")
    page.locator("#id_email").fill("alice@example.com")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign up").click()

    page.wait_for_url(server.url("/accounts/profile/"))
    expect(page.locator("h1")).to_have_text("e2e-alice")
    expect(page.locator(".messages")).to_have_text("Welcome, e2e-alice!")

    # Next to the result, the panel: the receivers the sign-up ran, with their source.
    panel = page.locator(".whatran")
    expect(panel.locator("h2")).to_have_text("What just ran")
    expect(panel).to_contain_text("POST /accounts/signup/")
    expect(panel.locator(".whatran-path")).to_have_text(
        ["accounts.signals.create_profile", "accounts.signals.send_welcome_email"]
    )
    profile_run = _panel_entry(panel, "accounts.signals.create_profile")
    expect(profile_run).to_contain_text("ran when the signal was sent")
    expect(profile_run.locator(".whatran-events")).to_have_text(
        "profile.created Created the profile of e2e-alice."
    )
    expect(profile_run.locator("pre.source .decorator")).to_contain_text(
        "@signalkit.on_post_save("
    )
    expect(profile_run.locator("pre.source")).to_contain_text(
        "def create_profile(sender, instance, **kwargs):"
    )
    expect(profile_run.locator("pre.source")).to_be_visible()
    welcome_run = _panel_entry(panel, "accounts.signals.send_welcome_email")
    expect(welcome_run).to_contain_text("ran in a task, after the commit")
    expect(welcome_run).to_contain_text("Sent the welcome e-mail to alice@example.com.")
    expect(welcome_run.locator("pre.source")).to_contain_text("task=True,")
    # Wide enough, the panel stands beside the page rather than above it.
    main_box, panel_box = page.locator("main").bounding_box(), panel.bounding_box()
    assert main_box is not None and panel_box is not None
    assert panel_box["x"] >= main_box["x"] + main_box["width"], (main_box, panel_box)

    main = page.locator("main")
    expect(main).to_contain_text("alice@example.com")
    expect(main).to_contain_text("Profile created")
    expect(main).to_contain_text(
        "The accounts.signals.create_profile receiver made this profile"
    )
    expect(page.locator("header")).to_contain_text("Log out")

    # create_profile ran in the request; the task=True welcome e-mail ran once the
    # sign-up committed (ImmediateBackend: in the server process, before the redirect).
    page.locator("header").get_by_role("link", name="Events").click()
    events = page.locator("main")
    expect(events).to_contain_text("Created the profile of e2e-alice.")
    expect(events).to_contain_text("Sent the welcome e-mail to alice@example.com.")
    # Only hers: load_demo's user got a welcome e-mail too.
    expect(events).not_to_contain_text("demo@example.com")
    log = server.output()
    assert "Subject: Welcome to the signalkit shop" in log
    assert "To: alice@example.com" in log


def test_pay_and_ship_orders_in_the_browser(page: Any, server: Server) -> None:
    from playwright.sync_api import expect

    page.goto(server.url("/accounts/login/"))
    page.locator("#id_username").fill("demo")
    page.locator("#id_password").fill("demo")
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url(server.url("/accounts/profile/"))

    page.goto(server.url("/orders/"))
    row = page.locator("tr", has_text="19.99")
    number = row.locator("td").first.inner_text()  # "#1"
    row.get_by_role("button", name="Mark paid").click()
    expect(page.locator(".messages")).to_contain_text(f"Order {number} marked paid.")
    expect(page.locator("tr", has_text="19.99")).to_contain_text("Paid")

    # The payment's receivers, in the order they ran: two in the payment's transaction,
    # the warehouse after the commit.
    panel = page.locator(".whatran")
    expect(panel).to_contain_text(f"POST /orders/{number[1:]}/pay/")
    expect(panel.locator(".whatran-path")).to_have_text(
        [
            "shop.signals.record_status_change",
            "shop.signals.record_payment",
            "shop.signals.notify_warehouse",
        ]
    )
    expect(_panel_entry(panel, "shop.signals.record_status_change")).to_contain_text(
        f"Order {number}: draft → paid."
    )
    payment_run = _panel_entry(panel, "shop.signals.record_payment")
    expect(payment_run).to_contain_text("order_paid · shop.Order")
    expect(payment_run).to_contain_text(f"Order {number} paid by demo: 19.99.")
    expect(payment_run.locator("pre.source")).to_contain_text(
        "def record_payment(sender, order, **kwargs):"
    )
    warehouse_run = _panel_entry(panel, "shop.signals.notify_warehouse")
    expect(warehouse_run).to_contain_text("ran after the commit")
    expect(warehouse_run).to_contain_text(f"Warehouse told to ship order {number}.")
    expect(warehouse_run.locator("pre.source .decorator")).to_contain_text(
        "on_commit=True, robust=True"
    )

    page.get_by_role("button", name="Ship all paid orders").click()
    expect(page.locator(".messages")).to_contain_text(
        "Shipped 1 paid order(s) with one update()."
    )
    bulk_run = _panel_entry(
        page.locator(".whatran"), "shop.signals.record_bulk_status_change"
    )
    expect(bulk_run).to_contain_text("post_update · shop.Order")
    expect(bulk_run).to_contain_text(
        f"1 order(s) set to shipped in one update(): {number}."
    )
    expect(page.locator("tr", has_text="19.99")).to_contain_text("Shipped")
    expect(page.get_by_role("button", name="Ship all paid orders")).to_have_count(0)

    page.goto(server.url("/events/"))
    events = page.locator("main")
    expect(events).to_contain_text(f"Order {number}: draft → paid.")
    expect(events).to_contain_text(
        f"1 order(s) set to shipped in one update(): {number}."
    )


def test_a_failing_receiver_shows_its_error_in_the_panel(
    page: Any, server: Server
) -> None:
    from playwright.sync_api import expect

    _open_demos_orders(page, server)
    # load_demo's order with a total of 0: the warehouse refuses it.
    page.locator("tr", has_text="0.00").get_by_role("button", name="Mark paid").click()
    expect(page.locator(".messages")).to_contain_text("marked paid.")
    warehouse_run = _panel_entry(
        page.locator(".whatran"), "shop.signals.notify_warehouse"
    )
    expect(warehouse_run).to_contain_text("Raised WarehouseUnavailable: the warehouse")
    expect(warehouse_run).to_contain_text(
        "It is robust=True: signalkit logged the error and the request went on."
    )
    # signalkit's log of it is an event about nobody: staff only, so demo sees a count.
    expect(page.locator(".whatran")).to_contain_text("1 event that only staff see")
    expect(page.locator(".whatran")).not_to_contain_text("log.error")


def test_the_debug_toolbar_panel_shows_what_a_payment_sent(
    page: Any, server: Server
) -> None:
    from playwright.sync_api import expect

    _open_demos_orders(page, server)
    page.locator("#id_total").fill("7.77")
    page.get_by_role("button", name="Create draft order").click()
    row = page.locator("tr", has_text="7.77")
    number = row.locator("td").first.inner_text()  # "#4"
    row.get_by_role("button", name="Mark paid").click()
    expect(page.locator(".messages")).to_contain_text(f"Order {number} marked paid.")

    # The payment was a POST answered with a redirect: the toolbar, on the page it led
    # to, shows that page's request; its History panel switches to the POST's.
    toolbar = page.locator("#djDebug")
    toolbar.locator("#djShowToolBarButton").click()
    button = toolbar.locator("#djDebugPanelList a.SignalkitSignalsPanel")
    expect(button).to_contain_text("0 signals, 0 receivers ran")  # the orders page
    toolbar.locator("#djDebugPanelList a.HistoryPanel").click()
    post = toolbar.locator(
        "#djdtHistoryRequests tr", has_text=f"/orders/{number[1:]}/pay/"
    )
    expect(post).to_contain_text("POST")
    _click_until(page, post.locator("button.switchHistory"), "/history_sidebar/")
    expect(post).to_have_class(re.compile("djdt-highlighted"))
    # The panel's button now sums up the POST.
    expect(button).to_contain_text(re.compile(r"Signals sent\s+\d+ signals, [1-9]"))
    button.click()

    panel = toolbar.locator("#SignalkitSignalsPanel")
    expect(panel.locator("h3")).to_have_text("Signals sent (signalkit)")

    def outcome(receiver: str) -> Any:
        entry = panel.locator("tr.signalkit-receiver", has_text=receiver)
        return entry.locator("td.signalkit-outcome")

    expect(outcome("shop.signals.record_status_change")).to_have_text("ran")
    expect(outcome("shop.signals.record_total_change")).to_have_text(
        "skipped (changed)"
    )
    expect(outcome("shop.signals.record_new_order")).to_have_text("skipped (created)")
    expect(outcome("shop.signals.notify_warehouse")).to_have_text(
        "deferred to commit → ran"
    )
    expect(outcome("shop.signals.record_payment")).to_have_text("ran")
    # Each signal says where it was sent from: Order.mark_paid() saves, then sends.
    expect(panel.locator("tr[data-signalkit-signal]")).to_contain_text(
        [
            re.compile(r"post_save\s+from shop\.Order.*shop/models\.py:\d+", re.S),
            re.compile(r"order_paid\s+from shop\.Order.*shop/models\.py:\d+", re.S),
        ]
    )
    expect(panel).to_contain_text("receivers ran")


def test_pages_load_with_their_files_and_the_favicon(page: Any, server: Server) -> None:
    from playwright.sync_api import expect

    failed: list[str] = []
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and failed.append(f"{response.status} {response.url}")
        ),
    )
    log_start = len(server.output())
    for path in ("/", "/accounts/signup/", "/accounts/login/"):
        page.goto(server.url(path))
        _assert_favicon(page, server)
    _log_in(page, ADMIN, PASSWORD)
    page.wait_for_url(server.url("/accounts/profile/"))
    for path in ("/accounts/profile/", "/orders/", "/events/", "/admin/"):
        page.goto(server.url(path))
        _assert_favicon(page, server)
    # Stylesheets applied: the header's background comes from site.css.
    page.goto(server.url("/"))
    expect(page.locator("header")).to_have_css("background-color", "rgb(246, 248, 250)")
    # The home page shows the code the site demonstrates.
    expect(page.locator("main")).to_contain_text("accounts/signals.py")
    expect(page.locator("main")).to_contain_text(
        'order_paid = signalkit.Signal(args=("order",))'
    )
    # For the clients that ask for /favicon.ico whatever the page links.
    response = page.request.get(server.url("/favicon.ico"))
    assert response.status == 200, response.status
    assert response.url == server.url("/static/favicon.svg"), response.url
    assert failed == []
    # Browsers fetch the favicon outside the page's own requests: the server's log tells
    # whether anything was missing (Django logs "Not Found: /favicon.ico").
    assert "Not Found" not in server.output()[log_start:], server.output()[log_start:]


def test_dates_on_the_events_page_stay_on_one_line(
    browser: Any, server: Server
) -> None:
    for width in (1280, 400):  # a desktop, and a phone
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        try:
            page = context.new_page()
            page.goto(server.url("/accounts/login/?next=/events/"))
            _log_in(page, ADMIN, PASSWORD)  # staff: every event, and a User column
            page.wait_for_url(server.url("/events/"))
            # One box per line an inline element is laid out on: a date that wraps
            # would have two.
            lines = page.locator("main td time").evaluate_all(
                "times => times.map(time => [time.textContent,"
                " time.getClientRects().length,"
                " time.getBoundingClientRect().height,"
                " parseFloat(getComputedStyle(time).lineHeight)])"
            )
            assert len(lines) >= 3, lines  # load_demo's and the admin's events
            for text, boxes, height, line_height in lines:
                assert boxes == 1, (width, text, boxes)
                assert height < 1.5 * line_height, (width, text, height, line_height)
        finally:
            context.close()


def _panel_entry(panel: Any, receiver: str) -> Any:
    """The panel's entry for the receiver with the dotted path ``receiver``."""
    return panel.locator(".whatran-run").filter(
        has=panel.page.locator(".whatran-path", has_text=receiver)
    )


def _assert_favicon(page: Any, server: Server) -> None:
    """The page links the SVG favicon, and it loads (and decodes, as the header's logo)."""
    icon = page.locator('link[rel="icon"]')
    href = icon.get_attribute("href")
    assert href == "/static/favicon.svg", href
    response = page.request.get(server.url(href))
    assert response.status == 200, (href, response.status)
    assert response.headers["content-type"].startswith("image/svg+xml"), (
        response.headers
    )
    if page.locator("img.brand-logo").count():
        width = page.locator("img.brand-logo").evaluate("img => img.naturalWidth")
        assert width > 0


def _click_until(page: Any, target: Any, url_part: str, attempts: int = 4) -> None:
    """Click ``target`` until the page requests a URL holding ``url_part``.

    The History panel's buttons get their click handler from the toolbar's history.js,
    which loads with the panel's content: a click that lands before that script has run
    does nothing (seen once on a loaded machine), so it is repeated.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(attempts):
        try:
            with page.expect_response(
                lambda response: url_part in response.url, timeout=5_000
            ):
                target.click()
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise


def _open_demos_orders(page: Any, server: Server) -> None:
    """Log in as load_demo's user and open the orders page."""
    page.goto(server.url("/accounts/login/"))
    _log_in(page, "demo", "demo")
    page.wait_for_url(server.url("/accounts/profile/"))
    page.goto(server.url("/orders/"))


def _log_in(page: Any, username: str, password: str) -> None:
    """Fill in and send the login form the page shows."""
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main").get_by_role("button", name="Log in").click()


def test_anonymous_visitor_sees_no_personal_data(page: Any, server: Server) -> None:
    from playwright.sync_api import expect

    page.goto(server.url("/"))
    body = page.locator("body")
    expect(body).not_to_contain_text("@example.com")

    # The events name users and their addresses: the link leads to the login page.
    page.locator("header").get_by_role("link", name="Events").click()
    page.wait_for_url(server.url("/accounts/login/?next=/events/"))
    expect(page.locator("h1")).to_have_text("Log in")
    expect(body).not_to_contain_text("@example.com")
    expect(body).not_to_contain_text("welcome e-mail")

    # Once logged in, the user is sent on to the events: their own, no one else's.
    _log_in(page, "demo", "demo")
    page.wait_for_url(server.url("/events/"))
    main = page.locator("main")
    expect(main).to_contain_text("What the signal receivers did for you")
    expect(main).to_contain_text("Sent the welcome e-mail to demo@example.com.")
    expect(main).not_to_contain_text("admin@example.com")
    expect(main.locator("th")).to_have_text(["When", "Kind", "Message"])


def test_staff_see_every_users_events(page: Any, server: Server) -> None:
    from playwright.sync_api import expect

    page.goto(server.url("/accounts/login/"))
    _log_in(page, ADMIN, PASSWORD)
    page.wait_for_url(server.url("/accounts/profile/"))

    page.goto(server.url("/events/"))
    main = page.locator("main")
    expect(main).to_contain_text("for every user")
    expect(main.locator("th")).to_have_text(["When", "Kind", "User", "Message"])
    expect(main).to_contain_text("Sent the welcome e-mail to demo@example.com.")
    expect(main).to_contain_text("Sent the welcome e-mail to admin@example.com.")
    expect(main.locator("tr", has_text="demo@example.com")).to_contain_text("demo")
