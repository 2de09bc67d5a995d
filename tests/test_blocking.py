"""ASY101–ASY112: catalog calls by qualified name and receiver type, look-alikes, offload fixes."""

from __future__ import annotations

import json

import pytest
from conftest import codes_and_lines, fix_snippet, lint_snippet, run_cli

# Every blocking rule by its exact code: ASY103, ASY106 and ASY110 are opt-in.
BLOCKING = ",".join(f"ASY1{number:02d}" for number in range(13))

HEAD = (
    "import asyncio, requests, subprocess, socket, sqlite3, threading, queue, os, shutil, httpx, urllib.request\n"
    "from pathlib import Path\nfrom concurrent.futures import ThreadPoolExecutor\n"
)


def found(body: str, select: str = BLOCKING) -> list[str]:
    return [code for code, _ in codes_and_lines(HEAD + body, select=select)]


@pytest.mark.parametrize(
    "statement, code",
    [
        ("requests.get(url)", "ASY101"),
        ("requests.Session().post(url)", "ASY101"),
        ("urllib.request.urlopen(url)", "ASY101"),
        ("httpx.get(url)", "ASY101"),
        ("httpx.Client().get(url)", "ASY101"),
        ("subprocess.run(['ls'])", "ASY102"),
        ("os.system('ls')", "ASY102"),
        ("open('f').read()", "ASY103"),
        ("Path('f').read_text()", "ASY103"),
        ("shutil.rmtree('d')", "ASY103"),
        ("socket.gethostbyname('h')", "ASY104"),
        ("sqlite3.connect('db')", "ASY105"),
        ("input('?')", "ASY107"),
        ("asyncio.run(url())", "ASY108"),
        ("asyncio.get_event_loop()", "ASY109"),
        ("ThreadPoolExecutor()", "ASY111"),
        ("threading.Lock().acquire()", "ASY106"),
        ("queue.Queue().get()", "ASY106"),
    ],
)
def test_positive(statement, code):
    assert found(f"async def f(url):\n    {statement}\n") == [code]


@pytest.mark.parametrize(
    "body",
    [
        "async def f(requests):\n    requests.get('u')\n",
        "async def f(d):\n    d.get('u')\n",
        "async def f():\n    os.path.join('a', 'b')\n    os.path.basename('a')\n",
        "async def f(url):\n    await asyncio.to_thread(requests.get, url)\n",
        "async def f(url):\n    await asyncio.get_running_loop().run_in_executor(None, lambda: requests.get(url))\n",
        "async def f(url):\n    async with httpx.AsyncClient() as c:\n        await c.get(url)\n",
        "async def f():\n    lock = asyncio.Lock()\n    await lock.acquire()\n",
        "async def f():\n    q = asyncio.Queue()\n    await q.get()\n",
        "async def f():\n    q = queue.Queue()\n    q.get_nowait()\n    q.get(block=False)\n",
        "async def f():\n    threading.Lock().acquire(False)\n",
        "def f(url):\n    requests.get(url)\n    subprocess.run(['ls'])\n",
        "async def f(url):\n    def inner():\n        return requests.get(url)\n    return await asyncio.to_thread(inner)\n",
        "async def f():\n    loop = asyncio.get_running_loop()\n",
        "async def f(cache):\n    cache.open('x')\n    cache.run(['ls'])\n",
    ],
)
def test_look_alikes(body):
    assert found(body) == []


def test_receiver_types_follow_self_attributes():
    source = HEAD + (
        "class Client:\n    def __init__(self):\n        self.session = requests.Session()\n\n"
        "    async def fetch(self, url):\n        return self.session.get(url)\n"
    )
    [diagnostic] = lint_snippet(source, select="ASY101")
    assert diagnostic.message.startswith("`requests.Session.get` blocks the event loop in `fetch()`")


def test_offload_fix_to_thread_adds_import_once():
    fixed = fix_snippet(
        "import requests\nimport subprocess\n\n\nasync def f(url):\n    r = requests.get(url, timeout=5)\n"
        "    subprocess.run(['ls'])\n    with open('f') as fh:\n        pass\n",
        select=BLOCKING,
        unsafe=True,
    )
    assert fixed == (
        "import requests\nimport subprocess\nimport asyncio\n\n\nasync def f(url):\n"
        "    r = await asyncio.to_thread(requests.get, url, timeout=5)\n"
        "    await asyncio.to_thread(subprocess.run, ['ls'])\n    with open('f') as fh:\n        pass\n"
    )
    assert fix_snippet(fixed, select=BLOCKING, unsafe=True) == fixed


