# ASY001 syntax-error: a file that cannot be parsed is reported and the run goes on.

# case: an unclosed call
async def handler(request):
    payload = await request.json(  # error: ASY001 @33 "was never closed"
    return payload

# case: a stray indent
def total(items):
    count = 0
        count += len(items)  # error: ASY001 @8
    return count

# look-alike: parenthesised continuation lines that do parse
async def handler(request):
    payload = await request.json(
    )
    return (
        payload
    )
