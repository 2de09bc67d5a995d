"""Build the pinned benchmark corpus: real async projects, from their wheels on the package index.

Nothing is installed: wheels are downloaded with `pip download --no-deps` and only their `.py`
files are extracted into `bench/corpus/<project>/`. Run: `python bench/corpus.py`.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Iterable, Optional

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
DOWNLOADS = HERE / "downloads"

PINNED = {
    "aiohttp": "3.14.5",
    "httpx": "0.28.1",
    "httpcore": "1.0.9",
    "anyio": "4.16.0",
    "starlette": "1.10.0",
    "uvicorn": "0.54.0",
    "websockets": "17.4",
    "aiokafka": "0.14.0",
    "redis": "8.1.0",
    "aiobotocore": "3.10.0",
    "aiogram": "3.31.0",
    "telethon": "1.45.0",
    "python-telegram-bot": "22.8",
    "prefect": "3.9.1",
    "distributed": "2026.8.0",
    "jupyter-server": "2.21.1",
    "textual": "8.2.8",
    "slack-sdk": "3.47.0",
    "openai": "3.51.0",
    "litestar": "2.25.0",
    "sanic": "25.12.1",
    "aio-pika": "10.2.1",
    "homeassistant": "2026.2.3",
}
# The slice flake8-async is timed on (it is far slower than the others).
SLICE = ("httpx", "starlette", "uvicorn")


def _download(project: str, version: str) -> Path:
    target = DOWNLOADS / project
    existing = sorted(target.glob("*.whl")) if target.is_dir() else []
    if existing:
        return existing[0]
    target.mkdir(parents=True, exist_ok=True)
    base = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(target), "-q"]
    python = "3.13.2" if project == "homeassistant" else "3.13"
    attempts = [
        ["--python-version", python, f"{project}=={version}"],
        [
            "--python-version",
            python,
            "--platform",
            "manylinux_2_17_x86_64",
            "--platform",
            "manylinux2014_x86_64",
            "--platform",
            "any",
            f"{project}=={version}",
        ],
    ]
    for extra in attempts:
        if subprocess.run(base + extra, capture_output=True).returncode == 0:
            break
    wheels = sorted(target.glob("*.whl"))
    if not wheels:
        raise SystemExit(f"could not download {project}=={version}")
    return wheels[0]


def build(projects: Optional[Iterable[str]] = None) -> Path:
    """Extract the pinned projects (all of them, or the ones named) into `bench/corpus/`."""
    CORPUS.mkdir(parents=True, exist_ok=True)
    # The corpus sits in this repository's .gitignore; asynclint respects that unless told not to.
    (CORPUS / "pyproject.toml").write_text("[tool.asynclint]\nrespect-gitignore = false\n")
    wanted = set(PINNED if projects is None else projects)
    for project, version in PINNED.items():
        if project not in wanted:
            continue
        destination = CORPUS / project
        if destination.is_dir() and any(destination.rglob("*.py")):
            continue
        wheel = _download(project, version)
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                if name.endswith(".py") and ".data/" not in name:
                    archive.extract(name, destination)
        print(f"{project}=={version}: {sum(1 for _ in destination.rglob('*.py'))} files", file=sys.stderr)
    return CORPUS


if __name__ == "__main__":
    build()
