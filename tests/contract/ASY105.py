# ASY105 blocking-database: a synchronous database driver in a coroutine.

# case: psycopg2 connect in a handler
import psycopg2


async def orders(dsn, user_id):
    connection = psycopg2.connect(dsn)  # error: ASY105 @18
    return connection

# case: sqlite3 connect under an alias
import sqlite3 as db


async def count(path):
    return db.connect(path)  # error: ASY105 @12

# look-alike: the async driver awaited
import asyncpg


async def orders(dsn, user_id):
    connection = await asyncpg.connect(dsn)
    try:
        return await connection.fetch("select * from orders where user_id = $1", user_id)
    finally:
        await connection.close()

# look-alike: the sync driver in a function run in a thread
import asyncio
import sqlite3


def count_rows(path):
    with sqlite3.connect(path) as connection:
        return connection.execute("select count(*) from t").fetchone()[0]


async def count(path):
    return await asyncio.to_thread(count_rows, path)
