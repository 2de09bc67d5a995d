# ASY201 dangling-task: a task created and no reference kept, so it can vanish mid-flight.

# case: create_task as a statement
import asyncio


async def notify(user):
    await asyncio.sleep(1)


async def signup(user):
    asyncio.create_task(notify(user))  # error: ASY201 @5

# case: ensure_future of a coroutine, result dropped
import asyncio


async def heartbeat():
    await asyncio.sleep(30)


async def start():
    asyncio.ensure_future(heartbeat())  # error: ASY201 @5

# look-alike: the task kept in a set with a done callback
import asyncio

_background_tasks = set()


async def notify(user):
    await asyncio.sleep(1)


async def signup(user):
    task = asyncio.create_task(notify(user))
    _background_tasks.add(task)
    task.add_done_callback(_background_tasks.discard)

# look-alike: tasks of a TaskGroup, which keeps them
import asyncio


async def notify(user):
    await asyncio.sleep(1)


async def signup_all(users):
    async with asyncio.TaskGroup() as group:
        for user in users:
            group.create_task(notify(user))
