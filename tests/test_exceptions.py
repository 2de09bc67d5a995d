"""ASY300–ASY303: positives, the look-alikes that must stay silent, and the ASY302 fix."""

from __future__ import annotations

import pytest
from conftest import codes_and_lines, fix_snippet, lint_snippet

PRELUDE = "import asyncio\nfrom asyncio import CancelledError, gather\nimport concurrent.futures\n\n"


def found(body: str, select: str) -> list[tuple[str, int]]:
    # Lines are counted from the first line of `body`.
    offset = PRELUDE.count("\n")
    return [(code, line - offset) for code, line in codes_and_lines(PRELUDE + body, select=select)]


# -- ASY300 --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        "async def f(a, b):\n    await asyncio.gather(a(), b())\n",
        "async def f(a, b):\n    x, y = await gather(a(), b())\n",
        "async def f(coros):\n    return await asyncio.gather(*coros)\n",
        "async def f(a, b):\n    try:\n        pass\n    except Exception:\n        await asyncio.gather(a(), b())\n",
    ],
)
def test_asy300_positive(body):
    lines = found(body, "ASY300")
    assert [code for code, _ in lines] == ["ASY300"]


@pytest.mark.parametrize(
    "body",
    [
        "async def f(a):\n    await asyncio.gather(a())\n",
        "async def f(a, b):\n    await asyncio.gather(a(), b(), return_exceptions=True)\n",
        "async def f(a, b, flag):\n    await asyncio.gather(a(), b(), return_exceptions=flag)\n",
        "async def f(a, b, **kw):\n    await asyncio.gather(a(), b(), **kw)\n",
        "async def f(a, b):\n    try:\n        await asyncio.gather(a(), b())\n    except Exception:\n        pass\n",
        "async def f(a, b):\n    try:\n        await asyncio.gather(a(), b())\n    except (ValueError, OSError):\n        pass\n",
        "async def f(a, b):\n    future = asyncio.gather(a(), b())\n    return future\n",
        "def f(a, b):\n    return asyncio.gather(a(), b())\n",
        "async def f(a, b):\n    async with asyncio.TaskGroup() as tg:\n        tg.create_task(a())\n",
        "async def f(results):\n    await results.gather(1, 2)\n",
    ],
)
def test_asy300_look_alikes(body):
    assert found(body, "ASY300") == []


SAFE_HELPER = (
    "async def safe(job):\n    try:\n        await job()\n    except Exception:\n        log.exception('failed')\n\n\n"
)


@pytest.mark.parametrize(
    "body",
    [
        # A gather of long-running connection handlers in a server loop: one failure leaves the
        # others running unsupervised and the loop dies.
        "async def serve(listener):\n    while True:\n        conns = await listener.accept_batch()\n        await asyncio.gather(*(handle(c) for c in conns))\n",
        # A helper that logs and then re-raises does not handle its failure.
        "async def relay(job):\n    try:\n        await job()\n    except Exception:\n        log.exception('failed')\n        raise\n\n\nasync def run(jobs):\n    await asyncio.gather(*(relay(j) for j in jobs))\n",
        # A helper that only catches one narrow error.
        "async def narrow(job):\n    try:\n        await job()\n    except ValueError:\n        pass\n\n\nasync def run(jobs):\n    await asyncio.gather(*(narrow(j) for j in jobs))\n",
    ],
)
def test_asy300_positive_shapes(body):
    assert [code for code, _ in found(body, "ASY300")] == ["ASY300"]


@pytest.mark.parametrize(
    "body",
    [
        # Children that can only be cancelled, or that catch and log their own failures.
        "async def drain(workers):\n    await asyncio.gather(*(w.done.wait() for w in workers))\n",
        SAFE_HELPER + "async def run(jobs):\n    await asyncio.gather(*(safe(j) for j in jobs))\n",
        SAFE_HELPER + "async def run(a, b):\n    await asyncio.gather(safe(a), safe(b))\n",
        "class Worker:\n    async def plugin_remove(self, name):\n        try:\n            await self.plugins[name].teardown()\n        except Exception as e:\n            return str(e)\n\n    async def remove_all(self):\n        await asyncio.gather(*(self.plugin_remove(n) for n in self.plugins))\n",
        # Start-up and shutdown fan-outs.
        "async def close(conns):\n    await asyncio.gather(*(c.close() for c in conns))\n",
        "async def async_setup_entry(hass, entry):\n    await asyncio.gather(a.refresh(), b.refresh())\n",
        "class C:\n    async def __aexit__(self, *exc):\n        await asyncio.gather(self.a.stop(), self.b.stop())\n",
        "async def _stop_workers(ws):\n    await asyncio.gather(*ws)\n",
        # Cancel-and-drain.
        "async def f(tasks):\n    for t in tasks:\n        t.cancel()\n    await asyncio.gather(*tasks)\n",
    ],
)
def test_asy300_look_alikes_from_real_code(body):
    assert found(body, "ASY300") == []


