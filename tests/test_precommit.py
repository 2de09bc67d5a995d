"""The pre-commit hooks this repository ships, run by a real `pre-commit try-repo` (which installs the
repository, with its uncommitted changes, into an isolated environment from the package index)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from conftest import REPO

pytestmark = pytest.mark.precommit

BLOCKING = """\
import time


async def poll(queue):
    while not await queue.ready():
        time.sleep(0.5)
"""

FIXED = """\
import time
import asyncio


async def poll(queue):
    while not await queue.ready():
        await asyncio.sleep(0.5)
"""


# ASY200 needs both modules in one asynclint run. Unless a hook is `require_serial`, pre-commit
# shuffles the files (with a fixed seed) and splits them over processes in chunks of
# max(4, files / CPUs); with ten files the 5th and the 10th in sorted order land first and last,
# so in different chunks on any machine with two or more CPUs.
EVENTS = "async def publish(topic, payload):\n    return (topic, payload)\n"
ORDERS = """\
from shop.c_events import publish


async def on_order_created(order):
    publish("orders.created", order)
    return order
"""


def _environment(tmp_path) -> dict:
    """This environment without the caller's git and pre-commit settings, with a commit identity."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        GIT_AUTHOR_NAME="asynclint tests",
        GIT_AUTHOR_EMAIL="tests@example.invalid",
        GIT_COMMITTER_NAME="asynclint tests",
        GIT_COMMITTER_EMAIL="tests@example.invalid",
        NO_COLOR="1",
    )
    return env


def _shop_repository(tmp_path) -> tuple:
    """A git repository with a project (pyproject.toml) whose `shop.c_events` defines a coroutine."""
    pytest.importorskip("pre_commit")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    project = tmp_path / "project"
    (project / "shop").mkdir(parents=True)
    env = _environment(tmp_path)
    _git("init", "-q", cwd=project, env=env)
    (project / "pyproject.toml").write_text("[tool.asynclint]\n")
    (project / "shop" / "__init__.py").write_text("")
    (project / "shop" / "c_events.py").write_text(EVENTS)
    return project, env


def _git(*args: str, cwd, env) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def test_hooks_check_then_fix_in_a_fresh_repository(tmp_path):
    pytest.importorskip("pre_commit")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    project = tmp_path / "project"
    project.mkdir()
    env = _environment(tmp_path)
    _git("init", "-q", cwd=project, env=env)
    (project / "poller.py").write_text(BLOCKING)
    (project / "notes.txt").write_text("time.sleep in a text file is not Python\n")
    (project / "shop").mkdir()
    (project / "shop" / "__init__.py").write_text("")
    for name in ("b1", "b2", "d1", "d2", "d3", "d4"):
        (project / "shop" / f"{name}.py").write_text(f"NAME = {name!r}\n")
    (project / "shop" / "c_events.py").write_text(EVENTS)
    (project / "shop" / "z_orders.py").write_text(ORDERS)
    _git("add", "poller.py", "notes.txt", "shop", cwd=project, env=env)

    # No hook id: both hooks run in the order the repository declares them, from one install.
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "--all-files", "--color", "never"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    check, fix = output.split("asynclint (fix)", 1)
    assert "Failed" in check
    assert "poller.py:6:9: ASY100 `time.sleep` blocks the event loop in `poll()`" in check
    assert "shop/z_orders.py:5:5: ASY200 `publish()` is a coroutine function" in check
    assert "notes.txt" not in check
    assert "files were modified by this hook" in fix
    assert "Fixed 1 diagnostic in 1 file." in fix
    assert (project / "poller.py").read_text() == FIXED
    assert (project / "notes.txt").read_text() == "time.sleep in a text file is not Python\n"


def test_changed_file_sees_the_unchanged_modules_of_the_project(tmp_path):
    """pre-commit passes only the staged files; the callee lives in a module committed earlier and
    unchanged, and the finding is the one a run on the whole project gives."""
    project, env = _shop_repository(tmp_path)
    _git("add", ".", cwd=project, env=env)
    _git("commit", "-q", "-m", "events", cwd=project, env=env)
    (project / "shop" / "z_orders.py").write_text(ORDERS)
    _git("add", "shop/z_orders.py", cwd=project, env=env)
    # No --all-files: pre-commit passes the staged file, shop/z_orders.py, and nothing else.
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "asynclint", "--color", "never", "--verbose"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "shop/z_orders.py:5:5: ASY200 `publish()` is a coroutine function" in output
    assert "c_events.py:" not in output  # the unchanged module is read, not reported


LOCAL_HOOK = """\
repos:
  - repo: local
    hooks:
      - id: asynclint
        name: asynclint
        entry: {python} -m asynclint --force-exclude
        language: system
        types_or: [python, pyi]
        require_serial: true
"""


def test_warm_cache_answers_follow_a_callee_changed_in_an_unstaged_module(tmp_path):
    """With a warm cache, a run on the staged file takes the other modules' facts from the cache's
    project summary; when the callee's module changes (committed, not passed to the hook), its
    entry there no longer counts and the answer follows the new code."""
    project, env = _shop_repository(tmp_path)
    (project / ".pre-commit-config.yaml").write_text(LOCAL_HOOK.format(python=sys.executable))
    (project / "shop" / "z_orders.py").write_text(ORDERS)
    _git("add", ".", cwd=project, env=env)
    _git("commit", "-q", "-m", "shop", cwd=project, env=env)

    def hook_on_orders(edit: str) -> str:
        (project / "shop" / "z_orders.py").write_text(ORDERS + f"# {edit}\n")
        _git("add", "shop/z_orders.py", cwd=project, env=env)
        result = subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--color", "never", "--verbose"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        return result.stdout + result.stderr

    finding = "shop/z_orders.py:5:5: ASY200 `publish()` is a coroutine function"
    assert finding in hook_on_orders("first")
    assert list((project / ".asynclint_cache").rglob("project-summary.json"))
    assert finding in hook_on_orders("second")  # the callee's facts from the project summary
    (project / "shop" / "c_events.py").write_text(EVENTS.replace("async def", "def"))
    _git("commit", "-q", "-am", "publish is a plain function now", cwd=project, env=env)
    output = hook_on_orders("third")
    assert "ASY200" not in output and "Passed" in output, output
    (project / "shop" / "c_events.py").write_text(EVENTS)
    _git("commit", "-q", "-am", "publish is a coroutine again", cwd=project, env=env)
    assert finding in hook_on_orders("fourth")
