"""The flake8 plugin as users run it: a real `flake8` process, compared with the `asynclint` command
on the same files. Both come from one engine, so the findings must be the same set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from conftest import REPO, run_cli

FORMAT = "--format=%(path)s\t%(row)d\t%(col)d\t%(code)s\t%(text)s"

BLOCKING = """\
import time


async def handler(request):
    time.sleep(0.5)
    return "ok"
"""

# A coroutine function in one module, called without `await` from another: ASY200 needs the
# project index to know `publish` is `async def`.
CROSS_MODULE = {
    "shop/__init__.py": "",
    "shop/events.py": """\
        async def publish(topic, payload):
            return (topic, payload)
        """,
    "shop/orders.py": """\
        from shop.events import publish


        async def on_order_created(order):
            publish("orders.created", order)
            return order
        """,
}


def flake8(*args: str, cwd, stdin=None) -> subprocess.CompletedProcess:
    environment = dict(os.environ)
    environment.pop("FLAKE8_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "flake8", FORMAT, *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )


def flake8_findings(result: subprocess.CompletedProcess) -> set[tuple]:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    found = set()
    for line in result.stdout.splitlines():
        path, row, col, code, text = line.split("\t")
        if code.startswith("ASYNC"):
            continue  # flake8-async's codes share the `ASY` prefix when it is installed too
        found.add((os.path.normpath(path), int(row), int(col), code, text))
    return found


def cli_findings(*args: str, cwd, stdin=None) -> set[tuple]:
    result = run_cli("--output-format", "json", *args, cwd=cwd, stdin=stdin)
    assert result.returncode in (0, 1), result.stderr
    return {
        (os.path.normpath(d["path"]), d["line"], d["column"], d["code"], d["message"])
        for d in json.loads(result.stdout)
    }


def codes(findings: set[tuple]) -> list[str]:
    return sorted(finding[3] for finding in findings)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_fixtures_give_the_same_findings_as_the_cli(jobs):
    expected = cli_findings("fixtures", cwd=REPO)
    assert expected, "the fixtures are meant to have findings"
    assert flake8_findings(flake8("--select", "ASY", "--jobs", jobs, "fixtures", cwd=REPO)) == expected


def test_flake8_default_selection_includes_asy_and_other_plugins_still_run(write_tree):
    root = write_tree({"app.py": BLOCKING + "unused = undefined_name\n"})
    found = flake8_findings(flake8("app.py", cwd=root))
    assert ("app.py", 5, 5, "ASY100") in {finding[:4] for finding in found}
    assert "F821" in codes(found)


def test_cross_module_coroutine_is_resolved_like_the_cli(write_tree):
    root = write_tree(CROSS_MODULE)
    expected = cli_findings(".", cwd=root)
    assert [finding[:4] for finding in expected] == [(os.path.normpath("shop/orders.py"), 5, 5, "ASY200")]
    for jobs in ("1", "2"):
        assert flake8_findings(flake8("--select", "ASY", "--jobs", jobs, ".", cwd=root)) == expected
    # Given one file outside any project (no pyproject.toml, no .git), both see that file alone.
    alone = cli_findings("shop/orders.py", cwd=root)
    assert flake8_findings(flake8("--select", "ASY", "shop/orders.py", cwd=root)) == alone == set()


def test_one_file_of_a_project_is_checked_against_the_whole_project(write_tree):
    root = write_tree({**CROSS_MODULE, "pyproject.toml": "[tool.asynclint]\n"})
    expected = cli_findings("--no-cache", ".", cwd=root)
    assert codes(expected) == ["ASY200"]
    # The callee's module is not given: its facts come from the project (cold, then warm cache).
    for _ in range(2):
        assert flake8_findings(flake8("--select", "ASY", "shop/orders.py", cwd=root)) == expected
        assert cli_findings("shop/orders.py", cwd=root) == expected
    assert flake8_findings(flake8("--select", "ASY", "orders.py", cwd=root / "shop")) == {
        ("orders.py", *finding[1:]) for finding in expected
    }


def test_noqa_is_flake8s_and_disable_noqa_shows_everything(write_tree):
    root = write_tree(
        {
            "app.py": """\
                import time


                async def a():
                    time.sleep(1)  # noqa: ASY100


                async def b():
                    time.sleep(2)  # noqa


                async def c():
                    time.sleep(3)  # noqa: E501


                async def d():
                    time.sleep(4)
                """
        }
    )
    expected = cli_findings("app.py", cwd=root)
    assert [finding[1] for finding in sorted(expected)] == [13, 17]
    assert flake8_findings(flake8("--select", "ASY", "app.py", cwd=root)) == expected
    everything = flake8_findings(flake8("--select", "ASY", "--disable-noqa", "app.py", cwd=root))
    assert sorted(finding[1] for finding in everything) == [5, 9, 13, 17]


def test_per_file_ignores_and_ignore_are_flake8s(write_tree):
    root = write_tree({"src/app.py": BLOCKING, "tests/test_app.py": BLOCKING})
    found = flake8_findings(flake8("--select", "ASY", "--per-file-ignores", "tests/*:ASY100", ".", cwd=root))
    assert {finding[0] for finding in found} == {os.path.normpath("src/app.py")}
    assert flake8_findings(flake8("--select", "ASY", "--extend-ignore", "ASY100", ".", cwd=root)) == set()
    assert flake8_findings(flake8("--select", "ASY2", ".", cwd=root)) == set()


OPT_IN = """\
import httpx


