# ASY113 library-blocking-call (opt-in): an installed library function that blocks inside.

# case: dnspython's sync resolver
import dns.resolver


async def mail_exchangers(domain):
    answer = dns.resolver.resolve(domain, "MX")  # error: ASY113 @14
    return [record.exchange for record in answer]

# look-alike: dnspython's async resolver awaited
import dns.asyncresolver


async def mail_exchangers(domain):
    answer = await dns.asyncresolver.resolve(domain, "MX")
    return [record.exchange for record in answer]

# look-alike: a pure helper from the same library
import dns.name


async def parent_zone(domain):
    return dns.name.from_text(domain).parent().to_text()
