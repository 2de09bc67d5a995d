"""How much ASY113 (library-blocking-call) costs: a service-style tree whose libraries are
installed, linted with every rule with and without ASY113.

    python bench/library_bench.py                  # builds a venv in a temp dir (needs the package index)
    python bench/library_bench.py --venv PATH      # reuse one built earlier
    python bench/library_bench.py --modules 400    # a bigger tree
    python bench/library_bench.py --share 1        # every module calls a blocking library (worst case)

The tree is generated: every module is ordinary asyncio service code using the libraries' async
variants; a share of them (`--share`, default one in ten) also calls the sync clients, so that
both the lint and the library summaries are exercised. A file with a finding that stands is
linted a second time to place it (the engine's rule for cross-file findings), so the share
matters. Runs are without the cache, with the same `-j` for both.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--venv", type=Path, help="an environment built earlier by this script")
    parser.add_argument("--modules", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--share", type=float, default=0.1, help="share of modules calling blocking libraries")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch_path = Path(scratch)
        python = arguments.venv / "bin" / "python" if arguments.venv else build_venv(scratch_path / "venv")
        write_tree(scratch_path / "tree", arguments.modules, arguments.share)
        base = [sys.executable, "-m", "asynclint", "--no-cache", "--exit-zero", "-j", str(arguments.jobs)]
        base += ["--python", str(python), "--output-format", "json"]
        runs: dict[str, list[float]] = {"off": [], "on": []}
        cpu: dict[str, list[float]] = {"off": [], "on": []}
        findings = {}
        for _ in range(arguments.repeat):
            for label, select in (("off", "ASY,ASY401"), ("on", "ASY,ASY401,ASY113")):
                elapsed, used, output = timed([*base, "--select", select, "."], scratch_path / "tree")
                runs[label].append(elapsed)
                cpu[label].append(used)
                findings[label] = output.count('"code": "ASY113"')
        off, on = statistics.median(runs["off"]), statistics.median(runs["on"])
        cpu_off, cpu_on = statistics.median(cpu["off"]), statistics.median(cpu["on"])
        lines = sum(len(MODULE.splitlines()) for _ in range(arguments.modules))
        print(
            f"{arguments.modules} modules ({arguments.share:.0%} calling blocking libraries), {lines} lines, "
            f"-j{arguments.jobs}, median of {arguments.repeat}"
        )
        print(f"ASY113 off: {off:.2f} s wall, {cpu_off:.2f} s CPU")
        print(
            f"ASY113 on:  {on:.2f} s wall ({(on / off - 1) * 100:+.1f}%), {cpu_on:.2f} s CPU "
            f"({(cpu_on / cpu_off - 1) * 100:+.1f}%), {findings['on']} ASY113 findings"
        )


if __name__ == "__main__":
    main()
