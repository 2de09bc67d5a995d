"""A run given some of a project's files (pre-commit's changed files, an editor's buffer on stdin)
answers cross-module questions against the whole project, as a run on its root does."""

from __future__ import annotations

import json

from conftest import run_cli

PROJECT = {
    "pyproject.toml": '[tool.asynclint]\nextend-select = ["ASY110"]  # opt-in: chains through the project\n',
    "pkg/__init__.py": "",
    "pkg/remote.py": """\
        import requests


        async def fetch(url):
            return url


        def load(url):
            return requests.get(url, timeout=5)
        """,
    "pkg/app.py": """\
        from pkg.remote import fetch, load


        async def handler(url):
            fetch(url)
            return load(url)
        """,
    "pkg/other.py": """\
        import time


        async def elsewhere():
            time.sleep(1)
        """,
}


def report(root, *args: str, stdin=None) -> list[tuple]:
    result = run_cli("--output-format", "json", "--exit-zero", *args, cwd=root, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return sorted((d["path"], d["code"], d["line"], d["column"], d["message"]) for d in json.loads(result.stdout))


def test_a_changed_file_gets_the_answer_of_a_full_run(write_tree):
    root = write_tree(PROJECT)
    full = [finding for finding in report(root, "--no-cache", ".") if finding[0] == "pkg/app.py"]
    assert {finding[1] for finding in full} == {"ASY200", "ASY110"}
    for extra in (("--no-cache",), (), ()):  # uncached, cold cache, warm cache
        assert report(root, *extra, "pkg/app.py") == full
    # From inside the package, with the path as the user typed it.
    inside = report(root / "pkg", "app.py")
    assert [finding[1:] for finding in inside] == [finding[1:] for finding in full]


def test_the_other_modules_are_read_again_when_they_change(write_tree):
    root = write_tree(PROJECT)
    assert "ASY200" in {finding[1] for finding in report(root, "pkg/app.py")}
    remote = root / "pkg" / "remote.py"
    remote.write_text(remote.read_text().replace("async def fetch", "def fetch"))
    assert "ASY200" not in {finding[1] for finding in report(root, "pkg/app.py")}
    assert report(root, "pkg/app.py") == [f for f in report(root, "--no-cache", ".") if f[0] == "pkg/app.py"]


def test_stdin_buffer_is_checked_against_the_project(write_tree):
    root = write_tree(PROJECT)
    (root / "pkg" / "app.py").write_text("async def handler(url):\n    return url\n")
    buffer = "from pkg.remote import fetch\n\n\nasync def handler(url):\n    fetch(url)\n"
    found = report(root, "--stdin-filename", "pkg/app.py", "-", stdin=buffer)
    assert [finding[1:3] for finding in found] == [("ASY200", 5)]
    # A new, unsaved module is checked against the project too.
    found = report(root, "--stdin-filename", "pkg/new.py", "-", stdin=buffer)
    assert [finding[1:3] for finding in found] == [("ASY200", 5)]


def test_without_a_project_only_the_given_files_count(tmp_path):
    (tmp_path / "remote.py").write_text("async def fetch():\n    return 1\n")
    (tmp_path / "app.py").write_text("from remote import fetch\n\n\nasync def main():\n    fetch()\n")
    alone = report(tmp_path, "--no-cache", "app.py")
    together = report(tmp_path, "--no-cache", "app.py", "remote.py")
    assert alone == [] and [finding[1] for finding in together] == ["ASY200"]
