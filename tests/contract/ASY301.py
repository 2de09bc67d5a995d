# ASY301 gather-results-unchecked: `gather(return_exceptions=True)` whose results nobody checks.

# case: results dropped
import asyncio


async def notify_all(clients, event):
    await asyncio.gather(*(client.send(event) for client in clients), return_exceptions=True)  # error: ASY301 @11

# look-alike: results inspected for exceptions
import asyncio
import logging


async def notify_all(clients, event):
    results = await asyncio.gather(*(client.send(event) for client in clients), return_exceptions=True)
    for client, result in zip(clients, results):
        if isinstance(result, Exception):
            logging.warning("notifying %s failed: %r", client, result)

# look-alike: gather without return_exceptions, errors propagate
import asyncio


async def notify_all(clients, event):
    await asyncio.gather(*(client.send(event) for client in clients))
