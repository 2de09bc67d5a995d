"""Reading a file's bytes into something the parser can take, with a clear reason when it cannot."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from typing import Optional

# Generated files beyond this size are skipped with a message instead of exhausting memory:
# libcst trees take roughly 320 bytes of memory per source byte (a 2.9 MB generated module of the
# benchmark corpus peaked at 940 MB), and the peak-memory budget is 500 MB.
MAX_FILE_BYTES = 1536 * 1024
LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass
class SourceText:
    data: bytes
    text: str
    encoding: str

    @property
    def lines(self) -> list[str]:
        return LINE_BREAK.split(self.text)


class UnreadableSource(Exception):
    """The file is not Python source we can read: binary or undecodable."""


class TooLarge(Exception):
    """A file over the analysis limit: valid Python, maybe, but not analysed (not a syntax error)."""


def check_size(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise TooLarge(
            f"skipped: {len(data) / 2**20:.1f} MiB, over the {MAX_FILE_BYTES / 2**20:.1f} MiB limit for analysis "
            "(generated code is best excluded)"
        )


def decode(data: bytes) -> SourceText:
    check_size(data)
    nul = data.find(b"\0")
    if nul != -1:
        raise UnreadableSource(f"binary file (NUL byte at offset {nul}); skipped")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        if b"coding" in data[:400]:
            raise UnreadableSource(f"bad encoding declaration: {error.msg}") from None
        encoding = "utf-8"  # no declaration: the bytes are simply not UTF-8, say where
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        reason = error.reason if isinstance(error, UnicodeDecodeError) else str(error)
        where = f" at byte {error.start}" if isinstance(error, UnicodeDecodeError) else ""
        raise UnreadableSource(f"cannot decode as {encoding}{where}: {reason}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return SourceText(data, text, encoding)


def first_line(data: bytes) -> Optional[bytes]:
    end = data.find(b"\n")
    return data if end == -1 else data[:end]
