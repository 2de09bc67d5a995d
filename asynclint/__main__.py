"""The `asynclint` command (and `python -m asynclint`): Ctrl-C exits 130 with one line, even while
the command is still importing its modules."""

from __future__ import annotations

import signal
import sys


def interrupted(written: tuple[str, ...] = (), fixing: bool = False) -> None:
    """Ctrl-C: one line on stderr, exit status 130 (128 + SIGINT), as shells report it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C does not turn this into a traceback
    line = "asynclint: interrupted"
    if fixing:
        if written:
            count = len(written)
            line += f"; --fix had already rewritten {count} file{'s' * (count != 1)}: {', '.join(written)}"
        else:
            line += "; --fix had rewritten no file"
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
    raise SystemExit(130)


def main() -> None:
    try:
        from asynclint.cli import main as command
    except KeyboardInterrupt:
        interrupted()
    command()


if __name__ == "__main__":
    main()
