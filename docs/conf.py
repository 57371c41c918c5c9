"""Sphinx configuration for signalkit's documentation."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# autodoc imports signalkit from the checkout, so the docs describe the code beside them
# even when an older release is installed.
sys.path.insert(0, str(ROOT))

# signalkit's decorators are importable without an app registry, but its app config and
# checks need one: a minimal configuration is enough for autodoc.
import django  # noqa: E402
from django.conf import settings  # noqa: E402

if not settings.configured:
    settings.configure(
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "signalkit",
        ],
    )
django.setup()


def _release() -> str:
    """The version from the installed package's metadata, else from pyproject.toml."""
    try:
        return metadata.version("django-signalkit")
    except metadata.PackageNotFoundError:
        pass
    try:
        import tomllib
    except ImportError:  # Python 3.10
        return "unknown"
    with open(ROOT / "pyproject.toml", "rb") as f:
        return str(tomllib.load(f)["project"]["version"])


project = "signalkit"
author = "The signalkit authors"
copyright = "The signalkit authors"
release = _release()
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx_copybutton",
]

# Django's names link to Django's documentation. The build has no network, so the
# inventory is a file in the repository, made from Django's own documentation source
# (``python scripts/docs_outputs.py --django-inventory``).
DJANGO_DOCS_VERSION = "6.1"
intersphinx_mapping = {
    "django": (
        f"https://docs.djangoproject.com/en/{DJANGO_DOCS_VERSION}/",
        str(ROOT / "docs" / "_intersphinx" / f"django-{DJANGO_DOCS_VERSION}.inv"),
    ),
}
# Only what is named with a role and a "django" target goes to Django's documentation.
intersphinx_disabled_reftypes = ["std:doc"]
# Every role must find its target, here or in Django's inventory: with -W, a misspelled
# Django name fails the build instead of rendering as plain text.
nitpicky = True

# The copy button copies commands and code, not prompts or outputs.
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True

# Signatures read better without the annotations; the prose states the accepted types.
autodoc_typehints = "none"
autodoc_member_order = "bysource"
# The docs build without the extras: signalkit.contrib.debug_toolbar's base class is a
# stand-in when django-debug-toolbar is not installed.
autodoc_mock_imports = ["debug_toolbar"]

exclude_patterns = [
    "_build",
    "_benchmark_results.rst",
    "**/_benchmark_results.rst",
    "_outputs",
    "_intersphinx",
    "examples",
]
templates_path: list[str] = []

html_theme = "furo"
html_title = f"signalkit {release}"
html_static_path: list[str] = []


def setup(app: object) -> None:
    """Roles for Django's settings (``:setting:`INSTALLED_APPS```), as Django's
    documentation defines them, so that intersphinx resolves them."""
    app.add_crossref_type(  # type: ignore[attr-defined]
        directivename="setting", rolename="setting", indextemplate="pair: %s; setting"
    )
