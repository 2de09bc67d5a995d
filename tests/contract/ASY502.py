# ASY502 context-lost-in-executor (opt-in): `run_in_executor` of a function that reads a ContextVar.

# case: a renderer that logs the request id
import asyncio
import contextvars

request_id = contextvars.ContextVar("request_id", default="-")


def render(page):
    return f"[{request_id.get()}] {page}"


async def handle(page):
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, render, page)  # error: ASY502 @18

# look-alike: to_thread copies the context
import asyncio
import contextvars

request_id = contextvars.ContextVar("request_id", default="-")


def render(page):
    return f"[{request_id.get()}] {page}"


async def handle(page):
    return await asyncio.to_thread(render, page)

# look-alike: the executor runs a function that reads no ContextVar
import asyncio


def render(page):
    return page.upper()


async def handle(page):
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, render, page)
