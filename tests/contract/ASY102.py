# ASY102 blocking-subprocess: subprocess/os process calls in a coroutine.

# case: subprocess.check_output to read a git revision
import subprocess


async def revision():
    return subprocess.check_output(["git", "rev-parse", "HEAD"]).decode().strip()  # error: ASY102 @12

# case: os.system in a request handler
import os


async def restart(service):
    os.system(f"systemctl restart {service}")  # error: ASY102 @5

# look-alike: asyncio's own subprocess API
import asyncio


async def revision():
    process = await asyncio.create_subprocess_exec("git", "rev-parse", "HEAD", stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    return out.decode().strip()

# look-alike: a runner object with a run() method
async def deploy(runner, steps):
    for step in steps:
        await runner.run(step)
