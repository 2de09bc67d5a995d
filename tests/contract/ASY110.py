# ASY110 transitive-blocking-call (opt-in): a project function that blocks, called from a coroutine.

# case: a settings loader that does HTTP, called directly
import requests


def load_settings(url):
    return requests.get(url, timeout=5).json()


async def handler(request):
    return load_settings(request.url)  # error: ASY110 @12

# case: two sync levels deep
import subprocess


def run_git(*args):
    return subprocess.run(["git", *args], check=True)


def current_branch():
    return run_git("branch", "--show-current")


async def status():
    return current_branch()  # error: ASY110 @12

# look-alike: the blocking function handed to a thread
import asyncio

import requests


def load_settings(url):
    return requests.get(url, timeout=5).json()


async def handler(request):
    return await asyncio.to_thread(load_settings, request.url)

# look-alike: a sync helper that only computes
def parse_settings(text):
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


async def handler(request):
    return parse_settings(await request.text())
