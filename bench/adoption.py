"""Adoption figures on a copy of the pinned corpus (the corpus itself is never written to).

    python bench/adoption.py [--corpus DIR] [--work DIR]

1. pre-commit: the copy becomes a git repository with a local `asynclint` hook (this environment's
   command); `asynclint .` warms the cache; five files get a one-line edit and are staged; then
   `pre-commit run` is timed (it passes only those five files; cross-module answers come from the
   whole project through the cache). A second run on the same five staged files is timed too.
2. `--add-noqa` on a second copy, timed, followed by a clean run that must report nothing (the
   lines that cannot carry a comment are counted).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ASYNCLINT = str(Path(sys.executable).parent / "asynclint")
HOOK = """\
repos:
  - repo: local
    hooks:
      - id: asynclint
        name: asynclint
        entry: {entry}
        language: system
        types_or: [python, pyi]
        require_serial: true
"""
CHANGED = [
    "aiohttp/aiohttp/client.py",
    "httpx/httpx/_client.py",
    "redis/redis/asyncio/client.py",
    "starlette/starlette/routing.py",
    "prefect/prefect/task_engine.py",
]


def timed(command: list[str], cwd: Path, env: dict) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    return time.perf_counter() - started, result


def precommit(corpus: Path, work: Path, env: dict) -> None:
    copy = work / "precommit"
    shutil.copytree(corpus, copy, ignore=shutil.ignore_patterns(".asynclint_cache"))
    git_env = dict(env, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.invalid")
    git_env.update(GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.invalid")
    (copy / ".pre-commit-config.yaml").write_text(HOOK.format(entry=ASYNCLINT))
    for command in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "corpus"]):
        subprocess.run(command, cwd=copy, env=git_env, check=True)
    warm, _ = timed([ASYNCLINT, "--exit-zero", "--statistics", "."], copy, env)
    for relative in CHANGED:
        path = copy / relative
        path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    subprocess.run(["git", "add", *CHANGED], cwd=copy, env=git_env, check=True)
    first, result = timed([sys.executable, "-m", "pre_commit", "run", "--color", "never"], copy, env)
    second, _ = timed([sys.executable, "-m", "pre_commit", "run", "--color", "never"], copy, env)
    alone, isolated = timed([ASYNCLINT, "--exit-zero", "--output-format", "json", *CHANGED], copy, env)
    findings = len(json.loads(isolated.stdout))
    print(f"full run that warms the cache: {warm:.1f} s")
    print(f"pre-commit run on {len(CHANGED)} changed files, warm cache: {first:.2f} s (again: {second:.2f} s)")
    print(f"  asynclint on the same 5 files directly: {alone:.2f} s, {findings} findings")
    print("  hook output (last lines):", *result.stdout.strip().splitlines()[-3:], sep="\n    ")


def add_noqa(corpus: Path, work: Path, env: dict) -> None:
    copy = work / "noqa"
    shutil.copytree(corpus, copy, ignore=shutil.ignore_patterns(".asynclint_cache"))
    before, result = timed([ASYNCLINT, "--no-cache", "--output-format", "json", "--exit-zero", "."], copy, env)
    findings = len(json.loads(result.stdout))
    seconds, added = timed([ASYNCLINT, "--no-cache", "--add-noqa", "."], copy, env)
    skipped = sum("cannot go at the end of this line" in line for line in added.stderr.splitlines())
    after, clean = timed([ASYNCLINT, "--no-cache", "--output-format", "json", "--exit-zero", "."], copy, env)
    remaining = json.loads(clean.stdout)
    codes: dict[str, int] = {}
    for finding in remaining:
        codes[finding["code"]] = codes.get(finding["code"], 0) + 1
    print(f"findings before: {findings} (full run {before:.1f} s)")
    print(f"--add-noqa: {seconds:.1f} s; {added.stdout.strip()}; {skipped} lines could not carry a comment")
    print(f"clean run after: {after:.1f} s, {len(remaining)} findings left {codes}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(HERE / "corpus"))
    parser.add_argument("--work", default=None, help="where the copies go (default: a temporary directory)")
    parser.add_argument("--only", choices=["precommit", "add-noqa"], default=None)
    arguments = parser.parse_args()
    corpus = Path(arguments.corpus)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GIT_", "PRE_COMMIT"))}
    env["NO_COLOR"] = "1"
    with tempfile.TemporaryDirectory(prefix="asynclint-adoption-", dir=arguments.work) as directory:
        work = Path(directory)
        env["PRE_COMMIT_HOME"] = str(work / "pre-commit-home")
        if arguments.only in (None, "precommit"):
            precommit(corpus, work, env)
        if arguments.only in (None, "add-noqa"):
            add_noqa(corpus, work, env)


if __name__ == "__main__":
    main()