def test_asy300_message_depends_on_target_version():
    source = PRELUDE + "async def f(a, b):\n    await gather(a(), b())\n"
    [old] = lint_snippet(source, select="ASY300", target_version="py39")
    [new] = lint_snippet(source, select="ASY300", target_version="py311")
    assert "return_exceptions=True" in old.message and "TaskGroup" not in old.message
    assert "asyncio.TaskGroup" in new.message
    assert "the others keep running" in new.message


# -- ASY301 --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body, line",
    [
        ("async def f(a, b):\n    await asyncio.gather(a(), b(), return_exceptions=True)\n", 2),
        ("async def f(a, b):\n    results = await gather(a(), b(), return_exceptions=True)\n    print('ok')\n", 2),
        (
            "async def f(a, b):\n    x, y = await gather(a(), b(), return_exceptions=True)\n    return isinstance(x, Exception)\n",
            2,
        ),
        (
            "async def f(a, b):\n    results = await gather(a(), b(), return_exceptions=True)\n    for r in results:\n        if r:\n            count += 1\n",
            2,
        ),
    ],
)
def test_asy301_positive(body, line):
    assert found(body, "ASY301") == [("ASY301", line)]


@pytest.mark.parametrize(
    "body",
    [
        "async def f(a, b):\n    rs = await gather(a(), b(), return_exceptions=True)\n    for r in rs:\n        if isinstance(r, Exception):\n            raise r\n",
        "async def f(a, b):\n    rs = await gather(a(), b(), return_exceptions=True)\n    return [r for r in rs if not isinstance(r, BaseException)]\n",
        "async def f(a, b):\n    rs = await gather(a(), b(), return_exceptions=True)\n    log_failures(rs)\n",
        "async def f(a, b):\n    return await gather(a(), b(), return_exceptions=True)\n",
        "async def f(self, a, b):\n    self.results = await gather(a(), b(), return_exceptions=True)\n",
        "async def f(a, b):\n    x, y = await gather(a(), b(), return_exceptions=True)\n    check(x)\n    check(y)\n",
        "async def f(a, b):\n    await gather(a(), b())\n",
    ],
)
def test_asy301_look_alikes(body):
    assert found(body, "ASY301") == []


@pytest.mark.parametrize(
    "body",
    [
        # Results checked without isinstance: `is not None`, or each handed to a checking helper.
        "async def f(a, b):\n    results = await gather(a(), b(), return_exceptions=True)\n    for result in results:\n        if result is not None:\n            log.warning('failed: %s', result)\n",
        "async def f(self, subs):\n    results = await gather(*subs, return_exceptions=True)\n    for result in results:\n        self.log_result(result)\n",
        # Cancel-and-drain, in its forms.
        "async def f(tasks):\n    for t in tasks:\n        t.cancel()\n    await gather(*tasks, return_exceptions=True)\n",
        "async def f(tasks):\n    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)\n    for t in pending:\n        t.cancel()\n    await gather(*pending, return_exceptions=True)\n    return done.pop().result()\n",
        "async def f(a, b, tasks):\n    try:\n        await a()\n    finally:\n        await gather(*tasks, return_exceptions=True)\n",
        "async def f(a, tasks):\n    try:\n        await a()\n    except BaseException:\n        await gather(*tasks, return_exceptions=True)\n        raise\n",
        # Best-effort close fan-outs.
        "async def aclose(conns):\n    await gather(*(c.close() for c in conns), return_exceptions=True)\n",
        # Children that report their own failures.
        SAFE_HELPER + "async def run(jobs):\n    await gather(*(safe(j) for j in jobs), return_exceptions=True)\n",
    ],
)
def test_asy301_look_alikes_from_real_code(body):
    assert found(body, "ASY301") == []


