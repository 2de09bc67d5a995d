"""The result cache, through the real CLI: same answers warm and cold, cross-file facts stay fresh."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
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


def test_placed_cross_file_findings_are_kept_for_the_same_answers(write_tree):
    """A cross-file finding that stands is placed by linting its file again; that lint's result
    is kept under the file's content and the answers, so a warm run does not lint the file again
    while they are the same, and places it afresh when an answer changes."""
    root = write_tree(
        {
            "pyproject.toml": '[tool.asynclint]\nextend-select = ["ASY110"]\n',
            "pkg/__init__.py": "",
            "pkg/a.py": "from .b import load\n\n\nasync def handler():\n    load()\n",
            "pkg/b.py": "import time\n\n\ndef load():\n    time.sleep(1)\n",
            "pkg/c.py": "ROUND = 0\n",
        }
    )
    cold = findings(root, "--no-cache")
    assert [(path, code) for path, _, code, _ in cold] == [("pkg/a.py", "ASY110")]
    assert findings(root) == cold
    (placed,) = root.glob(".asynclint_cache/*/*.placed.json")
    written = placed.stat().st_mtime_ns, placed.stat().st_ino
    (root / "pkg" / "c.py").write_text("ROUND = 1\n")  # a changed tree: resolved again, not a replay
    assert findings(root) == cold
    assert (placed.stat().st_mtime_ns, placed.stat().st_ino) == written  # kept, not placed again
    (root / "pkg" / "b.py").write_text("import time\n\n\ndef load():\n    wait()\n\n\ndef wait():\n    time.sleep(1)\n")
    changed = findings(root)
    assert changed == findings(root, "--no-cache") and changed != cold
    assert len(list(root.glob(".asynclint_cache/*/*.placed.json"))) == 2


def test_corrupted_entries_are_ignored(write_tree):
    root = write_tree({"pyproject.toml": "[tool.asynclint]\n", "a.py": BLOCKING})
    expected = findings(root)
    for entry in (root / ".asynclint_cache").rglob("*.json"):
        entry.write_bytes(b"not a cache entry")
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
    kept = list((project / ".asynclint_cache").glob("*/libraries.json"))
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
    assert list((root / ".asynclint_cache").glob("*/last-run.json"))
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


# -- the cache is untrusted input ----------------------------------------------------------------
class _Payload:
    """Unpickling this calls `open(marker, "w")`: the file appearing means code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _isolated(tmp_path):
    """A per-test user cache directory, so the per-user secret is the test's own."""
    return {"XDG_CACHE_HOME": str(tmp_path / "user-cache")}


def test_shipped_cache_files_never_run_code_and_never_change_results(tmp_path):
    # A repository commits a `.asynclint_cache/` made to attack whoever runs asynclint on it: pickles
    # under every name the cache has ever used, and well-formed JSON entries at the exact names and
    # stats this run looks up, claiming the files are clean.
    import pickle

    from asynclint.config import load_config
    from asynclint.engine.cache import DIRECTORY, ResultCache, content_key

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text("[tool.asynclint]\n")
    (repo / "app.py").write_text(BLOCKING)
    (repo / "util.py").write_text("def helper():\n    return 1\n")
    marker = tmp_path / "PWNED"
    payload = pickle.dumps(_Payload(marker))
    salt = ResultCache(load_config([str(repo)])).salt
    entries = repo / DIRECTORY / salt
    entries.mkdir(parents=True)
    clean = json.dumps({"path": "app.py", "diagnostics": [], "summary": None, "errors": []})
    index = {}
    for name in ("app.py", "util.py"):
        key = content_key((repo / name).read_bytes(), salt, str(repo / name))
        (entries / f"{key}.pickle").write_bytes(payload)
        (entries / f"{key}.json").write_text("asynclint-cache-1 " + "0" * 64 + "\n" + clean)
        info = (repo / name).stat()
        index[str(repo / name)] = [info.st_mtime_ns, info.st_size, info.st_ino, key]
    for name in ("index.pickle", "last-run.pickle", "libraries.pickle"):
        (entries / name).write_bytes(payload)
    (entries / "index.json").write_text("asynclint-cache-1 " + "f" * 64 + "\n" + json.dumps({"files": index}))
    (entries / "last-run.json").write_text("asynclint-cache-1 " + "a" * 64 + "\n" + "{}")
    (repo / DIRECTORY / ".gitignore").write_text("")  # so that git takes the files
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A", "-f"], cwd=repo, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "cache"], cwd=repo, check=True
    )
    assert "index.pickle" in subprocess.run(["git", "ls-files"], cwd=repo, capture_output=True, text=True).stdout
    env = _isolated(tmp_path)
    for _ in range(2):  # the first run rebuilds what it could not verify; the second reads it back
        result = run_cli("--output-format", "json", ".", cwd=repo, env=env)
        assert "Traceback" not in result.stderr, result.stderr
        assert [(d["path"], d["line"], d["code"]) for d in json.loads(result.stdout)] == [("app.py", 4, "ASY100")]
        assert not marker.exists()
    rebuilt = (entries / "index.json").read_bytes()
    assert rebuilt.startswith(b"asynclint-cache-1 ") and b"f" * 64 not in rebuilt
    flake8_run = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "ASY", "."], cwd=repo, capture_output=True, text=True, env={**os.environ, **env}
    )
    assert "Traceback" not in flake8_run.stderr, flake8_run.stderr
    assert [line.split(": ")[0] for line in flake8_run.stdout.splitlines() if " ASY" in line] == ["./app.py:4:5"]
    assert not marker.exists()


