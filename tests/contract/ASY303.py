# ASY303 return-in-finally: `return`/`break`/`continue` in `finally` discards the exception in flight.

# case: return in finally
async def fetch_status(client):
    try:
        return await client.status()
    finally:
        return "unknown"  # error: ASY303 @9

# case: break in finally inside a retry loop
async def drain(stream):
    while True:
        try:
            await stream.read()
        finally:
            break  # error: ASY303 @13

# look-alike: return in an except handler
async def fetch_status(client):
    try:
        return await client.status()
    except ConnectionError:
        return "unknown"

# look-alike: a loop with break inside the finally, not leaving it
async def close_all(streams):
    try:
        await streams[0].read()
    finally:
        for stream in streams:
            if stream.closed:
                break
            stream.close()
