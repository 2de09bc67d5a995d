# ASY501 lost-update-across-await (opt-in): shared state written back from a value read before an `await`.

# case: balance read, awaited, written back
import asyncio


class Account:
    def __init__(self):
        self.balance = 0

    async def deposit(self, amount):
        balance = self.balance
        await audit(amount)
        self.balance = balance + amount  # error: ASY501 @9


async def audit(amount):
    await asyncio.sleep(0)

# look-alike: read-modify-write after the await
import asyncio


class Account:
    def __init__(self):
        self.balance = 0

    async def deposit(self, amount):
        await audit(amount)
        self.balance += amount


async def audit(amount):
    await asyncio.sleep(0)

# look-alike: a local copy never written back
import asyncio


class Account:
    def __init__(self):
        self.balance = 0

    async def report(self, sink):
        balance = self.balance
        await sink.write(balance)
        return balance
