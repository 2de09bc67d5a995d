# ASY500 check-then-act-across-await (opt-in): shared state checked, then written after an `await`.

# case: lazy connection on self
import asyncio


class Pool:
    def __init__(self, dsn):
        self._dsn = dsn
        self._conn = None

    async def connection(self):
        if self._conn is None:
            self._conn = await connect(self._dsn)  # error: ASY500 @13
        return self._conn


async def connect(dsn):
    await asyncio.sleep(0.01)
    return object()

# look-alike: check and write under a lock
import asyncio


class Pool:
    def __init__(self, dsn):
        self._dsn = dsn
        self._conn = None
        self._lock = asyncio.Lock()

    async def connection(self):
        async with self._lock:
            if self._conn is None:
                self._conn = await connect(self._dsn)
        return self._conn


async def connect(dsn):
    await asyncio.sleep(0.01)
    return object()

# look-alike: check and write with no await between
class Counter:
    def __init__(self):
        self.value = None

    async def get(self):
        if self.value is None:
            self.value = 0
        return self.value
