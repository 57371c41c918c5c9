"""Tests of the site as a whole: settings from the environment, the DEBUG guard, what an
anonymous visitor can see, the home page, and every page with its static files.

Run with ``python example_project/manage.py test mysite`` (or no label: every test of the
example), from any directory.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.test import SimpleTestCase, TestCase, override_settings
from django.urls import URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

import signalkit
from events.models import Event
from mysite import environment
from mysite.middleware import REFUSAL
from shop.models import Order

User = get_user_model()

MANAGE = Path(settings.BASE_DIR) / "manage.py"
TIMEOUT = 120  # seconds for a manage.py command; each normally takes about one


def run(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    """Run ``python *args`` in a fresh interpreter, with no ``DJANGO_*`` variable but
    the settings module and ``environ``, importing signalkit from where this process
    does; stdout and stderr together."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_SETTINGS_MODULE"] = "mysite.settings"
    env["PYTHONPATH"] = os.pathsep.join(
        [str(settings.BASE_DIR), str(Path(signalkit.__file__).parent.parent)]
    )
    env.update(environ)
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def free_port() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


def production(**environ: str) -> dict[str, str]:
    """The environment of a site served to others: DEBUG off, its own key, a host."""
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": get_random_secret_key(),
        "DJANGO_ALLOWED_HOSTS": "shop.example.com",
        **environ,
    }


def site_urls(user, order: Order) -> dict[str, str]:
    """Every named page of the site outside the admin, and some of the admin's, by name
    (``user`` needs an event about them)."""
    event = Event.objects.filter(user=user).first()
    assert event is not None
    return {
        "home": reverse("home"),
        "signup": reverse("signup"),
        "profile": reverse("profile"),
        "login": reverse("login"),
        "logout": reverse("logout"),
        "password_change": reverse("password_change"),
        "password_change_done": reverse("password_change_done"),
        "password_reset": reverse("password_reset"),
        "password_reset_done": reverse("password_reset_done"),
        "password_reset_confirm": reverse(
            "password_reset_confirm",
            args=[urlsafe_base64_encode(force_bytes(user.pk)), "set-password"],
        ),
        "password_reset_complete": reverse("password_reset_complete"),
        "orders": reverse("orders"),
        "order_create": reverse("order_create"),
        "order_pay": reverse("order_pay", args=[order.pk]),
        "orders_ship": reverse("orders_ship"),
        "events": reverse("events"),
        "favicon": reverse("favicon"),
        "admin:index": reverse("admin:index"),
        "admin:events_event_changelist": reverse("admin:events_event_changelist"),
        "admin:events_event_change": reverse(
            "admin:events_event_change", args=[event.pk]
        ),
        "admin:auth_user_change": reverse("admin:auth_user_change", args=[user.pk]),
    }


class DebugVariableTests(SimpleTestCase):
    def test_unset_means_on_for_local_development(self) -> None:
        self.assertIs(environment.debug({}), True)

    def test_the_words_for_on_and_off_in_any_case(self) -> None:
        for raw in ("1", "true", "True", "YES", "on", " on "):
            with self.subTest(raw=raw):
                self.assertIs(environment.debug({"DJANGO_DEBUG": raw}), True)
        for raw in ("0", "false", "FALSE", "no", "Off", " 0 "):
            with self.subTest(raw=raw):
                self.assertIs(environment.debug({"DJANGO_DEBUG": raw}), False)

    def test_anything_else_is_an_error_naming_the_variable_and_the_value(self) -> None:
        # A typo must not quietly leave DEBUG on (or off).
        for raw in ("flase", "2", "", "debug"):
            with (
                self.subTest(raw=raw),
                self.assertRaisesMessage(
                    ImproperlyConfigured,
                    f"DJANGO_DEBUG must be one of 1, true, yes, on (DEBUG on) or 0, "
                    f"false, no, off (DEBUG off), not {raw!r}.",
                ),
            ):
                environment.debug({"DJANGO_DEBUG": raw})


