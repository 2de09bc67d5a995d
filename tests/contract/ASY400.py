# ASY400 client-session-without-timeout (opt-in): `aiohttp.ClientSession` without `timeout=`.

# case: a session for one profile fetch
import aiohttp


async def fetch_profile(user_id):
    async with aiohttp.ClientSession() as session:  # error: ASY400 @16
        async with session.get(f"https://api.example.com/users/{user_id}") as response:
            return await response.json()

# look-alike: the session bounded by a ClientTimeout
import aiohttp

TIMEOUT = aiohttp.ClientTimeout(sock_connect=10, sock_read=10)


async def fetch_profile(user_id):
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        async with session.get(f"https://api.example.com/users/{user_id}") as response:
            return await response.json()

# look-alike: httpx has a default timeout
import httpx


async def fetch_profile(user_id):
    async with httpx.AsyncClient() as client:
        return (await client.get(f"https://api.example.com/users/{user_id}")).json()
