"""The result cache, through the real CLI: same answers warm and cold, cross-file facts stay fresh."""

from __future__ import annotations

import json

from conftest import run_cli

BLOCKING = "import time\n\nasync def f():\n    time.sleep(1)\n"


def findings(root, *args):
    result = run_cli("--output-format", "json", *args, ".", cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    return sorted((d["path"], d["line"], d["code"], d["message"]) for d in json.loads(result.stdout))


def test_warm_equals_cold_and_cache_ignores_itself(write_tree):
    root = write_tree({"pyproject.toml": "[tool.asynclint]\n", "a.py": BLOCKING, "b.py": "x = 1\n"})
    cold = findings(root, "--no-cache")
    assert not (root / ".asynclint_cache").exists()
    first = findings(root)
    assert (root / ".asynclint_cache" / ".gitignore").read_text().strip().endswith("*")
    warm = findings(root)
    assert cold == first == warm and len(cold) == 1


def test_edited_file_is_relinted(write_tree):
    root = write_tree({"pyproject.toml": "[tool.asynclint]\n", "a.py": BLOCKING})
    assert len(findings(root)) == 1
    (root / "a.py").write_text("import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n")
    assert findings(root) == []


def test_change_in_imported_module_reaches_unchanged_caller(write_tree):
    root = write_tree(
        {
            "pyproject.toml": '[tool.asynclint]\nextend-select = ["ASY110"]\n',
            "pkg/__init__.py": "",
            "pkg/a.py": "from .b import f\n\n\nasync def g():\n    f()\n",
            "pkg/b.py": "def f():\n    pass\n",
        }
    )
    assert findings(root) == []
    (root / "pkg" / "b.py").write_text("async def f():\n    pass\n")
    assert [(path, code) for path, _, code, _ in findings(root)] == [("pkg/a.py", "ASY200")]


def test_corrupted_entries_are_ignored(write_tree):
    root = write_tree({"pyproject.toml": "[tool.asynclint]\n", "a.py": BLOCKING})
    expected = findings(root)
    for entry in (root / ".asynclint_cache").rglob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    assert findings(root) == expected


def test_parallel_runs_fill_and_use_the_cache(write_tree):
    files = {f"m{i}.py": BLOCKING for i in range(40)}
    root = write_tree({"pyproject.toml": "[tool.asynclint]\n", **files})
    cold = findings(root, "-j", "2")
    warm = findings(root, "-j", "2")
    assert cold == warm and len(cold) == 40


def test_library_answers_are_kept_until_the_installed_libraries_change(write_tree):
    # Whether `fakeclient.connect` is an `async def` is read from the installed library once, then
    # kept with the cache; installing or upgrading anything on the search path invalidates it.
    root = write_tree(
        {
            "project/pyproject.toml": "[tool.asynclint]\n",
            "project/main.py": "import fakeclient\n\n\nasync def main():\n    fakeclient.connect()\n",
            "site/fakeclient/__init__.py": "async def connect():\n    pass\n",
        }
    )
    project, site = root / "project", root / "site"

    def codes():
        result = run_cli("--output-format", "json", "--select", "ASY200", ".", cwd=project, env={"PYTHONPATH": str(site)})
        assert "Traceback" not in result.stderr, result.stderr
        return [d["code"] for d in json.loads(result.stdout)]

    assert codes() == ["ASY200"]
    kept = list((project / ".asynclint_cache").glob("*/libraries.pickle"))
    assert len(kept) == 1
    # Editing an installed file in place is not an install: the kept answer is still used (this
    # proves the library was not read again).
    (site / "fakeclient" / "__init__.py").write_text("def connect():\n    pass\n")
    assert codes() == ["ASY200"]
    # An upgrade adds or renames entries on the search path, and the answers are read afresh.
    (site / "fakeclient-2.0.dist-info").mkdir()
    assert codes() == []


def test_unchanged_tree_reuses_the_last_run_and_any_change_ends_that(write_tree):
    root = write_tree(
        {
            "pyproject.toml": '[tool.asynclint]\nextend-select = ["ASY110"]\n',
            "pkg/__init__.py": "",
            "pkg/a.py": "from .b import f\n\n\nasync def g():\n    f()\n",
            "pkg/b.py": "import time\n\n\ndef f():\n    time.sleep(1)\n",
        }
    )
    first = findings(root)
    assert [code for _, _, code, _ in first] == ["ASY110"]
    assert list((root / ".asynclint_cache").glob("*/last-run.pickle"))
    assert findings(root) == first
    # The same files seen from another directory are shown with other paths, not the remembered ones.
    inner = run_cli("--output-format", "json", ".", cwd=root / "pkg")
    assert [d["path"] for d in json.loads(inner.stdout)] == ["a.py"]
    # A new file, a removed file, an edited file: each is a different tree.
    (root / "pkg" / "c.py").write_text("import time\n\n\nasync def h():\n    time.sleep(1)\n")
    assert sorted(code for _, _, code, _ in findings(root)) == ["ASY100", "ASY110"]
    (root / "pkg" / "c.py").unlink()
    assert findings(root) == first
    (root / "pkg" / "b.py").write_text("def f():\n    return 1\n")
    assert findings(root) == []
