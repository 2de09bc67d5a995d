"""A local aiohttp server for the ASY400 program: a stalled endpoint, a slow streamed download,
a slow upload sink and a websocket that stays open."""

import asyncio

from aiohttp import web


async def stalled(request):
    await asyncio.sleep(3600)
    return web.Response(text="never")


async def stream(request):
    response = web.StreamResponse()
    await response.prepare(request)
    for _ in range(10):
        await response.write(b"x" * 1024)
        await asyncio.sleep(0.25)
    return response


async def upload(request):
    size = 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
    return web.Response(text=str(size))


async def websocket(request):
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    for n in range(10):
        await ws.send_str(f"tick {n}")
        await asyncio.sleep(0.25)
    await ws.close()
    return ws


async def start():
    app = web.Application()
    app.router.add_get("/stalled", stalled)
    app.router.add_get("/stream", stream)
    app.router.add_post("/upload", upload)
    app.router.add_get("/ws", websocket)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]
