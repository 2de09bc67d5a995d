# ASY107 blocking-input: reading the terminal in a coroutine.

# case: input() for a confirmation
async def confirm(question):
    answer = input(f"{question} [y/N] ")  # error: ASY107 @14
    return answer.lower() == "y"

# case: getpass for a password
import getpass


async def login(client, user):
    password = getpass.getpass()  # error: ASY107 @16
    return await client.login(user, password)

# look-alike: input() handed to a thread
import asyncio


async def confirm(question):
    answer = await asyncio.to_thread(input, f"{question} [y/N] ")
    return answer.lower() == "y"

# look-alike: a method named input on a form
async def submit(form):
    value = form.input("email")
    return await form.post(value)
