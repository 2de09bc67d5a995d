"""How much ASY113 (library-blocking-call) costs: a service-style tree whose libraries are
installed, linted with every rule with and without ASY113.

    python bench/library_bench.py                  # builds a venv in a temp dir (needs the package index)
    python bench/library_bench.py --venv PATH      # reuse one built earlier
    python bench/library_bench.py --modules 400    # a bigger tree
    python bench/library_bench.py --share 1        # every module calls a blocking library (worst case)
    python bench/library_bench.py --write          # also write the figures into bench/RESULTS.md
    python bench/library_bench.py --corpus PYTHON  # the pinned corpus instead, read against PYTHON's libraries

The tree is generated: every module is ordinary asyncio service code using the libraries' async
variants; a share of them (`--share`, default one in ten) also calls the sync clients, so that
both the lint and the library summaries are exercised. A file with a finding that stands is
linted a second time to place it (the engine's rule for cross-file findings), so the share
matters. Both settings run with the same `-j`, in two ways:

- cold: without the cache (`--no-cache`), so every library callable is read from source;
- warm: with the cache filled by an earlier run, after one module was edited (an unchanged tree
  would replay the last run's results): the other files' results and the library answers come
  from the cache, and the edited file is linted again.

With `--corpus PYTHON` it times the whole pinned corpus (bench/corpus, the default rules) cold
instead, with ASY113 off and on, read against the environment of PYTHON (one where the corpus
projects' dependencies are installed), the two settings taking turns so that the load of a
shared machine falls on both alike; the load average is reported with the figures.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "RESULTS.md"
CORPUS = Path(__file__).parent / "corpus"

LIBRARIES = ("slack_sdk==3.48.0", "dnspython==2.9.2", "Jinja2==3.1.6", "paho-mqtt==2.2.0", "redis==8.1.0")

MODULE = """
import asyncio
import logging

import dns.asyncresolver
import dns.resolver
import jinja2
import paho.mqtt.client as mqtt
import redis
import redis.asyncio
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)
loader = jinja2.FileSystemLoader("templates")


class Service{n}:
    def __init__(self):
        self.cache = redis.Redis()
        self.fast = redis.asyncio.Redis()
        self.slack = WebClient(token="t")
        self.async_slack = AsyncWebClient(token="t")
        self.mqtt = mqtt.Client()
        self.tasks = set()

    async def lookup(self, host):
        {blocking}answer = dns.resolver.resolve(host, "A")
        quick = await dns.asyncresolver.resolve(host, "AAAA")
        return quick

    async def notify(self, text):
        {blocking}self.slack.chat_postMessage(channel="#ops", text=text)
        await self.async_slack.chat_postMessage(channel="#ops", text=text)

    async def read(self, keys):
        {blocking}values = self.cache.hmget("config", keys)
        more = await self.fast.hmget("config", keys)
        return more

    async def page(self, name):
        environment = jinja2.Environment(loader=loader)
        {blocking}source = loader.get_source(environment, name)
        return jinja2.Template("{{{{ name }}}}").render(name=name)

    async def start(self, host):
        {blocking}self.mqtt.connect(host)
        task = asyncio.create_task(self.read(["a"]))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        try:
            await asyncio.wait_for(self.lookup(host), timeout=5)
        except asyncio.TimeoutError:
            log.warning("slow lookup %s", host)


async def main{n}():
    service = Service{n}()
    await service.start("broker.local")
    await asyncio.gather(service.notify("up"), service.page("index.html"), return_exceptions=True)
