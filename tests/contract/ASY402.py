# ASY402 http2-context-without-alpn: an SSL context without ALPN handed to an HTTP/2 client.

# case: raw h2 over asyncio streams with a default context
import asyncio
import ssl

import h2.connection


async def open_h2(host):
    context = ssl.create_default_context()
    reader, writer = await asyncio.open_connection(host, 443, ssl=context, server_hostname=host)  # error: ASY402 @28
    connection = h2.connection.H2Connection()
    connection.initiate_connection()
    writer.write(connection.data_to_send())
    return reader, writer, connection

# look-alike: ALPN set before connecting
import asyncio
import ssl

import h2.connection


async def open_h2(host):
    context = ssl.create_default_context()
    context.set_alpn_protocols(["h2"])
    reader, writer = await asyncio.open_connection(host, 443, ssl=context, server_hostname=host)
    connection = h2.connection.H2Connection()
    connection.initiate_connection()
    writer.write(connection.data_to_send())
    return reader, writer, connection

# look-alike: a TLS connection that does not speak HTTP/2
import asyncio
import ssl


async def open_smtp(host):
    context = ssl.create_default_context()
    return await asyncio.open_connection(host, 465, ssl=context, server_hostname=host)
