"""The tool itself holds no surprises on someone else's repository: --fix never replaces a link or
rewrites a read-only file, each file gets its own configuration, errors name what is wrong."""

from __future__ import annotations

import json
import os

from conftest import run_cli

BLOCKING = "import time\n\nasync def f():\n    time.sleep(1)\n"
FIXED = "import time\nimport asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n"


def test_fix_writes_a_linked_file_at_its_target_and_keeps_the_link(write_tree):
    root = write_tree({"pyproject.toml": "[tool.asynclint]\n", "real/impl.py": BLOCKING})
    (root / "alias.py").symlink_to(root / "real" / "impl.py")
    result = run_cli("--fix", "alias.py", cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    assert (root / "alias.py").is_symlink()
    assert os.readlink(root / "alias.py") == str(root / "real" / "impl.py")
    assert (root / "real" / "impl.py").read_text() == FIXED
    assert result.returncode == 0 and "Fixed 1 diagnostic in 1 file." in result.stdout


def test_fix_does_not_write_through_a_link_leaving_the_project(tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text(BLOCKING)
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.asynclint]\n")
    (project / "shared.py").symlink_to(outside)
    result = run_cli("--fix", ".", cwd=project)
    assert "Traceback" not in result.stderr, result.stderr
    assert outside.read_text() == BLOCKING and (project / "shared.py").is_symlink()
    lines = [line for line in result.stderr.splitlines() if "shared.py" in line]
    assert lines == [f"asynclint: error: shared.py: not fixed: it is a symbolic link to {outside}, outside the project"]
    assert result.returncode == 1 and "shared.py:4:5: ASY100" in result.stdout


def test_fix_leaves_a_read_only_file_alone_and_says_so(write_tree):
    root = write_tree({"pyproject.toml": "[tool.asynclint]\n", "locked.py": BLOCKING, "open.py": BLOCKING})
    (root / "locked.py").chmod(0o444)
    try:
        result = run_cli("--fix", ".", cwd=root)
    finally:
        (root / "locked.py").chmod(0o644)
    assert "Traceback" not in result.stderr, result.stderr
    assert (root / "locked.py").read_text() == BLOCKING
    assert (root / "open.py").read_text() == FIXED
    assert "asynclint: error: locked.py: not fixed: the file is read-only" in result.stderr.splitlines()
    assert "Fixed 1 diagnostic in 1 file." in result.stdout and "locked.py:4:5: ASY100" in result.stdout
    assert result.returncode == 1
    # --diff writes nothing, so it still shows what the fix would be.
    (root / "locked.py").chmod(0o444)
    try:
        shown = run_cli("--diff", "locked.py", cwd=root)
    finally:
        (root / "locked.py").chmod(0o644)
    assert "+    await asyncio.sleep(1)" in shown.stdout


def json_codes(result):
    assert "Traceback" not in result.stderr, result.stderr
    return sorted((d["path"], d["code"]) for d in json.loads(result.stdout))