def test_entries_from_another_user_or_edited_are_rebuilt(write_tree, tmp_path):
    root = write_tree({"p/pyproject.toml": "[tool.asynclint]\n", "p/a.py": BLOCKING, "p/b.py": "x = 1\n"}) / "p"
    mine, theirs = _isolated(tmp_path / "me"), _isolated(tmp_path / "them")
    expected = findings(root, "--no-cache")

    def run(env):
        result = run_cli("--output-format", "json", ".", cwd=root, env=env)
        assert "Traceback" not in result.stderr, result.stderr
        return sorted((d["path"], d["line"], d["code"]) for d in json.loads(result.stdout))

    expected = [entry[:3] for entry in expected]
    assert run(theirs) == expected  # someone else's cache, with their secret
    assert list((root / ".asynclint_cache").glob("*/index.json"))
    # Edit their stored result for a.py to say "clean", keeping the header: it no longer verifies.
    for entry in (root / ".asynclint_cache").rglob("*.json"):
        text = entry.read_text()
        if '"ASY100"' in text:
            entry.write_text(text.replace('"ASY100"', '"ASY101"'))
    assert run(theirs) == expected
    assert run(mine) == expected  # their entries do not verify under my secret: rebuilt, not trusted
    assert run(mine) == expected


def test_no_project_root_caches_in_the_user_cache_directory(tmp_path):
    work = tmp_path / "loose"
    work.mkdir()
    (work / "a.py").write_text(BLOCKING)
    env = _isolated(tmp_path)
    for _ in range(2):
        result = run_cli("--output-format", "json", ".", cwd=work, env=env)
        assert [d["code"] for d in json.loads(result.stdout)] == ["ASY100"]
    assert not (work / ".asynclint_cache").exists()
    stored = list((tmp_path / "user-cache" / "asynclint" / "directories").glob("*/*/index.json"))
    assert len(stored) == 1


def test_unsafe_secret_or_linked_cache_directory_runs_uncached(write_tree, tmp_path):
    root = write_tree({"p/pyproject.toml": "[tool.asynclint]\n", "p/a.py": BLOCKING}) / "p"
    env = _isolated(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / ".asynclint_cache").symlink_to(elsewhere)  # a shipped link: writes would land elsewhere
    assert [d[2] for d in findings_with(root, env)] == ["ASY100"]
    assert list(elsewhere.iterdir()) == []
    (root / ".asynclint_cache").unlink()
    assert [d[2] for d in findings_with(root, env)] == ["ASY100"]
    assert list((root / ".asynclint_cache").glob("*/index.json"))  # the same run caches normally
    shutil.rmtree(root / ".asynclint_cache")
    # A secret that others can read is no secret: it is not used, and the run is still right.
    secret = tmp_path / "user-cache" / "asynclint" / "secret"
    secret.chmod(0o644)
    assert [d[2] for d in findings_with(root, env)] == ["ASY100"]
    assert not (root / ".asynclint_cache").exists()


def test_fifo_or_directory_in_place_of_a_cache_file_does_not_block(write_tree, tmp_path):
    root = write_tree({"p/pyproject.toml": "[tool.asynclint]\n", "p/a.py": BLOCKING}) / "p"
    env = _isolated(tmp_path)
    assert [d[2] for d in findings_with(root, env)] == ["ASY100"]
    (index,) = (root / ".asynclint_cache").glob("*/index.json")
    (last,) = (root / ".asynclint_cache").glob("*/last-run.json")
    index.unlink()
    os.mkfifo(index)  # opening it for reading would wait for a writer forever
    last.unlink()
    last.mkdir()
    (root / "a.py").write_text(BLOCKING + "\n")
    assert [d[2] for d in findings_with(root, env)] == ["ASY100"]