def test_offload_fix_run_in_executor_style_and_old_targets():
    source = "import asyncio as aio\nimport requests\n\n\nasync def f(url):\n    return requests.get(url)\n"
    expected = (
        "import asyncio as aio\nimport requests\nimport functools\n\n\nasync def f(url):\n"
        "    return await aio.get_running_loop().run_in_executor(None, functools.partial(requests.get, url))\n"
    )
    assert fix_snippet(source, select="ASY101", unsafe=True, fix_offload="run_in_executor") == expected
    assert fix_snippet(source, select="ASY101", unsafe=True, target_version="py39") != expected


def test_offload_fix_is_unsafe_only():
    source = "import requests\n\n\nasync def f(url):\n    return requests.get(url)\n"
    assert fix_snippet(source, select="ASY101", unsafe=False) == source
    [diagnostic] = lint_snippet(source, select="ASY101")
    assert diagnostic.fix.applicability == "unsafe"


def test_no_offload_fix_when_receiver_construction_blocks():
    source = "import smtplib\n\n\nasync def f(msg):\n    smtplib.SMTP('mail').send_message(msg)\n"
    fixes = {d.message.split("`")[1]: d.fix for d in lint_snippet(source, select="ASY104")}
    assert fixes["smtplib.SMTP"] is not None and fixes["smtplib.SMTP.send_message"] is None


def test_get_event_loop_fix_is_safe_and_keeps_alias():
    source = "import asyncio as aio\n\n\nasync def f():\n    loop = aio.get_event_loop()\n"
    assert fix_snippet(source, select="ASY109") == source.replace("get_event_loop", "get_running_loop")
    source = "from asyncio import get_event_loop\n\n\nasync def f():\n    return get_event_loop()\n"
    fixed = fix_snippet(source, select="ASY109")
    assert "return asyncio.get_running_loop()" in fixed and "import asyncio\n" in fixed


def test_coroutine_in_executor():
    body = (
        "async def send(x):\n    pass\n\n\nclass A:\n    async def m(self):\n        pass\n\n"
        "    async def g(self, loop):\n        await asyncio.to_thread(send, 1)\n"
        "        await loop.run_in_executor(None, self.m)\n        await asyncio.to_thread(send(1))\n"
        "        await asyncio.to_thread(print, 1)\n"
    )
    assert found(body, "ASY112") == ["ASY112", "ASY112"]


def test_extend_blocking_calls_from_config(write_tree):
    root = write_tree(
        {
            "pyproject.toml": (
                '[tool.asynclint]\nextend-select = ["ASY103"]\nextend-blocking-calls = { "storage.fetch_blob" = "ASY103" }\n'
            ),
            "app.py": "from storage import fetch_blob\n\n\nasync def f():\n    return fetch_blob('k')\n",
        }
    )
    result = run_cli("--output-format", "json", "--no-cache", ".", cwd=root)
    assert [(d["code"], d["line"]) for d in json.loads(result.stdout)] == [("ASY103", 5)]


def test_transitive_chain_across_modules(write_tree):
    root = write_tree(
        {
            "pkg/__init__.py": "",
            "pkg/util.py": "import requests\n\n\ndef _remote():\n    return requests.get('u')\n\n\ndef load():\n    return _remote()\n\n\ndef pure():\n    return 1\n",
            "pkg/views.py": (
                "import asyncio\nfrom .util import load, pure\n\n\nasync def view():\n    load()\n    pure()\n"
                "    await asyncio.to_thread(load)\n"
            ),
        }
    )
    result = run_cli("--output-format", "json", "--no-cache", "--extend-select", "ASY110", ".", cwd=root)
    [item] = json.loads(result.stdout)
    assert (item["path"], item["line"], item["code"]) == ("pkg/views.py", 6, "ASY110")
    assert "load → _remote → requests.get" in item["message"]
    fixed = run_cli("--fix", "--unsafe-fixes", "--no-cache", "--extend-select", "ASY110", ".", cwd=root)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "    await asyncio.to_thread(load)\n    pure()" in (root / "pkg" / "views.py").read_text()


def test_recursive_sync_functions_terminate():
    source = "def a():\n    return b()\n\n\ndef b():\n    return a()\n\n\nasync def f():\n    a()\n"
    assert lint_snippet(source, select="ASY110") == []
