"""Every code asynclint owns, derived from the rule classes: their name, default state and fix kind.

Rule metadata lives once, as class attributes on each rule (`asynclint/checks/base.py` `Rule`);
this module collects those classes. `--list-rules`, the README rule index (checked by a test),
config validation, SARIF and the flake8 plugin all read `RULES`. Messages live beside the check
that emits them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from asynclint.checks import all_rule_classes
from asynclint.checks.base import Rule

_CODE = re.compile(r"ASY\d{3}")
_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_INHERITABLE = ("fix", "default_enabled")


def _checked(rules: list[type[Rule]]) -> tuple[type[Rule], ...]:
    """The rule classes in code order, refusing metadata that is missing, malformed or inherited
    from another rule (a subclass of a rule states its own fix kind and default)."""
    names: dict[str, str] = {}
    for rule in rules:
        where = f"{rule.__module__}.{rule.__qualname__} ({rule.code})"
        if not _CODE.fullmatch(rule.code):
            raise RuntimeError(f"{where}: code must look like ASY123")
        for attribute in ("name", "summary"):
            if attribute not in vars(rule) or not getattr(rule, attribute):
                raise RuntimeError(f"{where}: set `{attribute}` on the class")
        if not _NAME.fullmatch(rule.name):
            raise RuntimeError(f"{where}: name {rule.name!r} must be kebab-case")
        if rule.name in names:
            raise RuntimeError(f"{where}: name {rule.name!r} is taken by {names[rule.name]}")
        names[rule.name] = rule.code
        if rule.fix not in (None, "safe", "unsafe"):
            raise RuntimeError(f"{where}: fix must be None, 'safe' or 'unsafe'")
        for attribute in _INHERITABLE:
            if attribute not in vars(rule) and getattr(rule, attribute) != getattr(Rule, attribute):
                raise RuntimeError(f"{where}: inherits `{attribute}` from another rule; state it on the class")
    return tuple(sorted(rules, key=lambda rule: rule.code))


RULES: tuple[type[Rule], ...] = _checked(list(all_rule_classes().values()))

RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in RULES}

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
