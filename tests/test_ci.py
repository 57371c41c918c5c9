"""The public CI (.github/workflows/ci.yml) runs what .ci/run runs: every tox environment
of tox.ini's env_list, one job each."""

from __future__ import annotations

import itertools
import re

from tests.interpreter import ROOT


def expand(pattern: str) -> list[str]:
    """tox's brace expansion: ``py{312,313}-django{60,61}`` is four names."""
    parts = re.split(r"\{([^}]*)\}", pattern)
    choices = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(parts)]
    return ["".join(combo) for combo in itertools.product(*choices)]


def tox_env_list() -> list[str]:
    text = (ROOT / "tox.ini").read_text()
    block = re.search(r"^env_list =\n((?:    .*\n)+)", text, re.MULTILINE)
    assert block is not None, "tox.ini has no env_list"
    return [name for line in block.group(1).split() for name in expand(line)]


def workflow_envs() -> list[str]:
    text = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    return re.findall(
        r"^\s+- \{ env: ([\w.-]+), python: \"3\.\d+\" \}$", text, re.MULTILINE
    )


def test_expand() -> None:
    assert expand("py{312,313}-django{60,61}") == [
        "py312-django60",
        "py312-django61",
        "py313-django60",
        "py313-django61",
    ]
    assert expand("lint") == ["lint"]


def test_the_workflow_runs_every_environment_of_the_env_list_once() -> None:
    envs = tox_env_list()
    assert {"py310-django52", "py313-django61-postgres", "type", "sdist"} <= set(envs)
    jobs = workflow_envs()
    assert sorted(jobs) == sorted(envs)


def test_each_job_uses_the_python_its_environment_names() -> None:
    text = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    for env, python in re.findall(
        r"- \{ env: ([\w.-]+), python: \"(3\.\d+)\" \}", text
    ):
        named = re.search(r"py3(\d+)", env)
        if named is not None:
            assert python == f"3.{named.group(1)}", env
