# ASY406 tls-verification-disabled (opt-in): TLS certificate verification turned off.

# case: aiohttp request with ssl=False
import aiohttp


async def fetch(session: aiohttp.ClientSession, url):
    async with session.get(url, ssl=False) as response:  # error: ASY406 @33
        return await response.json()

# look-alike: a private CA context
import ssl

import aiohttp

PRIVATE_CA = ssl.create_default_context(cafile="/etc/myservice/ca.pem")


async def fetch(session: aiohttp.ClientSession, url):
    async with session.get(url, ssl=PRIVATE_CA) as response:
        return await response.json()

# look-alike: verify=True spelled out
import httpx


async def fetch(url):
    async with httpx.AsyncClient(verify=True) as client:
        return await client.get(url)
