"""Time asynclint against the tools people use today on the pinned corpus, in one run.

    python bench/benchmark.py            # builds the corpus first if needed

Prints a Markdown table (also written to bench/RESULTS.md): wall time, lines per second, the ratio
to asynclint, findings and peak memory for libcst parse-only, asynclint (cold -j1, cold -jN, warm
from cache), ruff's ASYNC rules, and flake8-async (on a slice: it is far slower); then each target
of the speed issue with the measured value. Every time is one child process, started cold; the
short slice runs of asynclint and parse-only are the median of five.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import CORPUS, PINNED, SLICE, build  # noqa: E402

HERE = Path(__file__).resolve().parent
SHORT_RUNS = 5
BIN = Path(sys.executable).parent


@dataclass
class Timing:
    tool: str
    scope: str
    files: int
    lines: int
    seconds: float
    findings: str
    peak_mb: float


def python_files(roots: list[Path]) -> list[Path]:
    return sorted(path for root in roots for path in root.rglob("*.py"))


def count_lines(files: list[Path]) -> int:
    return sum(path.read_bytes().count(b"\n") for path in files)


def ensure_tools() -> None:
    missing = [name for name, binary in (("ruff", "ruff"), ("flake8-async", "flake8")) if not (BIN / binary).exists()]
    try:
        import flake8_async  # noqa: F401
    except ImportError:
        missing.append("flake8-async")
    if missing:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "ruff", "flake8-async"], check=True)


def timed(command: list[str], cwd: Path) -> tuple[float, str, float]:
    """Wall time, stdout and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    output_chunks = []
    assert process.stdout is not None
    for chunk in iter(lambda: process.stdout.read(1 << 16), ""):
        output_chunks.append(chunk)
    _, _, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, "".join(output_chunks), usage.ru_maxrss / 1024


def in_child(code: str, files: list[Path]) -> tuple[float, float]:
    """Run `code` over `files` (as `paths`) in a fresh interpreter: wall time and peak MB."""
    listing = HERE / ".files.txt"
    listing.write_text("\n".join(map(str, files)))
    runner = f"paths = open({str(listing)!r}).read().split(chr(10))\n" + code
    seconds, _, peak = timed([sys.executable, "-c", runner], HERE)
    return seconds, peak


def parse_only(files: list[Path]) -> tuple[float, float]:
    # The files asynclint analyses: it skips those over its size limit (one generated 2.9 MB file
    # of telethon here), so parse-only does too.
    code = (
        "import os, libcst\n"
        "from asynclint.engine.source import MAX_FILE_BYTES\n"
        "for p in paths:\n"
        "    if os.path.getsize(p) > MAX_FILE_BYTES:\n"
        "        continue\n"
        "    try:\n"
        "        libcst.parse_module(open(p, 'rb').read())\n"
        "    except Exception:\n"
        "        pass\n"
    )
    return in_child(code, files)


def stat_only(files: list[Path]) -> float:
    """What an unchanged tree cannot avoid: interpreter start, finding the files, one stat each."""
    roots = sorted({str(CORPUS / path.relative_to(CORPUS).parts[0]) for path in files})
    code = (
        "import os\n"
        f"for root in {roots!r}:\n"
        "    for folder, _, names in os.walk(root):\n"
        "        for name in names:\n"
        "            if name.endswith('.py'):\n"
        "                os.stat(os.path.join(folder, name))\n"
    )
    return in_child(code, files)[0]


def asynclint(paths: list[Path], jobs: int, cache: bool, cwd: Path) -> tuple[float, str, float]:
    command = [str(BIN / "asynclint"), "--output-format", "json", "--exit-zero", "-j", str(jobs)]
    if not cache:
        command.append("--no-cache")
    seconds, output, peak = timed(command + [str(p) for p in paths], cwd)
    return seconds, str(len(json.loads(output or "[]"))), peak


def ruff(paths: list[Path], cwd: Path) -> tuple[float, str, float]:
    command = [str(BIN / "ruff"), "check", "--select", "ASYNC", "--no-cache", "--exit-zero",
               "--output-format", "json", "--isolated"] + [str(p) for p in paths]
    seconds, output, peak = timed(command, cwd)
    return seconds, str(len(json.loads(output or "[]"))), peak


def flake8_async(paths: list[Path], cwd: Path) -> tuple[float, str, float]:
    command = [str(BIN / "flake8"), "--isolated", "--select", "ASYNC", "--exit-zero", "-j", "1"] + [str(p) for p in paths]
    seconds, output, peak = timed(command, cwd)
    return seconds, str(len([line for line in output.splitlines() if line.strip()])), peak