async def export(url, payload):
    async with httpx.AsyncClient(timeout=None) as client:
        return await client.post(url, json=payload)
"""


def test_opt_in_rules_run_only_when_named_exactly(write_tree):
    root = write_tree({"export.py": OPT_IN})
    assert "ASY401" not in codes(flake8_findings(flake8("--select", "ASY", "export.py", cwd=root)))
    assert "ASY401" not in codes(flake8_findings(flake8("--select", "ASY4", "export.py", cwd=root)))
    selected = flake8_findings(flake8("--select", "ASY", "--extend-select", "ASY401", "export.py", cwd=root))
    assert "ASY401" in codes(selected)
    assert selected == cli_findings("--extend-select", "ASY401", "export.py", cwd=root)
    by_select = flake8_findings(flake8("--select", "ASY401", "export.py", cwd=root))
    assert codes(by_select) == ["ASY401"]


def test_pyproject_catalog_options_are_read(write_tree):
    source = """\
        import mailer


        async def notify(user):
            mailer.send(user.email, "welcome")
        """
    plain = write_tree({"notify.py": source})
    assert flake8_findings(flake8("--select", "ASY", "notify.py", cwd=plain)) == set()
    (plain / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [tool.asynclint]
            extend-coroutine-functions = ["mailer.send"]
            extend-blocking-calls = { "mailer.connect" = "ASY104" }
            ignore = ["ASY4"]
            """
        )
    )
    found = flake8_findings(flake8("--select", "ASY", "notify.py", cwd=plain))
    assert [finding[1:4] for finding in found] == [(5, 5, "ASY200")]
    assert "`mailer.send()`" in next(iter(found))[4]
    assert found == cli_findings("notify.py", cwd=plain)


def test_broken_asynclint_config_is_reported_not_ignored(write_tree):
    root = write_tree({"pyproject.toml": "[tool.asynclint]\nselec = ['ASY1']\n", "app.py": BLOCKING})
    result = flake8("--select", "ASY", "app.py", cwd=root)
    assert result.returncode == 1
    assert "asynclint: " in result.stdout and "[tool.asynclint] selec: unknown key" in result.stdout
    assert "Traceback" not in result.stderr


def test_syntax_errors_are_flake8s_e999_only(write_tree):
    root = write_tree({"broken.py": "async def f(:\n    pass\n", "app.py": BLOCKING})
    found = flake8_findings(flake8("--select", "ASY,E999", ".", cwd=root))
    assert codes(found) == ["ASY100", "E999"]


def test_stdin_is_checked_as_given_not_as_on_disk(write_tree):
    root = write_tree({"app/views.py": "async def handler(request):\n    return 'ok'\n"})
    found = flake8_findings(
        flake8("--select", "ASY", "--stdin-display-name", "app/views.py", "-", cwd=root, stdin=BLOCKING)
    )
    assert found == cli_findings("--stdin-filename", "app/views.py", cwd=root, stdin=BLOCKING)
    assert [finding[:4] for finding in found] == [(os.path.normpath("app/views.py"), 5, 5, "ASY100")]
