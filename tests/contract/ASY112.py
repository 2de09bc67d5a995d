# ASY112 coroutine-in-executor: a coroutine function handed to a thread executor.

# case: to_thread of an async def
import asyncio


async def send_email(to):
    await asyncio.sleep(0)


async def notify(to):
    await asyncio.to_thread(send_email, to)  # error: ASY112 @11

# case: run_in_executor of an async method
import asyncio


class Mailer:
    async def deliver(self, message):
        await asyncio.sleep(0)

    async def send(self, message):
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.deliver, message)  # error: ASY112 @15

# look-alike: a sync function in the executor
import asyncio


def render(template):
    return template.upper()


async def page(template):
    return await asyncio.to_thread(render, template)

# look-alike: the coroutine function awaited
async def send_email(to):
    ...


async def notify(to):
    await send_email(to)
