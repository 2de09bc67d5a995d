# ASY101 blocking-http: a synchronous HTTP client called from a coroutine.

# case: requests through a session stored on self
import requests


class Api:
    def __init__(self):
        self.session = requests.Session()

    async def user(self, user_id):
        return self.session.get(f"https://api.example.com/users/{user_id}", timeout=5)  # error: ASY101 @16

# case: urllib.request.urlopen in a handler
import urllib.request


async def ping(url):
    with urllib.request.urlopen(url, timeout=3) as response:  # error: ASY101 @10
        return response.status

# look-alike: the async httpx client awaited
import httpx


async def user(user_id):
    async with httpx.AsyncClient() as client:
        return await client.get(f"https://api.example.com/users/{user_id}")

# look-alike: a dict's get() and requests handed to a thread
import asyncio

import requests


async def lookup(cache, url):
    cached = cache.get(url)
    if cached is None:
        cached = await asyncio.to_thread(requests.get, url, timeout=5)
    return cached
