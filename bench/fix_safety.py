"""Whole-corpus fix safety: `--fix --unsafe-fixes` on a copy of the pinned corpus must leave every
file parseable, be idempotent, leave files without fixes byte-identical, and keep newline style and
file mode. Run: `python bench/fix_safety.py` (builds the corpus first if needed).
"""

from __future__ import annotations

import ast
import json
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import libcst as cst

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import CORPUS, build  # noqa: E402

BIN = Path(sys.executable).parent


def snapshot(root: Path) -> dict[Path, tuple[bytes, int]]:
    return {path: (path.read_bytes(), stat.S_IMODE(path.stat().st_mode)) for path in sorted(root.rglob("*.py"))}


def newline_style(data: bytes) -> str:
    crlf = data.count(b"\r\n")
    return "crlf" if crlf and crlf == data.count(b"\n") else "lf"


def run(root: Path, *options: str) -> subprocess.CompletedProcess:
    command = [str(BIN / "asynclint"), *options, "--unsafe-fixes", "--no-cache", "--exit-zero", "-j", "2", "."]
    return subprocess.run(command, cwd=root, capture_output=True, text=True)


def parses_with_ast(data: bytes) -> bool:
    # The running Python's own parser; newer syntax (PEP 695 `type X = ...` on 3.11) is out of its
    # reach before and after fixing alike, so only files it accepted before are held to it.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(data)
    except (SyntaxError, ValueError):
        return False
    return True


def main() -> int:
    build()
    work = Path(tempfile.mkdtemp(prefix="asynclint-fix-safety-")) / "corpus"
    shutil.copytree(CORPUS, work, ignore=shutil.ignore_patterns(".asynclint_cache"))
    before = snapshot(work)
    lines = sum(data.count(b"\n") for data, _ in before.values())
    check = run(work, "--output-format", "json")
    fixable = {(work / item["path"]).resolve() for item in json.loads(check.stdout or "[]") if item.get("fix")}
    started = time.perf_counter()
    first = run(work, "--fix")
    seconds = time.perf_counter() - started
    after = snapshot(work)
    second = run(work, "--fix")
    again = snapshot(work)

    problems: list[str] = []
    for line in (check.stderr + first.stderr + second.stderr).splitlines():
        if "internal error" in line or "Traceback" in line or "would not parse" in line:
            problems.append(line)
    changed = [path for path in before if after[path][0] != before[path][0]]
    for path in changed:
        data, mode = after[path]
        if path.resolve() not in fixable:
            problems.append(f"{path}: changed, but no fixable diagnostic was reported for it")
        try:
            cst.parse_module(data)
        except Exception as error:  # noqa: BLE001 - any failure is a finding of this script
            problems.append(f"{path}: does not parse after fixing: {error}")
        if parses_with_ast(before[path][0]) and not parses_with_ast(data):
            problems.append(f"{path}: Python's parser accepted it before fixing, not after")
        if mode != before[path][1]:
            problems.append(f"{path}: mode changed {oct(before[path][1])} -> {oct(mode)}")
        if newline_style(data) != newline_style(before[path][0]):
            problems.append(f"{path}: newline style changed")
    for path in before:
        if again[path][0] != after[path][0]:
            problems.append(f"{path}: a second --fix changed it again")
    fixed_line = next((line for line in first.stdout.splitlines() if line.startswith("Fixed")), "Fixed nothing.")
    print(f"files: {len(before):,}  lines: {lines:,}  first --fix run: {seconds:.1f} s")
    print(f"{fixed_line}  files changed: {len(changed)} (all among the {len(fixable)} files with fixable diagnostics)")
    print(f"second run changed: {sum(1 for p in before if again[p][0] != after[p][0])} files")
    print(f"problems: {len(problems)}")
    for problem in problems[:50]:
        print("  " + problem)
    shutil.rmtree(work.parent, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
