# ASY104 blocking-network-io: blocking sockets and DNS in a coroutine.

# case: DNS lookup with socket.getaddrinfo
import socket


async def addresses(host, port):
    return [info[4][0] for info in socket.getaddrinfo(host, port)]  # error: ASY104 @36

# case: a blocking socket connect
import socket


async def probe(host):
    sock = socket.create_connection((host, 80), timeout=2)  # error: ASY104 @12
    sock.close()

# look-alike: the loop's resolver
import asyncio


async def addresses(host, port):
    loop = asyncio.get_running_loop()
    return [info[4][0] for info in await loop.getaddrinfo(host, port)]

# look-alike: socket constants and pure helpers
import socket


async def family_name(family):
    return "ipv6" if family == socket.AF_INET6 else socket.AddressFamily(family).name