# -- ASY302 / ASY304 --------------------------------------------------------------------------------
def loop_with(handler: str) -> str:
    """A worker loop (the real bug shape): the clause is line 5."""
    return (
        f"async def worker(queue):\n    while True:\n        try:\n            await queue.get()\n        {handler}\n"
    )


@pytest.mark.parametrize(
    "handler",
    [
        "except asyncio.CancelledError:\n            log()",
        "except CancelledError:\n            pass",
        "except asyncio.exceptions.CancelledError:\n            pass",
        "except concurrent.futures.CancelledError:\n            pass",
        "except BaseException:\n            log()",
        "except:\n            log()",
        "except (ValueError, asyncio.CancelledError):\n            log()",
        "except asyncio.CancelledError:\n            continue",
        # Re-raising only other types decides nothing about cancellation.
        "except BaseException as e:\n            if isinstance(e, KeyboardInterrupt):\n                raise\n            log(e)",
    ],
)
def test_asy302_worker_loop_that_logs_and_keeps_consuming(handler):
    assert found(loop_with(handler), "ASY302") == [("ASY302", 5)]
    assert found(loop_with(handler), "ASY304") == []


def test_asy302_break_into_more_looping_work():
    body = (
        "async def pump(stream, queue):\n    while True:\n        try:\n            await stream.read()\n"
        "        except asyncio.CancelledError:\n            break\n    while True:\n        await queue.get()\n"
    )
    assert found(body, "ASY302") == [("ASY302", 5)]


def test_asy302_suppress_is_the_same_as_except_pass():
    body = (
        "import contextlib\nasync def worker(queue):\n    while True:\n"
        "        with contextlib.suppress(asyncio.CancelledError):\n            await queue.get()\n"
    )
    [diagnostic] = lint_snippet(PRELUDE + body, select="ASY302")
    assert diagnostic.fix is None and "suppress(asyncio.CancelledError)" in diagnostic.message


@pytest.mark.parametrize(
    "body",
    [
        # Re-raises on every path, directly or through a helper that never returns.
        loop_with("except asyncio.CancelledError:\n            log()\n            raise"),
        loop_with("except BaseException as e:\n            raise RuntimeError() from e"),
        loop_with(
            "except asyncio.CancelledError:\n            if x:\n                raise\n            else:\n                raise"
        ),
        "from typing import NoReturn\ndef fail(e) -> NoReturn:\n    raise e\n"
        + loop_with("except BaseException as e:\n            fail(e)"),
        "def fail(e):\n    if e:\n        raise e\n    raise RuntimeError\n"
        + loop_with("except BaseException as e:\n            fail(e)"),
        "class Base:\n    def _convert(self, e) -> 'NoReturn':\n        raise e\nclass Stream(Base):\n    async def recv(self, sock):\n        while True:\n            try:\n                await sock.recv()\n            except BaseException as exc:\n                self._convert(exc)\n",
        # The handler decides: cancelling() / uncancel(), a shutdown flag, an isinstance test.
        loop_with(
            "except asyncio.CancelledError:\n            if asyncio.current_task().cancelling():\n                raise\n            log()"
        ),
        loop_with("except asyncio.CancelledError:\n            asyncio.current_task().uncancel()"),
        loop_with(
            "except asyncio.CancelledError:\n            if self.closing:\n                return\n            log('stray cancel, retrying')"
        ),
        loop_with(
            "except (Exception, asyncio.CancelledError) as exc:\n            if isinstance(exc, asyncio.CancelledError):\n                raise\n            log(exc)"
        ),
        # A flag or the stored error is raised later.
        "async def f(jobs):\n    errors = []\n    for job in jobs:\n        try:\n            await job()\n        except (Exception, asyncio.CancelledError) as exc:\n            errors.append(exc)\n    if errors:\n        raise errors[0]\n",
        "async def f(jobs):\n    for job in jobs:\n        try:\n            await job()\n        except asyncio.CancelledError as exc:\n            pending = exc\n    raise pending\n",
        # An earlier clause re-raises CancelledError; the catch-all never sees it.
        loop_with(
            "except asyncio.CancelledError:\n            raise\n        except BaseException:\n            log()"
        ),
        # Best-effort close inside an outer clause that re-raises.
        "async def f(ws):\n    while True:\n        try:\n            await ws.recv()\n        except BaseException:\n            try:\n                await ws.close()\n            except BaseException:\n                pass\n            raise\n",
        # Cancel-then-await: the CancelledError is the child's own.
        "async def stop(task):\n    task.cancel()\n    try:\n        await task\n    except asyncio.CancelledError:\n        pass\n    await cleanup()\n",
        "async def stop(tasks):\n    for t in tasks:\n        t.cancel()\n    while tasks:\n        try:\n            await asyncio.gather(*tasks)\n        except asyncio.CancelledError:\n            pass\n        await again()\n",
        "class C:\n    def stop(self):\n        self._task.cancel()\n    async def wait(self):\n        while True:\n            try:\n                async with asyncio.timeout(1):\n                    await self._task\n            except asyncio.CancelledError:\n                pass\n",
        "import contextlib\nasync def stop(self):\n    while True:\n        with contextlib.suppress(asyncio.CancelledError):\n            await asyncio.wait_for(asyncio.shield(self._task), 1)\n",
        # Exception does not catch CancelledError; nothing awaited; sync code.
        loop_with("except Exception:\n            pass"),
        "async def f(job):\n    while True:\n        try:\n            job()\n        except asyncio.CancelledError:\n            pass\n",
        "def f(job):\n    while True:\n        try:\n            job()\n        except:\n            pass\n",
        # A flag that ends the `while` (`aborted = True` in `while not aborted`).
        "async def f(q):\n    aborted = False\n    while not aborted:\n        try:\n            await q.get()\n        except asyncio.CancelledError:\n            aborted = True\n    report()\n",
    ],
)
def test_asy302_look_alikes(body):
    assert found(body, "ASY302") == []