def findings_with(root, env):
    result = run_cli("--output-format", "json", ".", cwd=root, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return sorted((d["path"], d["line"], d["code"]) for d in json.loads(result.stdout))


def test_files_with_the_same_text_keep_their_own_results(write_tree):
    # per-file-ignores and module names depend on the path: identical bytes are not one entry.
    root = write_tree(
        {
            "pyproject.toml": "[tool.asynclint]\nper-file-ignores = {'tests/*' = ['ASY100']}\n",
            "app.py": BLOCKING,
            "tests/test_app.py": BLOCKING,
        }
    )
    cold = findings(root, "--no-cache")
    assert [path for path, *_ in cold] == ["app.py"]
    assert findings(root) == cold
    (root / "app.py").touch()  # past the remembered run: each file from its own entry
    assert findings(root) == cold


def test_entries_round_trip_tuples_and_refuse_anything_else():
    from asynclint.engine.cache import _decode_result, _encode_result
    from asynclint.engine.diagnostics import Diagnostic, FileResult, FixInfo, ModuleSummary

    facts = {"kind": {"a": True, "b": {"bases": ["x", None], "members": ["m"]}, "c": ("t", (1, 2.5), {1: "int key"})}}
    diagnostic = Diagnostic("ASY110", "msg", "p.py", 3, 4, 3, 9, FixInfo("unsafe", "fix"), ("blocking-chain", "a.b"), "src")
    result = FileResult("p.py", [diagnostic], ModuleSummary("pkg.p", "p.py", facts), ["one line"])
    back = _decode_result(json.loads(json.dumps(_encode_result(result))), "q.py")
    assert back.summary.facts == facts and type(back.summary.facts["kind"]["c"]) is tuple
    assert back.diagnostics[0].condition == ("blocking-chain", "a.b") and back.diagnostics[0].path == "q.py"
    assert back.errors == ["one line"] and back.diagnostics[0].fix == FixInfo("unsafe", "fix")
    with pytest.raises(TypeError):
        _encode_result(FileResult("p.py", [], ModuleSummary("m", "p.py", {"k": {"v": {1, 2}}})))
    for broken in ({"path": 1}, {"diagnostics": [["ASY999"] * 9], "errors": [], "summary": None}, []):
        with pytest.raises(Exception) as caught:
            _decode_result(broken, "p.py")
        assert type(caught.value).__name__ == "_Invalid"


def test_warnings_survive_the_cache(write_tree):
    """An unknown code in a `# noqa` warns on every run, not only the one that filled the cache."""
    root = write_tree({"pyproject.toml": "[tool.asynclint]\n", "a.py": "x = 1  # noqa: ASY998\n"})
    first = run_cli(".", cwd=root)
    again = run_cli(".", cwd=root)
    assert (root / ".asynclint_cache").exists()
    for result in (first, again):
        assert "ASY998" in result.stderr and "warning" in result.stderr, result.stderr


# -- the project summary: a subset run reads every other module's facts from one entry -----------
SUMMARY_PROJECT = {
    "pyproject.toml": '[tool.asynclint]\nextend-select = ["ASY110"]\n',
    "shop/__init__.py": "",
    "shop/storage.py": "import time\n\n\ndef save(order):\n    time.sleep(0.1)\n    return order\n",
    "shop/events.py": "async def publish(topic, payload):\n    return (topic, payload)\n",
    "shop/orders.py": (
        "from shop.events import publish\nfrom shop.storage import save\n\n\n"
        "async def on_order(order):\n    save(order)\n    publish('orders', order)\n"
    ),
}


def subset_findings(root, *paths):
    """A run given only some files (as pre-commit runs it); cross-module answers need the rest."""
    result = run_cli("--output-format", "json", "--exit-zero", *paths, cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    return sorted((d["path"], d["line"], d["code"]) for d in json.loads(result.stdout))


def _entries(root):
    return {path.name for path in (root / ".asynclint_cache").rglob("*.json")}


def test_subset_run_reads_the_other_modules_from_the_project_summary(write_tree):
    root = write_tree(SUMMARY_PROJECT)
    expected = [("shop/orders.py", 6, "ASY110"), ("shop/orders.py", 7, "ASY200")]
    assert [(path, line, code) for path, line, code, _ in findings(root)] == expected
    assert "project-summary.json" in _entries(root)
    # Without the per-file entries of the other modules, a subset run that still answers across
    # modules, and writes none of them back, took their facts from the one summary entry.
    index = json.loads(next((root / ".asynclint_cache").rglob("index.json")).read_bytes().partition(b"\n")[2])
    others = {index["files"][str(root / "shop" / name)][3] + ".json" for name in ("storage.py", "events.py")}
    for entry in (root / ".asynclint_cache").rglob("*.json"):
        if entry.name in others:
            entry.unlink()
    assert subset_findings(root, "shop/orders.py") == expected
    assert not others & _entries(root)


def test_a_full_run_after_one_change_takes_the_other_modules_findings_from_the_project_summary(write_tree):
    """A run on the whole project after one module changed (CI with a restored cache): the
    unchanged modules' findings and facts come from the one project-summary entry, not from a
    read per file, and the answer is a cold run's."""
    root = write_tree({**SUMMARY_PROJECT, "shop/audit.py": "import time\n\n\nasync def audit():\n    time.sleep(1)\n"})
    first = findings(root)
    assert ("shop/audit.py", 5, "ASY100") in [(path, line, code) for path, line, code, _ in first]
    index = json.loads(next((root / ".asynclint_cache").rglob("index.json")).read_bytes().partition(b"\n")[2])
    per_file = {entry[3] + ".json" for entry in index["files"].values()}
    for entry in (root / ".asynclint_cache").rglob("*.json"):
        if entry.name in per_file:
            entry.unlink()
    # The callee becomes a coroutine function: the unchanged caller's cross-module finding follows.
    (root / "shop" / "storage.py").write_text("async def save(order):\n    return order\n")
    after = findings(root)
    assert after == findings(root, "--no-cache")
    assert ("shop/audit.py", 5, "ASY100") in [(path, line, code) for path, line, code, _ in after]
    assert ("shop/orders.py", 6, "ASY200") in [(path, line, code) for path, line, code, _ in after]
    index = json.loads(next((root / ".asynclint_cache").rglob("index.json")).read_bytes().partition(b"\n")[2])
    written = {path for path, entry in index["files"].items() if entry[3] + ".json" in _entries(root)}
    assert written == {str(root / "shop" / "storage.py")}  # only the changed module was linted


def test_project_summary_is_not_used_for_a_module_changed_since(write_tree):
    root = write_tree(SUMMARY_PROJECT)
    assert subset_findings(root, "shop/orders.py") == [
        ("shop/orders.py", 6, "ASY110"),
        ("shop/orders.py", 7, "ASY200"),
    ]
    # The callees change on disk; only the caller is given, as pre-commit gives a staged file.
    (root / "shop" / "storage.py").write_text("def save(order):\n    return order\n")
    (root / "shop" / "events.py").write_text("def publish(topic, payload):\n    return (topic, payload)\n")
    assert subset_findings(root, "shop/orders.py") == []
    (root / "shop" / "events.py").write_text(SUMMARY_PROJECT["shop/events.py"])
    assert subset_findings(root, "shop/orders.py") == [("shop/orders.py", 7, "ASY200")]
    assert subset_findings(root, "shop/orders.py") == subset_findings(root, "--no-cache", "shop/orders.py")


def test_edited_or_foreign_project_summary_is_ignored(write_tree):
    root = write_tree(SUMMARY_PROJECT)
    expected = subset_findings(root, "shop/orders.py")
    (summary,) = (root / ".asynclint_cache").rglob("project-summary.json")
    header, _, payload = summary.read_bytes().partition(b"\n")
    # Claim that `publish` is a plain function: the signature no longer matches, so it is not believed.
    summary.write_bytes(header + b"\n" + payload.replace(b"publish", b"publish_"))
    (root / "shop" / "orders.py").write_text(SUMMARY_PROJECT["shop/orders.py"] + "\n")
    assert subset_findings(root, "shop/orders.py") == expected
    summary.write_bytes(b"not a cache entry")
    (root / "shop" / "orders.py").write_text(SUMMARY_PROJECT["shop/orders.py"])
    assert subset_findings(root, "shop/orders.py") == expected


def test_a_run_on_one_buffer_keeps_the_project_summary_of_the_rest(write_tree):
    """An editor's `--stdin-filename` run leaves its own module out of the context it reads; the
    project summary still holds every module afterwards, and is not rewritten for nothing."""
    root = write_tree(SUMMARY_PROJECT)
    assert findings(root)
    (summary,) = (root / ".asynclint_cache").rglob("project-summary.json")
    written = summary.read_bytes()
    source = (root / "shop" / "orders.py").read_text()
    result = run_cli("--output-format", "json", "--stdin-filename", "shop/orders.py", "-", cwd=root, stdin=source)
    assert "Traceback" not in result.stderr, result.stderr
    assert sorted((d["line"], d["code"]) for d in json.loads(result.stdout)) == [(6, "ASY110"), (7, "ASY200")]
    assert summary.read_bytes() == written
