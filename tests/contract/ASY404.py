# ASY404 client-session-not-closed: an HTTP client session or connector never closed.

# case: a session created and only used
import aiohttp


async def fetch_status(url):
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))  # error: ASY404 @15
    async with session.get(url) as response:
        return response.status

# look-alike: the session as a context manager
import aiohttp


async def fetch_status(url):
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        async with session.get(url) as response:
            return response.status

# look-alike: the session returned to the caller, who owns it
import aiohttp


def make_session():
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