@pytest.mark.parametrize(
    "body",
    [
        # The top-level body of a background task: it ends right after (ASY304's business).
        "async def run(q):\n    try:\n        while True:\n            await q.get()\n    except asyncio.CancelledError:\n        pass\n",
        "async def run(q):\n    while True:\n        try:\n            await q.get()\n        except asyncio.CancelledError:\n            log()\n            return\n",
        "async def run(q):\n    while True:\n        try:\n            await q.get()\n        except asyncio.CancelledError:\n            break\n    q.close()\n",
        # A final flush before the end is not "keeping going".
        "async def run(q, out):\n    try:\n        while True:\n            await q.get()\n    except asyncio.CancelledError:\n        pass\n    await out.flush()\n",
    ],
)
def test_asy304_coroutine_that_ends_after_swallowing(body):
    assert found(body, "ASY302") == []
    [(code, _)] = found(body, "ASY304")
    [diagnostic] = lint_snippet(PRELUDE + body, select="ASY304")
    assert "normal return" in diagnostic.message and "keeps running" not in diagnostic.message


def test_asy304_not_when_cancellation_becomes_another_error():
    body = (
        "from contextlib import suppress\nasync def get_image(camera):\n"
        "    with suppress(asyncio.CancelledError, TimeoutError):\n        async with asyncio.timeout(10):\n"
        "            return await camera.image()\n    raise RuntimeError('no image')\n"
    )
    assert found(body, "ASY302,ASY304") == []
    clause = "async def get(camera):\n    try:\n        return await camera.image()\n    except asyncio.CancelledError:\n        log()\n    raise RuntimeError('no image')\n"
    assert found(clause, "ASY302,ASY304") == []


def test_asy304_catch_all_that_ends_the_coroutine_is_not_reported():
    # uvicorn's run_asgi: a top-level catch-all that logs whatever killed the task.
    body = "async def run(app):\n    try:\n        await app()\n    except BaseException as exc:\n        log(exc)\n"
    assert found(body, "ASY302,ASY304") == []


def test_asy304_is_off_by_default():
    body = (
        PRELUDE
        + "async def run(q):\n    try:\n        await q.get()\n    except asyncio.CancelledError:\n        pass\n"
    )
    assert codes_and_lines(body) == []


def test_asy302_allowed_shutdown_functions():
    source = PRELUDE + loop_with("except asyncio.CancelledError:\n            pass").replace("worker", "main")
    assert codes_and_lines(source, select="ASY302", allow_swallowed_cancellation_in=("main",)) == []
    assert codes_and_lines(source, select="ASY302", allow_swallowed_cancellation_in=("snippet.main",)) == []
    assert codes_and_lines(source, select="ASY302", allow_swallowed_cancellation_in=("other",)) != []


def test_asy302_messages_say_what_to_do_for_each_kind():
    explicit, catch_all = (
        lint_snippet(PRELUDE + loop_with(handler), select="ASY302")[0].message
        for handler in ("except asyncio.CancelledError:\n            log()", "except BaseException:\n            log()")
    )
    assert "re-raise at the end of the handler" in explicit
    assert "add `except asyncio.CancelledError: raise` before it" in catch_all


