"""Suppression through the real CLI: file-level directives, other linters' codes, unknown codes,
the opt-in unused-noqa rule (ASY002) and `--add-noqa`."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap

from conftest import run_cli

from asynclint.engine.noqa import add_noqa, file_noqa
from asynclint.registry import EQUIVALENT_CODES, RULES_BY_CODE


def findings(root, *args: str) -> list[tuple[str, str, int]]:
    result = run_cli("--no-cache", "--output-format", "json", "--exit-zero", *args, ".", cwd=root)
    assert result.returncode == 0, result.stderr
    return sorted((d["path"], d["code"], d["line"]) for d in json.loads(result.stdout))


BLOCKING = """\
import asyncio
import time


async def handler():
    time.sleep(1)
    asyncio.create_task(handler())
"""


def test_file_level_directives(write_tree):
    root = write_tree(
        {
            "all.py": "# asynclint: noqa\n" + BLOCKING,
            "some.py": "#asynclint:noqa: ASY100\n" + BLOCKING,
            "flake8.py": BLOCKING + "# flake8: noqa\n",
            # flake8 ignores its file-level directive when it lists codes, and so does asynclint.
            "flake8_codes.py": "# flake8: noqa: ASY100\n" + BLOCKING,
            # Look-alikes: not a comment line of its own.
            "inline.py": BLOCKING + "print('# asynclint: noqa')\nx = 1  # asynclint: noqa\n",
        }
    )
    found = findings(root)
    assert ("all.py", "ASY100", 7) not in found and not [f for f in found if f[0] in ("all.py", "flake8.py")]
    assert [code for path, code, _ in found if path == "some.py"] == ["ASY201"]
    assert [code for path, code, _ in found if path == "flake8_codes.py"] == ["ASY100", "ASY201"]
    assert [code for path, code, _ in found if path == "inline.py"] == ["ASY100", "ASY201"]


def test_file_level_directive_also_silences_syntax_errors(write_tree):
    root = write_tree({"broken.py": "# asynclint: noqa\ndef f(:\n", "other.py": "def g(:\n"})
    assert findings(root) == [("other.py", "ASY001", 1)]


def test_other_linters_codes_silence_the_same_finding_only(write_tree):
    root = write_tree(
        {
            "app.py": """\
                import asyncio
                import time


                async def handler(path):
                    asyncio.create_task(handler(path))  # noqa: RUF006
                    asyncio.ensure_future(handler(path))  # noqa: ASYNC300
                    time.sleep(1)  # noqa: ASYNC251
                    open(path).read()  # noqa: ASYNC230
                    time.sleep(2)  # noqa: RUF006
                    open(path).read()  # noqa: ASYNC251
                """
        }
    )
    # Each marked line is silent; a code of another linter for a different finding silences nothing.
    assert findings(root, "--extend-select", "ASY103") == [("app.py", "ASY100", 10), ("app.py", "ASY103", 11)]


def test_equivalent_codes_are_data_in_the_registry():
    for foreign, codes in EQUIVALENT_CODES.items():
        assert not foreign.startswith("ASY") or foreign.startswith("ASYNC")
        assert codes and all(code in RULES_BY_CODE for code in codes)


def test_unknown_codes_warn_and_the_run_goes_on(write_tree):
    root = write_tree(
        {
            "app.py": """\
                import time


                async def handler():
                    time.sleep(1)  # noqa: ASY999
                    value = 1  # noqa: asy1000, E501, ASYNC251
                    return value  # noqa: ASY1, ASY
                """
        }
    )
    result = run_cli("--no-cache", ".", cwd=root)
    assert result.returncode == 1  # the finding the typo did not silence
    assert "app.py:5:5: ASY100" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert warnings == [
        "asynclint: warning: app.py:5:20: `# noqa` names unknown code ASY999; it silences nothing",
        "asynclint: warning: app.py:6:16: `# noqa` names unknown code ASY1000; it silences nothing",
    ]
    clean = write_tree({"app.py": "x = 1  # noqa: ASY999\n"})
    result = run_cli("--no-cache", ".", cwd=clean)
    assert result.returncode == 0 and "unknown code ASY999" in result.stderr


def test_unused_noqa_rule(write_tree):
    root = write_tree(
        {
            "pkg/__init__.py": "",
            "pkg/remote.py": "async def fetch():\n    return 1\n",
            "pkg/app.py": """\
                import asyncio
                import time

                from pkg.remote import fetch


                async def handler():
                    time.sleep(1)  # noqa: ASY100
                    await asyncio.sleep(1)  # noqa: ASY100
                    fetch()  # noqa: ASY200
                    time.sleep(2)  # noqa: ASY100, ASY201, ASY999
                    value = 1  # noqa: ASY401
                    other = 2  # noqa: E501, RUF006, ASYNC251
                    bare = 3  # noqa
                    kept = 4  # noqa: ASY100, ASY002
                    return value, other, bare, kept
                """,
        }
    )
    found = run_cli("--no-cache", "--output-format", "json", "--extend-select", "ASY002", ".", cwd=root)
    reported = [(d["line"], d["column"], d["message"]) for d in json.loads(found.stdout) if d["code"] == "ASY002"]
    assert reported == [
        (9, 29, "unused `# noqa` code: ASY100 (silences nothing here)"),
        (11, 20, "unused `# noqa` codes: ASY201 (silences nothing here), ASY999 (unknown code)"),
        (12, 16, "unused `# noqa` code: ASY401 (not enabled)"),
    ]
    # The cross-module ASY200 on line 10 is silenced by its comment, which is therefore used.
    assert not [d for d in json.loads(found.stdout) if d["code"] != "ASY002"]
    # Off by default.
    assert not [f for f in findings(root) if f[1] == "ASY002"]


def test_add_noqa_then_a_clean_run(write_tree):
    root = write_tree(
        {
            "pkg/__init__.py": "",
            "pyproject.toml": '[tool.asynclint]\nextend-select = ["ASY103", "ASY110"]\n',
            "pkg/remote.py": "async def fetch():\n    return 1\n",
            "pkg/app.py": """\
                import asyncio
                import time

                from pkg.remote import fetch


                async def handler(path):
                    time.sleep(1)  # explain why
                    fetch()
                    open(path).read()  # noqa: E501
                    asyncio.create_task(handler(path)); time.sleep(2)
                    text = open(path, mode=\"\"\"r
                    \"\"\").read()
                    return text
                """,
        }
    )
    crlf = root / "pkg" / "crlf.py"
    crlf.write_bytes(b"import time\r\n\r\nasync def f():\r\n    time.sleep(1)\r\n")
    before = findings(root)
    assert len(before) == 7
    result = run_cli("--no-cache", "--add-noqa", ".", cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Added 5 noqa directives in 2 files.\n"  # one per line
    # A finding inside a string spanning lines cannot carry a comment: named, left as it is.
    assert "pkg/app.py:12: a comment cannot go at the end of this line" in result.stderr.replace("\\", "/")
    text = (root / "pkg" / "app.py").read_text()
    ast.parse(text)
    assert "    time.sleep(1)  # explain why  # noqa: ASY100\n" in text
    assert "    fetch()  # noqa: ASY200\n" in text
    assert "    open(path).read()  # noqa: ASY103, E501\n" in text
    assert "asyncio.create_task(handler(path)); time.sleep(2)  # noqa: ASY100, ASY201\n" in text
    assert crlf.read_bytes() == b"import time\r\n\r\nasync def f():\r\n    time.sleep(1)  # noqa: ASY100\r\n"
    # Everything that could be suppressed is; a second pass adds nothing.
    assert findings(root) == [("pkg/app.py", "ASY103", 12)]
    again = run_cli("--no-cache", "--add-noqa", ".", cwd=root)
    assert again.stdout == "Added 0 noqa directives in 0 files.\n"
    assert run_cli("--add-noqa", "--fix", ".", cwd=root).returncode == 2


def test_add_noqa_unit_cases():
    source = b"x = 1\ny = (\n    2)\nz = '''\na'''\nw = 1 \\\n    + 2\n"
    added = add_noqa(source, {1: {"ASY100"}, 2: {"ASY100"}, 4: {"ASY100"}, 6: {"ASY100"}})
    assert added.skipped == [4, 6]
    assert added.data.splitlines()[:2] == [b"x = 1  # noqa: ASY100", b"y = (  # noqa: ASY100"]
    assert add_noqa(b"x = 1  # noqa\n", {1: {"ASY100"}}).data == b"x = 1  # noqa\n"
    assert file_noqa("a = 1\n  # ASYNCLINT: NOQA\n") == frozenset()
    assert file_noqa("# flake8: noqa\n", flake8=False) is None


def test_flake8_plugin_honours_asynclint_file_directive(write_tree):
    root = write_tree({"quiet.py": "# asynclint: noqa\n" + BLOCKING, "loud.py": BLOCKING})
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "ASY", "."], cwd=root, capture_output=True, text=True
    )
    assert "quiet.py" not in result.stdout
    assert "loud.py:6:5: ASY100" in result.stdout
    assert textwrap.dedent(BLOCKING)  # the snippet itself is plain Python