class SecretKeyVariableTests(SimpleTestCase):
    def test_with_debug_on_the_published_key_unless_one_is_set(self) -> None:
        published = environment.PUBLISHED_SECRET_KEY
        self.assertEqual(environment.secret_key({}, debug=True), published)
        self.assertEqual(
            environment.secret_key({"DJANGO_SECRET_KEY": ""}, debug=True), published
        )
        self.assertEqual(
            environment.secret_key({"DJANGO_SECRET_KEY": "mine"}, debug=True), "mine"
        )

    def test_with_debug_off_the_key_from_the_environment(self) -> None:
        key = get_random_secret_key()
        self.assertEqual(
            environment.secret_key({"DJANGO_SECRET_KEY": key}, debug=False), key
        )

    def test_with_debug_off_no_key_is_refused(self) -> None:
        for environ in ({}, {"DJANGO_SECRET_KEY": ""}):
            with (
                self.subTest(environ=environ),
                self.assertRaisesMessage(
                    ImproperlyConfigured,
                    "DJANGO_DEBUG is off, so the example needs a secret key of its "
                    "own: set DJANGO_SECRET_KEY. Generate one with:",
                ),
            ):
                environment.secret_key(environ, debug=False)

    def test_with_debug_off_the_published_key_is_refused(self) -> None:
        with self.assertRaisesMessage(
            ImproperlyConfigured,
            "DJANGO_SECRET_KEY is the example's published key, which anyone can read "
            "in its repository; with DJANGO_DEBUG off, set a secret one.",
        ):
            environment.secret_key(
                {"DJANGO_SECRET_KEY": environment.PUBLISHED_SECRET_KEY}, debug=False
            )


class AllowedHostsVariableTests(SimpleTestCase):
    def test_unset_or_empty_is_no_host(self) -> None:
        self.assertEqual(environment.allowed_hosts({}), [])
        self.assertEqual(environment.allowed_hosts({"DJANGO_ALLOWED_HOSTS": ""}), [])

    def test_comma_separated_names_spaces_and_empty_items_ignored(self) -> None:
        self.assertEqual(
            environment.allowed_hosts(
                {"DJANGO_ALLOWED_HOSTS": " shop.example.com, .example.org,, "}
            ),
            ["shop.example.com", ".example.org"],
        )


class SettingsInAFreshProcessTests(SimpleTestCase):
    """The settings as ``manage.py`` and a WSGI server load them, from the environment."""

    def test_check_deploy_is_clean_with_debug_off_and_a_key_of_ones_own(self) -> None:
        result = run(
            str(MANAGE), "check", "--deploy", "--fail-level", "WARNING", **production()
        )
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertIn("System check identified no issues", result.stdout)

    def test_check_deploy_flags_the_local_defaults(self) -> None:
        result = run(str(MANAGE), "check", "--deploy", "--fail-level", "WARNING")
        self.assertNotEqual(result.returncode, 0, result.stdout)
        self.assertIn("security.W018", result.stdout)  # DEBUG on
        self.assertIn("security.W009", result.stdout)  # the django-insecure- key

    def test_runserver_refuses_to_start_with_debug_off_and_the_published_key(
        self,
    ) -> None:
        environ = production(DJANGO_SECRET_KEY=environment.PUBLISHED_SECRET_KEY)
        try:
            result = run(str(MANAGE), "runserver", "--noreload", free_port(), **environ)
        except subprocess.TimeoutExpired as exc:
            self.fail(f"runserver started and served until killed: {exc.output}")
        self.assertNotEqual(result.returncode, 0, result.stdout)
        self.assertIn(
            "ImproperlyConfigured: DJANGO_SECRET_KEY is the example's published key",
            result.stdout,
        )
        self.assertNotIn("Starting development server", result.stdout)

    def test_the_wsgi_application_refuses_to_load_with_debug_off_and_no_key(
        self,
    ) -> None:
        environ = production()
        del environ["DJANGO_SECRET_KEY"]
        result = run("-c", "import mysite.wsgi", **environ)
        self.assertNotEqual(result.returncode, 0, result.stdout)
        self.assertIn(
            "ImproperlyConfigured: DJANGO_DEBUG is off, so the example needs a secret "
            "key of its own: set DJANGO_SECRET_KEY.",
            result.stdout,
        )

    def test_the_wsgi_application_loads_with_debug_off_and_a_key(self) -> None:
        result = run(
            "-c",
            "from django.conf import settings; import mysite.wsgi; "
            "print(settings.DEBUG, settings.ALLOWED_HOSTS, settings.SECURE_SSL_REDIRECT)",
            **production(),
        )
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertEqual(result.stdout.strip(), "False ['shop.example.com'] True")

    def test_the_debug_toolbar_and_signalkits_panel_only_while_debug_is_on(
        self,
    ) -> None:
        code = (
            "import django; django.setup(); from django.conf import settings; "
            "print('debug_toolbar' in settings.INSTALLED_APPS, "
            "'debug_toolbar.middleware.DebugToolbarMiddleware' in settings.MIDDLEWARE, "
            "'signalkit.contrib.debug_toolbar.SignalsPanel' in "
            "getattr(settings, 'DEBUG_TOOLBAR_PANELS', []))"
        )
        result = run("-c", code)
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertEqual(result.stdout.strip(), "True True True")
        result = run("-c", code, **production())
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertEqual(result.stdout.strip(), "False False False")

    def test_a_misspelt_debug_value_stops_manage_py(self) -> None:
        result = run(str(MANAGE), "check", DJANGO_DEBUG="flase")
        self.assertNotEqual(result.returncode, 0, result.stdout)
        self.assertIn("DJANGO_DEBUG must be one of", result.stdout)