def test_asy302_fix_appends_raise_to_an_explicit_clause_and_is_idempotent():
    source = (
        "import asyncio\n\n\n"
        "async def consume(queue):\n"
        "    while True:\n"
        "        try:\n"
        "            await queue.get()\n"
        "        except asyncio.CancelledError:  # shutting down\n"
        "            print('bye')\n"
    )
    fixed = fix_snippet(source, select="ASY302", unsafe=True)
    assert fixed == source + "            raise\n"
    assert fix_snippet(fixed, select="ASY302", unsafe=True) == fixed
    assert fix_snippet(source, select="ASY302", unsafe=False) == source


def test_asy302_fix_puts_a_reraise_clause_before_a_catch_all():
    source = (
        "import asyncio\n\n\n"
        "async def consume(queue):\n"
        "    while True:\n"
        "        try:\n"
        "            await queue.get()\n"
        "        # anything else: log and go on\n"
        "        except BaseException as exc:\n"
        "            print('failed', exc)\n"
    )
    fixed = fix_snippet(source, select="ASY302", unsafe=True)
    assert fixed == (
        "import asyncio\n\n\n"
        "async def consume(queue):\n"
        "    while True:\n"
        "        try:\n"
        "            await queue.get()\n"
        "        # anything else: log and go on\n"
        "        except asyncio.CancelledError:\n"
        "            raise\n"
        "        except BaseException as exc:\n"
        "            print('failed', exc)\n"
    )
    assert fix_snippet(fixed, select="ASY302", unsafe=True) == fixed


def test_asy302_fix_for_a_tuple_reuses_its_spelling_and_a_bare_except_imports_asyncio():
    tuple_source = (
        "from asyncio import CancelledError\n\n\nasync def f(q):\n    while True:\n        try:\n"
        "            await q.get()\n        except (OSError, CancelledError):\n            pass\n"
    )
    assert (
        "        except CancelledError:\n            raise\n        except (OSError, CancelledError):"
        in fix_snippet(tuple_source, select="ASY302", unsafe=True)
    )
    bare = (
        "async def f(q):\n    while True:\n        try:\n            await q.get()\n        except:\n            pass\n"
    )
    fixed = fix_snippet(bare, select="ASY302", unsafe=True)
    assert fixed.startswith("import asyncio\n")
    assert "        except asyncio.CancelledError:\n            raise\n        except:\n" in fixed


def test_asy302_no_fix_when_the_handler_leaves_or_for_except_star():
    leaves = loop_with("except asyncio.CancelledError:\n            continue")
    [diagnostic] = lint_snippet(PRELUDE + leaves, select="ASY302")
    assert diagnostic.fix is None
    star = "async def f(q):\n    while True:\n        try:\n            await q.get()\n        except* BaseException:\n            pass\n"
    [diagnostic] = lint_snippet(PRELUDE + star, select="ASY302")
    assert diagnostic.fix is None


# -- ASY303 --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body, line",
    [
        ("async def f(job):\n    try:\n        await job()\n    finally:\n        return 1\n", 5),
        (
            "async def f(jobs):\n    for j in jobs:\n        try:\n            await j()\n        finally:\n            continue\n",
            6,
        ),
        (
            "async def f(jobs):\n    for j in jobs:\n        try:\n            await j()\n        finally:\n            if j:\n                break\n",
            7,
        ),
    ],
)
def test_asy303_positive(body, line):
    assert found(body, "ASY303") == [("ASY303", line)]


@pytest.mark.parametrize(
    "body",
    [
        "def f(job):\n    try:\n        job()\n    finally:\n        return 1\n",
        "async def f(job):\n    try:\n        return await job()\n    finally:\n        cleanup()\n",
        "async def f(jobs):\n    try:\n        await jobs()\n    finally:\n        for x in jobs:\n            break\n",
        "async def f(job):\n    try:\n        await job()\n    finally:\n        def later():\n            return 1\n",
        "async def f(job):\n    try:\n        await job()\n    except Exception:\n        return 1\n",
    ],
)
def test_asy303_look_alikes(body):
    assert found(body, "ASY303") == []


