# ASY405 connect-without-timeout (opt-in): a connection opened with no timeout.

# case: open_connection with nothing bounding it
import asyncio


async def ping(host, port):
    reader, writer = await asyncio.open_connection(host, port)  # error: ASY405 @28
    writer.write(b"PING\r\n")
    return await reader.readline()

# case: a connect_timeout parameter the function forgets to use (the fix wires it in)
import asyncio


async def open_channel(host, port, connect_timeout=10):
    return await asyncio.open_connection(host, port)  # error: ASY405 @18

# look-alike: bounded by wait_for
import asyncio


async def ping(host, port):
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout=5)
    writer.write(b"PING\r\n")
    return await reader.readline()

# look-alike: inside an asyncio.timeout block
import asyncio


async def ping(host, port):
    async with asyncio.timeout(5):
        reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"PING\r\n")
    return await reader.readline()
