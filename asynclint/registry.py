"""The rule catalog: every code asynclint owns, its name, default state and fix kind.

This table is the one place rule metadata lives. `--list-rules`, the README rule index (checked by
a test), config validation and the flake8 plugin all read it. Messages live beside the check that
emits them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    summary: str
    fix: Optional[str] = None  # None, "safe" or "unsafe"
    default_enabled: bool = True


RULES: tuple[RuleInfo, ...] = (
    RuleInfo("ASY001", "syntax-error", "file cannot be parsed; the run goes on"),
    RuleInfo("ASY002", "unused-noqa", "`# noqa` code that is unknown or silences nothing", None, default_enabled=False),
    RuleInfo("ASY100", "blocking-sleep", "`time.sleep` in async context", "safe"),
    RuleInfo("ASY101", "blocking-http", "synchronous HTTP client call in async context", "unsafe"),
    RuleInfo("ASY102", "blocking-subprocess", "blocking subprocess/os process call in async context", "unsafe"),
    RuleInfo("ASY103", "blocking-file-io", "blocking file I/O in async context", "unsafe", default_enabled=False),
    RuleInfo("ASY104", "blocking-network-io", "blocking socket, DNS or sync network client in async context", "unsafe"),
    RuleInfo("ASY105", "blocking-database", "synchronous database driver call in async context", "unsafe"),
    RuleInfo(
        "ASY106", "blocking-wait", "waiting on a thread, future, lock or queue in async context", default_enabled=False
    ),
    RuleInfo("ASY107", "blocking-input", "reading from the terminal in async context", "unsafe"),
    RuleInfo("ASY108", "nested-event-loop", "starting an event loop from inside a coroutine"),
    RuleInfo("ASY109", "get-event-loop-in-coroutine", "`asyncio.get_event_loop()` in async context", "safe"),
    RuleInfo(
        "ASY110",
        "transitive-blocking-call",
        "a project function that blocks, called from async context",
        "unsafe",
        default_enabled=False,
    ),
    RuleInfo("ASY111", "executor-per-call", "thread/process pool created in async context"),
    RuleInfo("ASY112", "coroutine-in-executor", "coroutine function handed to a thread executor"),
    RuleInfo(
        "ASY113",
        "library-blocking-call",
        "an installed library function that blocks inside, called from async context",
        "unsafe",
        default_enabled=False,
    ),
    RuleInfo("ASY200", "coroutine-not-awaited", "coroutine created and never awaited", "unsafe"),
    RuleInfo("ASY201", "dangling-task", "task created and no reference kept", "unsafe"),
    RuleInfo(
        "ASY202", "task-never-awaited-or-cancelled", "task stored but never awaited or cancelled", default_enabled=False
    ),
    RuleInfo(
        "ASY203", "wait-pending-not-cancelled", "pending tasks of `asyncio.wait` left running", default_enabled=False
    ),
    RuleInfo("ASY204", "executor-future-dropped", "`run_in_executor` future dropped", "unsafe"),
    RuleInfo(
        "ASY300",
        "gather-exception-unhandled",
        "`gather` without return_exceptions outside a handler",
        None,
        default_enabled=False,
    ),
    RuleInfo("ASY301", "gather-results-unchecked", "`gather(return_exceptions=True)` results never checked"),
    RuleInfo("ASY302", "cancellation-swallowed", "handler swallows `CancelledError`", "unsafe"),
    RuleInfo("ASY303", "return-in-finally", "`return`/`break`/`continue` in `finally`"),
    RuleInfo(
        "ASY304",
        "cancellation-converted-to-return",
        "coroutine swallows its own cancellation and then ends normally",
        None,
        default_enabled=False,
    ),
    RuleInfo(
        "ASY400",
        "client-session-without-timeout",
        "`aiohttp.ClientSession` without `timeout=`",
        "unsafe",
        default_enabled=False,
    ),
    RuleInfo("ASY401", "timeout-disabled", "timeout explicitly disabled", None, default_enabled=False),
    RuleInfo("ASY402", "http2-context-without-alpn", "SSL context without ALPN given to an HTTP/2 client", "unsafe"),
    RuleInfo("ASY403", "client-session-in-loop", "HTTP client session created inside a loop"),
    RuleInfo("ASY404", "client-session-not-closed", "HTTP client session or connector never closed"),
    RuleInfo("ASY405", "connect-without-timeout", "connection opened with no timeout", "unsafe", default_enabled=False),
    RuleInfo("ASY406", "tls-verification-disabled", "TLS certificate verification disabled", default_enabled=False),
    RuleInfo("ASY407", "unbounded-connection-pool", "connection pool without a size limit"),
    RuleInfo("ASY500", "check-then-act-across-await", "shared state checked, then written after an `await`", None, default_enabled=False),
    RuleInfo("ASY501", "lost-update-across-await", "shared state written back from a value read before an `await`", None, default_enabled=False),
    RuleInfo("ASY502", "context-lost-in-executor", "`run_in_executor` of a function that reads a `ContextVar`", "safe", default_enabled=False),
)

RULES_BY_CODE: dict[str, RuleInfo] = {rule.code: rule for rule in RULES}

# Codes other linters give the same finding. Teams have already marked deliberate cases for those
# tools, so a noqa comment naming RUF006 (or ASYNC300) on a line silences asynclint's ASY201 there too.
EQUIVALENT_CODES: dict[str, tuple[str, ...]] = {
    "RUF006": ("ASY201",),  # ruff: asyncio-dangling-task
    "ASYNC300": ("ASY201",),  # flake8-async: create-task-no-reference
    "ASYNC103": ("ASY302",),  # flake8-async: no-reraise-cancelled
    "ASYNC104": ("ASY302",),  # flake8-async: cancelled-not-raised
    "ASYNC210": ("ASY101",),  # blocking HTTP call
    "ASYNC211": ("ASY101",),  # blocking HTTP call (urllib3 pool)
    "ASYNC212": ("ASY101",),  # blocking HTTP call (httpx)
    "ASYNC220": ("ASY102",),  # create subprocess
    "ASYNC221": ("ASY102",),  # run process
    "ASYNC222": ("ASY102",),  # wait for process
    "ASYNC230": ("ASY103",),  # open file
    "ASYNC231": ("ASY103",),  # io.open / os.fdopen
    "ASYNC232": ("ASY103",),  # blocking call on a file object
    "ASYNC250": ("ASY107",),  # input()
    "ASYNC251": ("ASY100",),  # time.sleep
    "S501": ("ASY406",),  # ruff/bandit: request with no certificate validation
}


def rule_info(code: str) -> RuleInfo:
    return RULES_BY_CODE[code]


def is_known_selector(selector: str) -> bool:
    """A code or code prefix (`ASY`, `ASY1`, `ASY100`) that names at least one rule."""
    return any(code.startswith(selector) for code in RULES_BY_CODE)


def matches(code: str, selectors) -> int:
    """Length of the longest selector that is a prefix of `code` (0 when none matches)."""
    best = 0
    for selector in selectors:
        if code.startswith(selector) and len(selector) > best:
            best = len(selector)
    return best


def enabled_codes(select, ignore, extend_select=()) -> frozenset[str]:
    """Resolve select/ignore/extend-select the way ruff does: the most specific selector wins."""
    if select is None:
        selected = {rule.code for rule in RULES if rule.default_enabled}
        select_list: list[str] = []
    else:
        select_list = list(select)
        selected = set()
    select_list += list(extend_select)
    result = set()
    for rule in RULES:
        chosen = matches(rule.code, select_list)
        if chosen == 0 and rule.code not in selected:
            continue
        # Opt-in rules are enabled only by their exact code, so `--select ASY` keeps them off.
        if not rule.default_enabled and rule.code not in select_list:
            continue
        dropped = matches(rule.code, ignore)
        if dropped and dropped >= chosen:
            continue
        result.add(rule.code)
    return frozenset(result)


def rule_index_markdown() -> str:
    """The README's rule index, generated from this table (a test keeps them identical)."""
    figures = measured()
    lines = [
        "| code | name | what it finds | default | fix | precision on real code |",
        "|---|---|---|---|---|---|",
    ]
    for rule in RULES:
        page = f"[{rule.code}](rules/{rule.code}.md)"
        default = "on" if rule.default_enabled else "opt-in"
        figure = figures.get(rule.code)
        if figure is None:
            precision = "–"
        elif figure.precision is None:
            precision = "no findings" if not figure.findings else f"{figure.findings} findings, none labeled"
        else:
            precision = f"{figure.precision:.2f} ({figure.bug}/{figure.labeled}, {figure.wrong} wrong)"
        lines.append(f"| {page} | {rule.name} | {rule.summary} | {default} | {rule.fix or '–'} | {precision} |")
    return "\n".join(lines) + "\n"


# -- what each rule measured on real code ----------------------------------------------------------
@dataclass(frozen=True)
class Measured:
    """A rule's labeled findings on the pinned corpus of real async projects (bench/ecosystem.py)."""

    findings: int
    labeled: int
    bug: int
    noise: int
    wrong: int

    @property
    def precision(self) -> Optional[float]:
        return self.bug / self.labeled if self.labeled else None

    def sentence(self) -> str:
        """The line every rule page carries (tests/test_rule_pages.py keeps them in step)."""
        if not self.labeled:
            return f"**Measured on real code:** {self.findings} findings on the pinned corpus, none labeled yet."
        return (
            f"**Measured on real code:** precision {self.precision:.2f} ({self.bug} bug, {self.noise} noise, "
            f"{self.wrong} wrong of {self.labeled} labeled findings; {self.findings} findings on the pinned corpus)."
        )


def measured() -> dict[str, Measured]:
    """Per rule, as last written by `python bench/ecosystem.py --table` into `measured.json`."""
    import json
    from importlib.resources import files

    try:
        data = json.loads(files("asynclint").joinpath("measured.json").read_text())
    except (OSError, ValueError):
        return {}
    return {code: Measured(**counts) for code, counts in data.items() if code in RULES_BY_CODE}