CAUGHT_EVERYTHING = (
    "async def close(ws):\n    try:\n        await ws.close()\n    except asyncio.CancelledError:\n        pass\n"
    "    except BaseException:\n        log()\n    finally:\n        if not ws.transport:\n            return\n"
)


def test_asy303_no_cancellation_claim_when_the_clauses_catch_everything():
    # sanic's auto_close_connection: nothing can be in flight when the `finally` runs.
    assert found(CAUGHT_EVERYTHING, "ASY303") == []
    # A clause that re-raises, or awaits, lets a CancelledError reach the `finally`.
    reraising = CAUGHT_EVERYTHING.replace("        pass\n", "        raise\n", 1)
    assert found(reraising, "ASY303") == [("ASY303", 10)]
    awaiting = CAUGHT_EVERYTHING.replace("        log()\n", "        await ws.abort()\n")
    assert found(awaiting, "ASY303") == [("ASY303", 10)]


def test_asy303_pep_765_on_targets_where_python_3_14_warns():
    sync = "def f(job):\n    try:\n        job()\n    finally:\n        return 1\n"
    assert codes_and_lines(PRELUDE + sync, select="ASY303", target_version="py313") == []
    [diagnostic] = lint_snippet(PRELUDE + sync, select="ASY303", target_version="py314")
    assert "PEP 765" in diagnostic.message and "CancelledError" not in diagnostic.message
    [diagnostic] = lint_snippet(PRELUDE + CAUGHT_EVERYTHING, select="ASY303", target_version="py314")
    assert "PEP 765" in diagnostic.message and "CancelledError" not in diagnostic.message
    in_flight = "async def f(job):\n    try:\n        await job()\n    finally:\n        return 1\n"
    [diagnostic] = lint_snippet(PRELUDE + in_flight, select="ASY303", target_version="py314")
    assert "CancelledError" in diagnostic.message


CONNECT = (
    "class Device:\n"
    "    async def connect_once(self):\n"
    "        try:\n"
    "            await self._connect()\n"
    "        except asyncio.CancelledError:\n"
    "            pass\n"
    "\n"
    "    async def connect_loop(self):\n"
    "        while self.atv is None:\n"
    "            await self.connect_once()\n"
    "            await asyncio.sleep(self.backoff)\n"
)


def test_asy302_coroutine_that_returns_into_a_looping_caller():
    # Home Assistant's apple_tv shape: the loop task's cancel() lands in connect_once(), which
    # swallows it and returns; the loop sleeps and tries again.
    [diagnostic] = lint_snippet(PRELUDE + CONNECT, select="ASY302,ASY304")
    assert diagnostic.code == "ASY302" and diagnostic.line == PRELUDE.count("\n") + 5
    assert "`connect_loop()` awaits it in a loop" in diagnostic.message
    assert diagnostic.fix is not None
    # Awaited once, not in a loop: the ordinary ASY304 case.
    once = CONNECT.replace(
        "        while self.atv is None:\n            await self.connect_once()\n            await",
        "        await self.connect_once()\n        await",
    )
    assert [d.code for d in lint_snippet(PRELUDE + once, select="ASY302,ASY304")] == ["ASY304"]


def test_asy302_coroutine_that_returns_under_a_callers_timeout():
    # A client's sync_forever() awaited under asyncio.timeout / wait_for never times out.
    body = (
        "async def sync_forever(client):\n"
        "    try:\n"
        "        await client.sync()\n"
        "    except asyncio.CancelledError:\n"
        "        log('sync stopped')\n"
        "\n"
        "async def main(client):\n"
        "    async with asyncio.timeout(30):\n"
        "        await sync_forever(client)\n"
    )
    [diagnostic] = lint_snippet(PRELUDE + body, select="ASY302,ASY304")
    assert diagnostic.code == "ASY302" and "`main()` awaits it under a timeout" in diagnostic.message
    waited = body.replace(
        "    async with asyncio.timeout(30):\n        await sync_forever(client)\n",
        "    await asyncio.wait_for(sync_forever(client), 30)\n",
    )
    [diagnostic] = lint_snippet(PRELUDE + waited, select="ASY302,ASY304")
    assert diagnostic.code == "ASY302" and "TimeoutError" in diagnostic.message
    plain = body.replace(
        "    async with asyncio.timeout(30):\n        await sync_forever(client)\n", "    await sync_forever(client)\n"
    )
    assert [d.code for d in lint_snippet(PRELUDE + plain, select="ASY302,ASY304")] == ["ASY304"]
