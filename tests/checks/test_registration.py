from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.helpers import signalkit_messages

ROOT = Path(__file__).resolve().parents[2]
# JSONField's check asks every database whether it supports JSON.
pytestmark = pytest.mark.django_db(databases=["default", "other"])


def test_no_messages_for_the_test_project() -> None:
    assert signalkit_messages() == []


def _ids_in(path: Path) -> set[str]:
    found: set[str] = set()
    for file in path.rglob("*.py"):
        found.update(re.findall(r"signalkit\.[EW]\d{3}", file.read_text()))
    return found


def test_every_check_id_is_documented_once() -> None:
    doc = (ROOT / "docs" / "reference" / "checks.rst").read_text()
    used = _ids_in(ROOT / "signalkit")
    assert {"signalkit.E001", "signalkit.E002", "signalkit.E004"} <= used
    for check_id in used:
        assert check_id in doc, (
            f"{check_id} is not documented in docs/reference/checks.rst"
        )
    headings = re.findall(r"^``(signalkit\.[EW]\d{3})``\s*$", doc, flags=re.MULTILINE)
    assert headings, "docs/reference/checks.rst has no check headings"
    assert len(headings) == len(set(headings)), "a check id is documented twice"


ALL_IDS = {f"signalkit.E00{n}" for n in range(1, 6)} | {
    f"signalkit.W00{n}" for n in range(1, 7)
}


def test_each_check_id_is_raised_by_one_module_of_the_checks_package() -> None:
    # Every string in the code that is a check id, exactly (prose that names one aside).
    raised: dict[str, set[str]] = {}
    for file in (ROOT / "signalkit").rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text())):
            value = node.value if isinstance(node, ast.Constant) else None
            if isinstance(value, str) and re.fullmatch(r"signalkit\.[EW]\d{3}", value):
                path = file.relative_to(ROOT).as_posix()
                raised.setdefault(value, set()).add(path)
    assert set(raised) == ALL_IDS
    for check_id, files in raised.items():
        assert len(files) == 1, f"{check_id} is raised by {sorted(files)}"
        assert next(iter(files)).startswith("signalkit/checks/"), (check_id, files)


def test_each_check_id_is_documented_with_a_sample_message() -> None:
    doc = (ROOT / "docs" / "reference" / "checks.rst").read_text()
    sections = re.split(r"^(?=``signalkit\.[EW]\d{3}``\s*$)", doc, flags=re.MULTILINE)
    by_id = {}
    for section in sections[1:]:
        check_id = section.split("``")[1]
        assert check_id not in by_id, f"{check_id} is documented twice"
        by_id[check_id] = section
    assert set(by_id) == ALL_IDS
    for check_id, section in by_id.items():
        sample = re.search(
            # The real output of manage.py check, in a console block (tab before HINT).
            rf"^    \S+: \({re.escape(check_id)}\) \S.*\n    \s+HINT: \S",
            section,
            flags=re.MULTILINE,
        )
        assert sample, (
            f"docs/reference/checks.rst shows no sample message for {check_id}"
        )
        assert "**Cause.**" in section and "**Fix.**" in section, check_id
