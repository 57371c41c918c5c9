from __future__ import annotations

import logging
import subprocess
import sys

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import post_delete, post_save
from django.test import override_settings

import signalkit
from signalkit import discovery
from tests import interpreter
from tests.testapp.models import Author

APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "tests.testapp",
    "tests.pkgapp",
    "tests.plainapp",
]


def receiver_count(signal: object, sender: object) -> int:
    return len(signal._live_receivers(sender)[0])  # type: ignore[attr-defined]


def test_finds_modules_and_packages_and_skips_apps_without_one() -> None:
    found = signalkit.autodiscover()
    assert "tests.testapp.signals" in found
    assert "tests.pkgapp.signals" in found
    assert not any(name.startswith("tests.plainapp") for name in found)
    assert "tests.pkgapp.signals.handlers" in sys.modules


def test_imports_in_installed_apps_order() -> None:
    found = signalkit.autodiscover()
    assert found.index("tests.testapp.signals") < found.index("tests.pkgapp.signals")


def test_second_run_connects_nothing_twice() -> None:
    before = receiver_count(post_save, Author), receiver_count(post_delete, Author)
    signalkit.autodiscover()
    signalkit.autodiscover()
    assert (
        receiver_count(post_save, Author),
        receiver_count(post_delete, Author),
    ) == before


def test_reimported_module_replaces_its_receivers() -> None:
    before = receiver_count(post_save, Author)
    saved = sys.modules.pop("tests.testapp.signals")
    try:
        found = signalkit.autodiscover()
        assert "tests.testapp.signals" in found
        assert sys.modules["tests.testapp.signals"] is not saved
        assert receiver_count(post_save, Author) == before
    finally:
        sys.modules["tests.testapp.signals"] = saved
        # Put the original module's receiver back, as the rest of the suite expects.
        signalkit.on_post_save("testapp.Author", created=True)(saved.author_created)
    assert receiver_count(post_save, Author) == before


def test_ready_twice_via_override_settings_connects_nothing_twice() -> None:
    before = receiver_count(post_save, Author)
    with override_settings(INSTALLED_APPS=["signalkit", *APPS]):
        assert receiver_count(post_save, Author) == before
    with override_settings(INSTALLED_APPS=[*APPS, "signalkit"]):
        assert receiver_count(post_save, Author) == before
    assert receiver_count(post_save, Author) == before


def test_debug_log_names_each_imported_module(caplog: pytest.LogCaptureFixture) -> None:
    sys.modules.pop("tests.plainapp.receivers", None)
    with caplog.at_level(logging.DEBUG, logger="signalkit"):
        signalkit.autodiscover(modules=["receivers"])
    messages = [r.getMessage() for r in caplog.records if r.name == "signalkit"]
    assert any("tests.plainapp.receivers" in m and "plainapp" in m for m in messages)


def test_modules_setting_is_honoured() -> None:
    sys.modules.pop("tests.plainapp.receivers", None)
    with override_settings(SIGNALKIT={"MODULES": ["receivers"]}):
        found = signalkit.autodiscover()
    assert "tests.plainapp.receivers" in found
    assert "tests.testapp.signals" not in found
    assert "tests.plainapp.receivers" in sys.modules


def test_modules_argument_replaces_the_setting() -> None:
    with override_settings(SIGNALKIT={"MODULES": ["receivers"]}):
        found = signalkit.autodiscover(modules=["signals"])
    assert "tests.testapp.signals" in found
    assert "tests.plainapp.receivers" not in found


def test_modules_argument_must_be_a_list() -> None:
    with pytest.raises(TypeError, match=r"modules=\['signals', 'receivers'\]"):
        signalkit.autodiscover(modules="signals")


def test_bad_modules_setting_fails_clearly() -> None:
    with (
        override_settings(SIGNALKIT={"MODULES": "signals"}),
        pytest.raises(
            ImproperlyConfigured,
            match=r"SIGNALKIT\['MODULES'\] must be list or tuple of str",
        ),
    ):
        signalkit.autodiscover()