def main() -> None:
    build()
    ensure_tools()
    jobs = os.cpu_count() or 2
    roots = [CORPUS / name for name in PINNED]
    slice_roots = [CORPUS / name for name in SLICE]
    files = python_files(roots)
    slice_files = python_files(slice_roots)
    lines, slice_lines = count_lines(files), count_lines(slice_files)
    cache = CORPUS / ".asynclint_cache"
    shutil.rmtree(cache, ignore_errors=True)
    rows: list[Timing] = []
    full, part = "corpus", "slice (httpx+starlette+uvicorn)"

    seconds, peak = parse_only(files)
    rows.append(Timing("libcst parse only (1 process)", full, len(files), lines, seconds, "–", peak))
    for label, jobs_used, use_cache in (("asynclint cold -j1", 1, False), (f"asynclint cold -j{jobs}", jobs, False)):
        seconds, findings, peak = asynclint(roots, jobs_used, use_cache, CORPUS)
        rows.append(Timing(label, full, len(files), lines, seconds, findings, peak))
    asynclint(roots, jobs, True, CORPUS)  # fill the cache
    seconds, findings, peak = asynclint(roots, jobs, True, CORPUS)
    rows.append(Timing(f"asynclint warm -j{jobs} (cache)", full, len(files), lines, seconds, findings, peak))
    rows.append(Timing("python: walk + stat every file", full, len(files), lines, stat_only(files), "–", 0))
    seconds, findings, peak = ruff(roots, CORPUS)
    rows.append(Timing("ruff --select ASYNC", full, len(files), lines, seconds, findings, peak))
    # Runs of a second or two vary by a fifth on a shared machine: the median of five.
    runs = [asynclint(slice_roots, 1, False, CORPUS) for _ in range(SHORT_RUNS)]
    seconds, findings, peak = sorted(runs)[SHORT_RUNS // 2]
    rows.append(Timing("asynclint cold -j1", part, len(slice_files), slice_lines, seconds, findings, peak))
    seconds, peak = sorted(parse_only(slice_files) for _ in range(SHORT_RUNS))[SHORT_RUNS // 2]
    rows.append(Timing("libcst parse only (1 process)", part, len(slice_files), slice_lines, seconds, "–", peak))
    seconds, findings, peak = flake8_async(slice_roots, CORPUS)
    rows.append(Timing("flake8-async (flake8 -j1)", part, len(slice_files), slice_lines, seconds, findings, peak))
    shutil.rmtree(cache, ignore_errors=True)
    (HERE / ".files.txt").unlink(missing_ok=True)

    reference = {row.scope: row.seconds for row in rows if row.tool == "asynclint cold -j1"}
    table = [
        "| tool | files | lines | seconds | lines/s | time ÷ asynclint -j1 | findings | peak MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = row.seconds / reference[row.scope]
        table.append(
            f"| {row.tool} — {row.scope} | {row.files:,} | {row.lines:,} | {row.seconds:.1f} | "
            f"{row.lines / row.seconds:,.0f} | {ratio:.2f} | {row.findings} | {row.peak_mb:.0f} |"
        )
    text = "\n".join(table) + "\n\n" + "\n".join(targets(rows, jobs)) + "\n"
    header = f"Pinned corpus ({len(PINNED)} projects), {jobs} CPUs, Python {sys.version.split()[0]}.\n\n"
    results = HERE / "RESULTS.md"
    previous = results.read_text() if results.exists() else ""
    # Sections other benchmarks write (`<!-- name -->` … `<!-- /name -->`, library_bench.py's) stay.
    sections = re.finditer(r"<!-- (\w+) -->.*?<!-- /\1 -->\n?", previous, re.S)
    results.write_text("# Benchmark results\n\n" + header + text + "".join("\n" + match.group(0) for match in sections))
    print(header + text)


def targets(rows: list[Timing], jobs: int) -> list[str]:
    """The speed issue's targets, each with what this run measured."""
    got = {(row.tool, row.scope): row for row in rows}
    full, part = "corpus", "slice (httpx+starlette+uvicorn)"
    one = got[("asynclint cold -j1", part)].seconds
    flake8 = got[("flake8-async (flake8 -j1)", part)].seconds
    parse = got[("libcst parse only (1 process)", part)].seconds
    corpus_one = got[("asynclint cold -j1", full)].seconds
    corpus_parse = got[("libcst parse only (1 process)", full)].seconds
    cold = got[(f"asynclint cold -j{jobs}", full)].seconds
    warm = got[(f"asynclint warm -j{jobs} (cache)", full)].seconds
    stat = got[("python: walk + stat every file", full)].seconds
    peak = max(row.peak_mb for row in rows if row.tool.startswith("asynclint"))
    return [
        "| target | measured |",
        "|---|---|",
        f"| single process ≥ 15x flake8-async (slice) | {flake8 / one:.1f}x |",
        f"| single process ≤ 2x libcst parse-only (slice) | {one / parse:.2f}x |",
        f"| single process ≤ 2x libcst parse-only (corpus) | {corpus_one / corpus_parse:.2f}x |",
        f"| corpus cold with {jobs} jobs < 180 s | {cold:.1f} s |",
        f"| unchanged corpus from cache ≈ stat time | {warm:.1f} s vs {stat:.1f} s ({warm / stat:.1f}x) |",
        f"| peak memory < 500 MB (any asynclint process) | {peak:.0f} MB |",
    ]


if __name__ == "__main__":
    main()
