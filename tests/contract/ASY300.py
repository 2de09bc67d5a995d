# ASY300 gather-exception-unhandled (opt-in): `gather` without return_exceptions outside a handler.

# case: dashboard loaded with gather and no handler
import asyncio


async def load_dashboard(client, user_id):
    profile, orders = await asyncio.gather(client.profile(user_id), client.orders(user_id))  # error: ASY300 @29
    return profile, orders

# look-alike: a TaskGroup
import asyncio


async def load_dashboard(client, user_id):
    async with asyncio.TaskGroup() as group:
        profile = group.create_task(client.profile(user_id))
        orders = group.create_task(client.orders(user_id))
    return profile.result(), orders.result()

# look-alike: gather with return_exceptions and the results checked
import asyncio


async def load_all(client, ids):
    results = await asyncio.gather(*(client.profile(i) for i in ids), return_exceptions=True)
    return [result for result in results if not isinstance(result, Exception)]
