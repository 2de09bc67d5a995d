import asyncio
import sys
import time

import aiohttp
from server import start


async def slow_body():
    for _ in range(10):
        yield b"y" * 1024
        await asyncio.sleep(0.25)


async def main(mode):
    runner, port = await start()
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        async with aiohttp.ClientSession() as session:
            if mode == "stalled":
                async with session.get(f"{base}/stalled") as response:
                    print("answered", await response.text())
            elif mode == "stream":
                size = 0
                async with session.get(f"{base}/stream") as response:
                    async for chunk in response.content.iter_any():
                        size += len(chunk)
                print("downloaded", size)
            elif mode == "upload":
                async with session.post(f"{base}/upload", data=slow_body()) as response:
                    print("uploaded", await response.text())
            elif mode == "websocket":
                async with session.ws_connect(f"{base}/ws") as ws:
                    ticks = [message.data async for message in ws]
                print("ticks", len(ticks))
    except asyncio.TimeoutError:
        print(f"timed out after {time.monotonic() - started:.1f}s")
    finally:
        await runner.cleanup()


asyncio.run(main(sys.argv[1]))
