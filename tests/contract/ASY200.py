# ASY200 coroutine-not-awaited: a coroutine created and never awaited.

# case: a module-level coroutine function called bare
import asyncio


async def publish(topic, payload):
    await asyncio.sleep(0)


async def on_order_created(order):
    publish("order.created", order)  # error: ASY200 @5 "never awaited"

# case: an async method called through self
class Worker:
    async def report(self, job):
        ...

    async def handle(self, job):
        self.report(job)  # error: ASY200 @9

# look-alike: the coroutine awaited, scheduled and gathered
import asyncio


async def publish(topic, payload):
    await asyncio.sleep(0)


async def on_order_created(order, tasks):
    await publish("order.created", order)
    tasks.add(asyncio.create_task(publish("audit", order)))
    await asyncio.gather(publish("a", order), publish("b", order))

# look-alike: a sync function with the same name shape
def publish(topic, payload):
    return (topic, payload)


async def on_order_created(order):
    publish("order.created", order)
