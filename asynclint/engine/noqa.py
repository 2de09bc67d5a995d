"""`# noqa` and `# noqa: ASY100, ASY201` comments, read the way flake8 reads them."""

from __future__ import annotations

import re
from typing import Optional

# flake8's pattern: `# noqa`, `# NOQA`, `# noqa:CODE`, `# noqa: CODE1,CODE2`, `# noqa: CODE1 CODE2`.
_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"[,\s]+")


def noqa_codes(line: str) -> Optional[frozenset[str]]:
    """None when the line has no noqa; an empty set for a bare `# noqa` (everything)."""
    if "#" not in line:
        return None
    found = _NOQA.search(line)
    if found is None:
        return None
    codes = found.group("codes")
    if not codes:
        return frozenset()
    return frozenset(code.upper() for code in _SEPARATOR.split(codes.strip()) if code)


def is_suppressed(line: str, code: str) -> bool:
    codes = noqa_codes(line)
    if codes is None:
        return False
    return not codes or any(code.startswith(listed) for listed in codes)
