# ASY407 unbounded-connection-pool: a connection pool without a size limit.

# case: limit=0 on an aiohttp connector
import aiohttp


def make_session():
    connector = aiohttp.TCPConnector(limit=0)  # error: ASY407 @17
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30))

# look-alike: bounded connector
import aiohttp


def make_session():
    connector = aiohttp.TCPConnector(limit=100, limit_per_host=20)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30))

# look-alike: the default limit
import aiohttp


def make_session():
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(), timeout=aiohttp.ClientTimeout(total=30))
