"""`# noqa` comments: per line (`# noqa`, `# noqa: ASY100, ASY201`, read the way flake8 reads them),
per file (`# asynclint: noqa`, `# flake8: noqa`), the codes of other linters that mean the same
finding (`registry.EQUIVALENT_CODES`), and adding `# noqa` comments (`--add-noqa`, the editor)."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Iterable, Optional

from asynclint.registry import EQUIVALENT_CODES, is_known_selector

_CODES = r"[A-Z]+[0-9]+(?:[, \t]+[A-Z]+[0-9]+)*"
# flake8's pattern: `# noqa`, `# NOQA`, `# noqa:CODE`, `# noqa: CODE1,CODE2`, `# noqa: CODE1 CODE2`.
_NOQA = re.compile(rf"#\s*noqa(?::[\s]?(?P<codes>{_CODES}))?", re.IGNORECASE)
_NOQA_BYTES = re.compile(_NOQA.pattern.encode(), re.IGNORECASE)
# A file-level directive is a line of its own: `# asynclint: noqa`, `# asynclint: noqa: ASY100`,
# and flake8's own (flake8 ignores its directive when it lists codes, with a warning; so does asynclint).
_FILE_NOQA = re.compile(
    rf"^[ \t]*#[ \t]*(?P<tool>asynclint|flake8)[ \t]*[:=][ \t]*noqa(?:[ \t]*:[ \t]*(?P<codes>{_CODES}))?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_SEPARATOR = re.compile(r"[,\s]+")


def _split(codes: str) -> frozenset[str]:
    return frozenset(code.upper() for code in _SEPARATOR.split(codes.strip()) if code)


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
    return _split(codes)


def entry_covers(entry: str, code: str) -> bool:
    """One listed code: a prefix of asynclint's code (as in flake8) or another linter's code for
    the same finding (`# noqa: RUF006` silences ASY201)."""
    return code.startswith(entry) or code in EQUIVALENT_CODES.get(entry, ())


def covers(listed: frozenset[str], code: str) -> bool:
    return not listed or any(entry_covers(entry, code) for entry in listed)


def is_suppressed(line: str, code: str) -> bool:
    codes = noqa_codes(line)
    return codes is not None and covers(codes, code)


def file_noqa(text: str, flake8: bool = True) -> Optional[frozenset[str]]:
    """The file-level directive: None when there is none, an empty set when everything is
    suppressed, else the codes `# asynclint: noqa: CODES` lists. `flake8=False` leaves
    `# flake8: noqa` to flake8 (the plugin, where flake8 applies it and `--disable-noqa`)."""
    listed: set[str] = set()
    found_any = False
    for match in _FILE_NOQA.finditer(text):
        tool = match.group("tool").lower()
        codes = match.group("codes")
        if tool == "flake8" and (codes or not flake8):
            continue
        if not codes:
            return frozenset()
        found_any = True
        listed.update(_split(codes))
    return frozenset(listed) if found_any else None


def is_asynclint_code(entry: str) -> bool:
    """Codes asynclint owns: `ASY…`, but not flake8-async's `ASYNC…`."""
    return entry.startswith("ASY") and not entry.startswith("ASYNC")


def unknown_codes(listed: Iterable[str]) -> list[str]:
    """asynclint codes in a `# noqa` that name no rule (`ASY999`): a typo silences nothing."""
    return sorted(entry for entry in listed if is_asynclint_code(entry) and not is_known_selector(entry))


@dataclass
class NoqaComment:
    line: int
    column: int  # 1-based, of the `#`
    end_column: int
    codes: frozenset[str]  # empty: a bare noqa


def noqa_comments(lines: list[str]) -> list[NoqaComment]:
    """Every `# noqa` comment of a file, by line (1-based)."""
    found = []
    for number, line in enumerate(lines, 1):
        if "#" not in line:
            continue
        match = _NOQA.search(line)
        if match is not None:
            codes = match.group("codes")
            found.append(
                NoqaComment(number, match.start() + 1, match.end() + 1, _split(codes) if codes else frozenset())
            )
    return found


# -- adding noqa comments -----------------------------------------------------------------------
@dataclass
class AddedNoqa:
    data: bytes
    applied: int = 0  # lines that got (or extended) a comment
    skipped: list[int] = field(default_factory=list)  # lines that cannot carry a comment


def _commentable_lines(data: bytes) -> Optional[set[int]]:
    """Lines whose end can carry a comment: not inside a string spanning lines, not continued
    with a backslash. None when the source does not tokenize."""
    lines: set[int] = set()
    try:
        for token in tokenize.tokenize(io.BytesIO(data).readline):
            if token.type in (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT):
                lines.add(token.start[0])
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    return lines


def add_noqa(data: bytes, wanted: dict[int, set[str]]) -> AddedNoqa:
    """Add `# noqa: CODES` to the given lines (1-based), extending a `# noqa: X` already there and
    leaving the rest of each line, its comments and its line ending as they are."""
    lines = data.splitlines(keepends=True)
    commentable = _commentable_lines(data)
    outcome = AddedNoqa(data)
    changed = False
    for number, codes in sorted(wanted.items()):
        if not codes:
            continue
        if commentable is None or number not in commentable or not 1 <= number <= len(lines):
            outcome.skipped.append(number)
            continue
        raw = lines[number - 1]
        body = raw.rstrip(b"\r\n")
        ending = raw[len(body):]
        existing = _NOQA_BYTES.search(body)
        if existing is not None:
            listed = existing.group("codes")
            if not listed:
                continue  # a bare noqa already silences everything on the line
            merged = sorted(_split(listed.decode("ascii")) | set(codes))
            body = body[: existing.start()] + b"# noqa: " + ", ".join(merged).encode() + body[existing.end():]
        else:
            body = body.rstrip() + b"  # noqa: " + ", ".join(sorted(codes)).encode()
        lines[number - 1] = body + ending
        outcome.applied += 1
        changed = True
    if changed:
        outcome.data = b"".join(lines)
    return outcome