"""


def build_venv(where: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    site = next((where / "lib").glob("python3*/site-packages"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), *LIBRARIES], check=True
    )
    return where / "bin" / "python"


def write_tree(root: Path, modules: int, share: float) -> None:
    package = root / "service"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    every = max(1, round(1 / share)) if share > 0 else 0
    for n in range(modules):
        blocking = "" if every and n % every == 0 else "# "
        (package / f"module{n}.py").write_text(textwrap.dedent(MODULE.format(n=n, blocking=blocking)))


def timed(command: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall time and CPU time (user + system of the run and its worker processes): on a shared
    machine the CPU time is the steadier figure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1):
        raise SystemExit(result.stderr)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, result.stdout


def measure(
    base: list[str], tree: Path, repeat: int, loads: list[float]
) -> dict[tuple[str, str], tuple[float, float, int]]:
    """(mode, setting) → median wall time, median CPU time, ASY113 findings; the one-minute load
    average before each timed run is added to `loads`."""
    settings = (("off", "ASY,ASY401"), ("on", "ASY,ASY401,ASY113"))
    figures: dict[tuple[str, str], tuple[float, float, int]] = {}
    for mode in ("cold", "warm"):
        runs: dict[str, list[tuple[float, float]]] = {"off": [], "on": []}
        findings = {}
        extra = ["--no-cache"] if mode == "cold" else []
        if mode == "warm":
            for _, select in settings:
                timed([*base, "--select", select, "."], tree)  # fills the cache
        for round_ in range(repeat):
            for label, select in settings:
                if mode == "warm":
                    edited = tree / "service" / "module1.py"
                    edited.write_text(edited.read_text() + f"# edit {label} {round_}\n")
                loads.append(os.getloadavg()[0])
                elapsed, used, output = timed([*base, *extra, "--select", select, "."], tree)
                runs[label].append((elapsed, used))
                findings[label] = output.count('"code": "ASY113"')
        for label in ("off", "on"):
            wall = statistics.median(run[0] for run in runs[label])
            cpu = statistics.median(run[1] for run in runs[label])
            figures[(mode, label)] = (wall, cpu, findings[label])
    return figures


def measure_corpus(base: list[str], repeat: int) -> tuple[dict[str, tuple[float, float, int]], list[float]]:
    """setting → median wall time, median CPU time, ASY113 findings, over the whole corpus cold;
    and the one-minute load average before each run."""
    projects = sorted(path.name for path in CORPUS.iterdir() if path.is_dir() and not path.name.startswith("."))
    settings = (("off", []), ("on", ["--extend-select", "ASY113"]))
    runs: dict[str, list[tuple[float, float]]] = {"off": [], "on": []}
    findings: dict[str, int] = {}
    loads = []
    for round_ in range(repeat):
        for label, extra in settings if round_ % 2 == 0 else reversed(settings):
            loads.append(os.getloadavg()[0])
            elapsed, used, output = timed([*base, "--no-cache", *extra, *projects], CORPUS)
            runs[label].append((elapsed, used))
            findings[label] = output.count('"code": "ASY113"')
            print(f"{label}: {elapsed:.1f} s wall, {used:.1f} s CPU, load {loads[-1]:.1f}", file=sys.stderr)
    figures = {
        label: (
            statistics.median(run[0] for run in runs[label]),
            statistics.median(run[1] for run in runs[label]),
            findings[label],
        )
        for label in runs
    }
    return figures, loads


def corpus_report(figures: dict[str, tuple[float, float, int]], loads: list[float], title: str) -> str:
    off, on = figures["off"], figures["on"]
    return (
        f"{title}\n\n"
        "| run | ASY113 off: wall / CPU | ASY113 on: wall / CPU | CPU with ASY113 | wall with ASY113 | ASY113 findings |\n"
        "|---|---|---|---|---|---|\n"
        f"| corpus cold | {off[0]:.1f} s / {off[1]:.1f} s | {on[0]:.1f} s / {on[1]:.1f} s "
        f"| {(on[1] / off[1] - 1) * 100:+.0f}% | {(on[0] / off[0] - 1) * 100:+.0f}% | {on[2]} |\n\n"
        f"{load_line(loads)}\n"
    )


def load_line(loads: list[float]) -> str:
    return (
        f"One-minute load average before the runs: {min(loads):.1f} to {max(loads):.1f} "
        f"(median {statistics.median(loads):.1f}) on {os.cpu_count()} CPUs."
    )


def write_section(name: str, text: str) -> None:
    """Replace (or add) the `<!-- name -->` section of bench/RESULTS.md; bench/benchmark.py keeps
    such sections when it rewrites its own table."""
    section = f"<!-- {name} -->\n{text}<!-- /{name} -->\n"
    pattern = re.compile(rf"<!-- {name} -->.*<!-- /{name} -->\n?", re.S)
    current = RESULTS.read_text()
    if pattern.search(current):
        RESULTS.write_text(pattern.sub(lambda _: section, current))
    else:
        RESULTS.write_text(current.rstrip("\n") + "\n\n" + section)


def report(figures: dict[tuple[str, str], tuple[float, float, int]], title: str) -> str:
    lines = [
        title,
        "",
        "| run | ASY113 off: wall / CPU | ASY113 on: wall / CPU | CPU with ASY113 | ASY113 findings |",
        "|---|---|---|---|---|",
    ]
    for mode in ("cold", "warm"):
        off, on = figures[(mode, "off")], figures[(mode, "on")]
        lines.append(
            f"| {mode} | {off[0]:.2f} s / {off[1]:.2f} s | {on[0]:.2f} s / {on[1]:.2f} s "
            f"| {(on[1] / off[1] - 1) * 100:+.0f}% | {on[2]} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--venv", type=Path, help="an environment built earlier by this script")
    parser.add_argument("--modules", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--share", type=float, default=0.1, help="share of modules calling blocking libraries")
    parser.add_argument("--write", action="store_true", help="write the table into bench/RESULTS.md")
    parser.add_argument("--corpus", type=Path, metavar="PYTHON", help="time the pinned corpus, read against PYTHON")
    arguments = parser.parse_args()
    if arguments.corpus:
        base = [sys.executable, "-m", "asynclint", "--exit-zero", "-j", str(arguments.jobs)]
        base += ["--python", str(arguments.corpus), "--output-format", "json"]
        corpus_figures, loads = measure_corpus(base, arguments.repeat)
        files = sum(1 for _ in CORPUS.rglob("*.py"))
        title = (
            f"ASY113 cost on the pinned corpus (`python bench/library_bench.py --corpus PYTHON`): {files:,} files, "
            f"the default rules with and without ASY113, cold (`--no-cache`), -j{arguments.jobs}, median of "
            f"{arguments.repeat} runs each, off and on taking turns; read against an environment with the corpus "
            f"projects' dependencies installed (`--python`); Python {sys.version_info.major}.{sys.version_info.minor}."
        )
        text = corpus_report(corpus_figures, loads, title)
        print(text)
        if arguments.write:
            write_section("library_corpus", text)
        return
    with tempfile.TemporaryDirectory() as scratch:
        scratch_path = Path(scratch)
        python = arguments.venv / "bin" / "python" if arguments.venv else build_venv(scratch_path / "venv")
        tree = scratch_path / "tree"
        write_tree(tree, arguments.modules, arguments.share)
        (tree / "pyproject.toml").write_text("[tool.asynclint]\n")  # the cache lives in the tree
        base = [sys.executable, "-m", "asynclint", "--exit-zero", "-j", str(arguments.jobs)]
        base += ["--python", str(python), "--output-format", "json"]
        loads: list[float] = []
        figures = measure(base, tree, arguments.repeat, loads)
    lines = len(MODULE.splitlines()) * arguments.modules
    title = (
        f"ASY113 cost (`python bench/library_bench.py`): {arguments.modules} generated service modules, "
        f"{lines:,} lines, {arguments.share:.0%} of them calling sync clients of slack_sdk, dnspython, Jinja2, "
        f"paho-mqtt and redis; -j{arguments.jobs}, median of {arguments.repeat}; Python "
        f"{sys.version_info.major}.{sys.version_info.minor}."
    )
    text = report(figures, title) + "\n" + load_line(loads) + "\n"
    print(text)
    if arguments.write:
        write_section("library_bench", text)


if __name__ == "__main__":
    main()