class LocalOnlyWhileDebugTests(TestCase):
    """``LocalOnlyWhileDebugMiddleware``: DEBUG pages for this machine only."""

    def get_home(self, remote_addr: str, **headers: str):
        return self.client.get(reverse("home"), REMOTE_ADDR=remote_addr, **headers)

    @override_settings(DEBUG=True)
    def test_with_debug_on_local_requests_are_served(self) -> None:
        for address in ("127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"):
            with self.subTest(address=address):
                self.assertEqual(self.get_home(address).status_code, 200)

    @override_settings(DEBUG=True)
    def test_with_debug_on_other_requests_are_refused(self) -> None:
        for address in ("192.0.2.10", "10.0.0.2", "2001:db8::1", "::ffff:192.0.2.10"):
            with (
                self.subTest(address=address),
                self.assertLogs("django.request", "WARNING"),
            ):
                response = self.get_home(address)
                self.assertEqual(response.status_code, 403)
                self.assertEqual(response.content.decode(), REFUSAL)
                self.assertIn("DJANGO_DEBUG=0", REFUSAL)

    @override_settings(DEBUG=True)
    def test_with_debug_on_proxied_or_unknown_requests_are_refused(self) -> None:
        # A reverse proxy on this machine connects from 127.0.0.1 for anyone.
        for header in ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED"):
            with (
                self.subTest(header=header),
                self.assertLogs("django.request", "WARNING"),
            ):
                response = self.get_home("127.0.0.1", **{header: "192.0.2.10"})
                self.assertEqual(response.status_code, 403)
        for address in ("", "not-an-address"):
            with (
                self.subTest(address=address),
                self.assertLogs("django.request", "WARNING"),
            ):
                self.assertEqual(self.get_home(address).status_code, 403)

    @override_settings(DEBUG=False)
    def test_with_debug_off_every_request_is_served(self) -> None:
        self.assertEqual(self.get_home("192.0.2.10").status_code, 200)
        response = self.get_home("127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.10")
        self.assertEqual(response.status_code, 200)

    def test_is_the_first_middleware(self) -> None:
        self.assertEqual(
            settings.MIDDLEWARE[0], "mysite.middleware.LocalOnlyWhileDebugMiddleware"
        )


class AnonymousVisitorTests(TestCase):
    """No page shows an anonymous visitor anything about a user."""

    USERNAME = "zelda-private"
    EMAIL = "zelda.private@example.org"

    @classmethod
    def setUpTestData(cls) -> None:
        with override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
        ):
            cls.user = User.objects.create_user(cls.USERNAME, cls.EMAIL, "Pw-12345678")
        cls.order = Order.objects.create(customer=cls.user)
        Event.record("email.sent", f"Sent the welcome e-mail to {cls.EMAIL}.")
        Event.record(
            "email.sent",
            f"Sent the welcome e-mail to {cls.EMAIL}.",
            user_id=cls.user.pk,
        )

    def urls(self) -> dict[str, str]:
        """Every named page of the site outside the admin, and some of the admin's."""
        return site_urls(self.user, self.order)

    def test_every_page_outside_the_admin_is_checked(self) -> None:
        names = set()

        def collect(patterns) -> None:
            for pattern in patterns:
                if isinstance(pattern, URLResolver):
                    if pattern.namespace != "admin":
                        collect(pattern.url_patterns)
                else:
                    names.add(pattern.name)

        collect(get_resolver().url_patterns)
        checked = {name for name in self.urls() if not name.startswith("admin:")}
        self.assertEqual(names, checked)

    def test_no_page_shows_an_anonymous_visitor_a_users_name_or_address(self) -> None:
        for name, url in self.urls().items():
            with self.subTest(name=name, url=url):
                response = self.client.get(url, follow=True)
                content = response.content.decode().lower()
                self.assertNotIn("zelda", content)
                self.assertNotIn("@example.org", content)

    def test_the_data_is_there_for_the_user_it_concerns(self) -> None:
        # What the anonymous visitor does not see does exist, on the user's own pages.
        self.client.force_login(self.user)
        self.assertContains(self.client.get(reverse("events")), self.EMAIL)
        self.assertContains(self.client.get(reverse("profile")), self.EMAIL)


