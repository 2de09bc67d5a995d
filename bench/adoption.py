"""Adoption figures on copies of the pinned corpus (the corpus itself is never written to).

    python bench/adoption.py [--corpus DIR] [--work DIR] [--only whole-corpus|one-project] [--project NAME]

whole-corpus (one copy of the corpus as one git repository, so its cold run is paid once):
1. `--add-noqa .` on the copy with no cache (a cold full run), timed; then a clean run (the cache
   is warm: only the files that got a comment are linted again) that must report nothing.
2. The result is committed; five files get a one-line edit and are staged; `pre-commit run
   --files <the five>` is timed: the five files are linted, every other module's facts come from
   its project's summary entry (each corpus project has the `pyproject.toml` that
   bench/ecosystem.py writes, so each is its own project with its own cache). The same run again is timed too (nothing changed:
   the last run's result is remembered).

one-project (`--project`, default prefect): a copy of one corpus project in a git repository;
`pre-commit run --files <five files>` with no cache at all (cold), then after a second edit of the
same five files (warm: the project summary of the cold run serves the other modules).
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


def git_repository(copy: Path, env: dict) -> dict:
    git_env = dict(env, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.invalid")
    git_env.update(GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.invalid")
    (copy / ".pre-commit-config.yaml").write_text(HOOK.format(entry=ASYNCLINT))
    for command in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "corpus"]):
        subprocess.run(command, cwd=copy, env=git_env, check=True)
    return git_env


def edit_and_stage(copy: Path, changed: list[str], git_env: dict, mark: str) -> None:
    for relative in changed:
        path = copy / relative
        path.write_text(path.read_text(encoding="utf-8") + f"\n# edited: {mark}\n", encoding="utf-8")
    subprocess.run(["git", "add", *changed], cwd=copy, env=git_env, check=True)


def precommit_files(copy: Path, changed: list[str], env: dict) -> tuple[float, subprocess.CompletedProcess]:
    command = [sys.executable, "-m", "pre_commit", "run", "--color", "never", "--files", *changed]
    seconds, result = timed(command, copy, env)
    if "asynclint" not in result.stdout:
        raise SystemExit(f"the hook did not run:\n{result.stdout}\n{result.stderr}")
    return seconds, result


def summary_size(copy: Path) -> str:
    sizes = [path.stat().st_size for path in copy.glob(".asynclint_cache/*/project-summary.json")]
    entries = sum(1 for _ in copy.glob(".asynclint_cache/*/*.json"))
    return f"{entries} cache files, project summary {max(sizes, default=0) / 1e6:.1f} MB"


def whole_corpus(corpus: Path, work: Path, env: dict) -> None:
    copy = work / "corpus"
    shutil.copytree(corpus, copy, ignore=shutil.ignore_patterns(".asynclint_cache"))
    git_env = git_repository(copy, env)
    files = sum(1 for _ in copy.rglob("*.py"))
    seconds, added = timed([ASYNCLINT, "--add-noqa", "."], copy, env)
    skipped = sum("cannot go at the end of this line" in line for line in added.stderr.splitlines())
    print(f"corpus copy: {files} Python files")
    print(
        f"--add-noqa . (cold cache): {seconds:.1f} s; {added.stdout.strip()}; {skipped} lines could not carry a comment"
    )
    after, clean = timed([ASYNCLINT, "--output-format", "json", "--exit-zero", "."], copy, env)
    remaining = json.loads(clean.stdout)
    codes: dict[str, int] = {}
    for finding in remaining:
        codes[finding["code"]] = codes.get(finding["code"], 0) + 1
    print(f"clean run after (warm cache): {after:.1f} s, {len(remaining)} findings left {codes}", flush=True)
    subprocess.run(["git", "commit", "-q", "-am", "noqa"], cwd=copy, env=git_env, check=True)
    edit_and_stage(copy, CHANGED, git_env, "1")
    first, result = precommit_files(copy, CHANGED, env)
    second, _ = precommit_files(copy, CHANGED, env)
    print(
        f"pre-commit run --files <{len(CHANGED)} changed files>, warm cache: {first:.2f} s (same run again: {second:.2f} s)"
    )
    print(f"  {summary_size(copy)}")
    print("  hook output (last lines):", *result.stdout.strip().splitlines()[-3:], sep="\n    ")


def one_project(corpus: Path, work: Path, env: dict, name: str) -> None:
    copy = work / name
    shutil.copytree(corpus / name, copy, ignore=shutil.ignore_patterns(".asynclint_cache"))
    shutil.copy(corpus / "pyproject.toml", copy / "pyproject.toml")  # the corpus's settings
    git_env = git_repository(copy, env)
    python_files = sorted(path.relative_to(copy).as_posix() for path in copy.rglob("*.py"))
    # Five modules spread over the project that define coroutines (what a change usually touches).
    candidates = [path for path in python_files if "async def" in (copy / path).read_text(encoding="utf-8")]
    changed = [candidates[index * len(candidates) // 5] for index in range(5)]
    edit_and_stage(copy, changed, git_env, "1")
    cold, result = precommit_files(copy, changed, env)
    again, _ = precommit_files(copy, changed, env)
    edit_and_stage(copy, changed, git_env, "2")
    warm, _ = precommit_files(copy, changed, env)
    print(f"{name}: {len(python_files)} Python files; pre-commit run --files <5 files>: {', '.join(changed)}")
    print(
        f"  cold (no cache): {cold:.2f} s; same run again: {again:.2f} s; after editing the 5 files again (warm): {warm:.2f} s"
    )
    print(f"  {summary_size(copy)}")
    print("  hook output (last lines):", *result.stdout.strip().splitlines()[-3:], sep="\n    ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(HERE / "corpus"))
    parser.add_argument("--work", default=None, help="where the copies go (default: a temporary directory)")
    parser.add_argument("--only", choices=["whole-corpus", "one-project"], default=None)
    parser.add_argument("--project", default="prefect", help="the corpus project for one-project")
    arguments = parser.parse_args()
    corpus = Path(arguments.corpus)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GIT_", "PRE_COMMIT"))}
    env["NO_COLOR"] = "1"
    with tempfile.TemporaryDirectory(prefix="asynclint-adoption-", dir=arguments.work) as directory:
        work = Path(directory)
        env["PRE_COMMIT_HOME"] = str(work / "pre-commit-home")
        if arguments.only in (None, "one-project"):
            one_project(corpus, work, env, arguments.project)
        if arguments.only in (None, "whole-corpus"):
            whole_corpus(corpus, work, env)


if __name__ == "__main__":
    main()
