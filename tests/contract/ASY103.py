# ASY103 blocking-file-io (opt-in): blocking file I/O in a coroutine.

# case: open() and read in a handler
async def load_template(name):
    with open(f"templates/{name}") as handle:  # error: ASY103 @10
        return handle.read()

# case: pathlib write_text in a coroutine
from pathlib import Path


async def save_report(directory, text):
    Path(directory, "report.txt").write_text(text)  # error: ASY103 @5

# look-alike: the file read handed to a thread
import asyncio
from pathlib import Path


async def load_template(name):
    return await asyncio.to_thread(Path(f"templates/{name}").read_text)

# look-alike: path arithmetic only, no I/O
import os.path


async def template_path(root, name):
    return os.path.join(root, "templates", os.path.basename(name))