class HomePageTests(TestCase):
    """The home page shows the code the site demonstrates, whoever asks."""

    def test_it_shows_every_signals_module_of_the_project_escaped(self) -> None:
        response = self.client.get(reverse("home"))
        self.assertEqual(
            [module["name"] for module in response.context["signal_modules"]],
            ["accounts.signals", "shop.signals"],
        )
        self.assertContains(response, "<code>accounts/signals.py</code>", html=True)
        self.assertContains(response, "<code>shop/signals.py</code>", html=True)
        self.assertContains(response, "def create_profile(sender, instance, **kwargs):")
        self.assertContains(
            response, "order_paid = signalkit.Signal(args=(&quot;order&quot;,))"
        )
        self.assertContains(
            response,
            '<span class="decorator">@signalkit.receiver(order_paid, '
            "sender=&quot;shop.Order&quot;)\n</span>def record_payment(",
        )

    def test_it_lists_each_modules_receivers_with_their_signal(self) -> None:
        response = self.client.get(reverse("home"))
        shop_module = response.context["signal_modules"][1]
        self.assertEqual(
            [
                (each["name"], each["signal"], each["sender"])
                for each in shop_module["receivers"]
            ],
            [
                ("record_new_order", "post_save", "shop.Order"),
                ("record_status_change", "post_save", "shop.Order"),
                ("record_bulk_status_change", "post_update", "shop.Order"),
                ("record_payment", "order_paid", "shop.Order"),
                ("notify_warehouse", "order_paid", "shop.Order"),
                ("record_total_change", "post_save", "shop.Order"),
            ],
        )


class _Assets(HTMLParser):
    """The static files a page links to: stylesheets, icons, scripts and images."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        url = values.get("href") if tag == "link" else values.get("src")
        if tag in ("link", "script", "img") and url:
            self.found.append(url)


@override_settings(
    # The pages as runserver serves them to a developer, whatever the environment says.
    DEBUG=True,
    SECURE_SSL_REDIRECT=False,
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
)
class PagesAndStaticFilesTests(StaticLiveServerTestCase):
    """Every page, and every file it links to, loads: no 404, the favicon included.

    ``StaticLiveServerTestCase`` serves the static files with the handler ``runserver``
    uses while DEBUG is on, and the pages through the whole middleware stack (the live
    server's requests come from 127.0.0.1, which ``LocalOnlyWhileDebugMiddleware`` lets
    through).
    """

    def setUp(self) -> None:
        self.admin = User.objects.create_superuser(
            "root", "root@example.com", "Pw-12345678"
        )
        self.order = Order.objects.create(customer=self.admin)

    def fetch(self, url: str, cookie: str) -> tuple[int, str]:
        request = urllib.request.Request(urljoin(self.live_server_url, url))
        if cookie:
            request.add_header("Cookie", cookie)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def crawl(self, cookie: str) -> set[str]:
        """Load every page and the files it links to; return the files' paths."""
        assets: set[str] = set()
        with self.assertLogs("django.request", "WARNING") as logs:
            for name, url in site_urls(self.admin, self.order).items():
                status, html = self.fetch(url, cookie)
                with self.subTest(page=name):
                    # Some pages answer only POST (405); none may be missing.
                    self.assertNotEqual(status, 404, url)
                    self.assertLess(status, 500, url)
                parser = _Assets()
                parser.feed(html)
                page = urljoin(self.live_server_url, url)
                assets.update(
                    urlsplit(urljoin(page, each)).path for each in parser.found
                )
        # What Django logged were the POST-only pages' answers to a GET, nothing else.
        self.assertTrue(
            all("Method Not Allowed (GET)" in line for line in logs.output), logs.output
        )
        for path in sorted(assets):
            with self.subTest(asset=path):
                status, _body = self.fetch(path, cookie)
                self.assertEqual(status, 200, path)
        return assets

    def test_for_an_anonymous_visitor(self) -> None:
        assets = self.crawl(cookie="")
        self.assertTrue(
            {"/static/favicon.svg", "/static/css/site.css", "/static/css/whatran.css"}
            <= assets,
            assets,
        )

    def test_for_a_logged_in_superuser_admin_pages_included(self) -> None:
        self.client.force_login(self.admin)
        session = self.client.cookies[settings.SESSION_COOKIE_NAME].value
        assets = self.crawl(cookie=f"{settings.SESSION_COOKIE_NAME}={session}")
        # The admin's own files, and the favicon its pages link to as well.
        self.assertIn("/static/admin/css/base.css", assets)
        self.assertIn("/static/favicon.svg", assets)

    def test_the_favicon_is_an_svg_also_at_favicon_ico(self) -> None:
        for path in ("/static/favicon.svg", "/favicon.ico"):
            with self.subTest(path=path):
                status, body = self.fetch(path, cookie="")
                self.assertEqual(status, 200)
                self.assertTrue(body.startswith("<svg "), body[:40])