BAD_NAMES = ["", "../etc", "/etc/passwd", ".signals", "signals.", "sig nals", "a..b"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_modules_argument_rejects_what_is_not_a_module_name(name: str) -> None:
    with pytest.raises(ValueError, match="is not a module name") as info:
        signalkit.autodiscover(modules=["signals", name])
    assert repr(name) in str(info.value)
    assert "autodiscover(modules=...)" in str(info.value)


def test_modules_argument_names_modules_not_files() -> None:
    with pytest.raises(ValueError, match=r"'signals\.py' is a file name.*'signals'"):
        signalkit.autodiscover(modules=["signals.py"])


def test_dotted_module_names_are_accepted() -> None:
    found = signalkit.autodiscover(modules=["signals.handlers"])
    assert found == ["tests.pkgapp.signals.handlers"]


@pytest.mark.parametrize("name", [*BAD_NAMES, "signals.py"])
def test_bad_module_name_in_the_setting_fails_clearly(name: str) -> None:
    with (
        override_settings(SIGNALKIT={"MODULES": ["signals", name]}),
        pytest.raises(ImproperlyConfigured, match=r"SIGNALKIT\['MODULES'\] contains"),
    ):
        signalkit.autodiscover()


@pytest.mark.parametrize(("autodiscover", "imported"), [(False, False), (True, True)])
def test_autodiscover_setting_controls_ready(
    autodiscover: bool, imported: bool
) -> None:
    sys.modules.pop("tests.plainapp.receivers", None)
    with override_settings(
        SIGNALKIT={"AUTODISCOVER": autodiscover, "MODULES": ["receivers"]}
    ):
        apps.get_app_config("signalkit").ready()
    assert ("tests.plainapp.receivers" in sys.modules) is imported


def test_broken_module_propagates_naming_the_app() -> None:
    with (
        pytest.raises(ModuleNotFoundError) as excinfo,
        override_settings(INSTALLED_APPS=[*APPS, "signalkit", "tests.brokenapp"]),
    ):
        pass  # pragma: no cover
    error = excinfo.value
    assert error.name == "signalkit_no_such_module"
    text = "\n".join([str(error), *getattr(error, "__notes__", [])])
    assert "'brokenapp'" in text
    assert "tests.brokenapp.signals" in text
    assert "'signals' module" in text


def test_broken_module_fails_django_setup_in_a_fresh_process() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=interpreter.CWD,
        env=interpreter.env(DJANGO_SETTINGS_MODULE="tests.settings_broken"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert (
        "ModuleNotFoundError: No module named 'signalkit_no_such_module'"
        in result.stderr
    )
    assert "the 'signals' module of app 'brokenapp'" in result.stderr


def test_position_of_signalkit_in_installed_apps_does_not_matter() -> None:
    code = (
        "import django; from django.conf import settings; "
        "from tests import settings as s; "
        "apps = [a for a in s.INSTALLED_APPS if a != 'signalkit']; "
        "settings.configure(INSTALLED_APPS=apps[:1] + ['signalkit'] + apps[1:] if {first} "
        "else apps + ['signalkit'], DATABASES=s.DATABASES, "
        "DEBUG_TOOLBAR_PANELS=s.DEBUG_TOOLBAR_PANELS); django.setup(); "
        "from django.db.models.signals import post_save, post_delete; "
        "from tests.testapp.models import Author; "
        "print(post_save.has_listeners(Author), post_delete.has_listeners(Author))"
    )
    for first in (True, False):
        out = interpreter.run_code(code.format(first=first))
        assert out.split() == ["True", "True"]


def test_a_bad_modules_setting_falls_back_to_the_default() -> None:
    with override_settings(SIGNALKIT={"MODULES": "signals"}):
        names = {m.__name__ for m in discovery.discovered_modules()}
    assert {"tests.testapp.signals", "tests.pkgapp.signals"} <= names


def test_discovered_modules_follow_the_modules_setting() -> None:
    with override_settings(SIGNALKIT={"MODULES": ["models"]}):
        names = {m.__name__ for m in discovery.discovered_modules()}
    assert "tests.testapp.models" in names
    assert "tests.testapp.signals" not in names


# signalkit's own app is not a project app ---------------------------------------------

SIGNALKIT_MODULE_NAMES = ["signals", "receivers", "models", "testing", "checks"]


def test_autodiscovery_skips_signalkits_own_app() -> None:
    # Every one of these names is a module of signalkit: none is a project's receivers.
    found = signalkit.autodiscover(modules=SIGNALKIT_MODULE_NAMES)
    assert [name for name in found if name.split(".")[0] == "signalkit"] == []
    assert "tests.testapp.signals" in found


def test_the_default_run_returns_the_projects_modules_only() -> None:
    found = signalkit.autodiscover()
    assert "signalkit.signals" not in found
    assert found[0] == "django.contrib.auth.signals"


def test_discovered_modules_leave_signalkits_own_out() -> None:
    with override_settings(SIGNALKIT={"MODULES": SIGNALKIT_MODULE_NAMES}):
        names = {m.__name__ for m in discovery.discovered_modules()}
    assert {n for n in names if n.split(".")[0] == "signalkit"} == set()
    assert "tests.testapp.signals" in names


def test_startup_with_modules_that_signalkit_has_imports_none_of_them() -> None:
    # signalkit.testing is imported only by tests; a fresh process shows whether
    # autodiscovery imported it for MODULES = [..., "testing"].
    code = (
        "import sys, django; from django.conf import settings; "
        "from tests import settings as s; "
        "settings.configure(**{**{k: getattr(s, k) for k in dir(s) if k.isupper()}, "
        "'SIGNALKIT': {'MODULES': ['signals', 'receivers', 'testing']}}); django.setup(); "
        "print('signalkit.testing' in sys.modules, 'tests.plainapp.receivers' in sys.modules)"
    )
    assert interpreter.run_code(code).split() == ["False", "True"]
