# ASY403 client-session-in-loop: an HTTP client session created inside a loop.

# case: one aiohttp session per URL
import aiohttp


async def crawl(urls):
    pages = []
    for url in urls:
        async with aiohttp.ClientSession() as session:  # error: ASY403 @20
            async with session.get(url) as response:
                pages.append(await response.text())
    return pages

# look-alike: one session around the loop
import aiohttp


async def crawl(urls):
    pages = []
    async with aiohttp.ClientSession() as session:
        for url in urls:
            async with session.get(url) as response:
                pages.append(await response.text())
    return pages

# look-alike: a loop of requests on a session made outside
import httpx


async def crawl(client: httpx.AsyncClient, urls):
    return [(await client.get(url)).text for url in urls]
