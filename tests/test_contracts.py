"""Every rule's contract (`tests/contract/<CODE>.py`): positives that must report exactly their
`# error:` markers, look-alikes that must report nothing, the fix kind the rule declares, and its
default state.

A contract file is a sequence of cases. `# case: <what it shows>` starts a positive, `# look-alike:
<what it resembles>` a case that must not fire; each runs to the next such line and is linted alone
as its own module with only the contract's rule selected (so opt-in rules are enabled explicitly).
Markers: `# error: ASY100 @5 "fragment of the message"` (see conftest.expected_markers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from conftest import REPO, Expected, expected_markers, lint_snippet, unmatched

from asynclint.engine.diagnostics import Diagnostic
from asynclint.registry import RULES, RULES_BY_CODE

CONTRACTS = REPO / "tests" / "contract"
_START = re.compile(r"^# (case|look-alike): (\S.*)$")


@dataclass(frozen=True)
class Case:
    code: str
    positive: bool
    title: str
    first_line: int  # of the source, in the contract file
    source: str

    @property
    def id(self) -> str:
        return f"{self.code} {'case' if self.positive else 'look-alike'}: {self.title}"

    def markers(self) -> list[Expected]:
        return expected_markers(self.source, self.first_line)

    def lint(self) -> list[Diagnostic]:
        reported = lint_snippet(self.source, select=self.code)
        # Lines and columns as in the contract file, so a failure points at the right line.
        for diagnostic in reported:
            diagnostic.line += self.first_line - 1
        return reported


def cases_of(code: str, text: str | None = None) -> list[Case]:
    """The cases of `tests/contract/<code>.py` (or of `text` written in the same format)."""
    lines = ((CONTRACTS / f"{code}.py").read_text() if text is None else text).splitlines(keepends=True)
    cases: list[Case] = []
    starts = [(number, _START.match(line)) for number, line in enumerate(lines) if _START.match(line)]
    for position, (number, match) in enumerate(starts):
        end = starts[position + 1][0] if position + 1 < len(starts) else len(lines)
        assert match is not None
        source = "".join(lines[number + 1 : end])
        cases.append(Case(code, match.group(1) == "case", match.group(2), number + 2, source))
    return cases


CODES = [rule.code for rule in RULES]
ALL_CASES = [case for code in CODES if (CONTRACTS / f"{code}.py").is_file() for case in cases_of(code)]


def test_every_rule_has_a_contract_with_a_positive_and_a_look_alike():
    problems = []
    for code in CODES:
        if not (CONTRACTS / f"{code}.py").is_file():
            problems.append(f"{code}: tests/contract/{code}.py is missing")
            continue
        kinds = {case.positive for case in cases_of(code)}
        if kinds != {True, False}:
            problems.append(f"{code}: needs at least one `# case:` and one `# look-alike:`")
    for path in CONTRACTS.glob("*.py"):
        if path.stem not in RULES_BY_CODE:
            problems.append(f"tests/contract/{path.name} names no rule")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.id)
def test_contract_case(case: Case):
    markers = case.markers()
    assert all(marker.code == case.code for marker in markers), f"markers in {case.code}'s contract must be {case.code}"
    if case.positive:
        assert markers, "a `# case:` must mark what it reports (`# error: CODE @column`)"
    else:
        assert not markers, "a `# look-alike:` reports nothing, so it carries no marker"
    missing, extra = unmatched(markers, case.lint())
    problems = [f"line {m.line}: {m.code} @{m.column} {m.fragment!r} not reported" for m in missing]
    problems += [f"line {d.line}: unmarked {d.code} @{d.column}: {d.message}" for d in extra]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("code", CODES)
def test_fix_kind_emitted_is_the_declared_one(code: str):
    """Over the rule's positives, every fix offered has the applicability the class declares
    (`fix = "safe"`/`"unsafe"`), at least one is offered, and a rule declaring none offers none."""
    declared = RULES_BY_CODE[code].fix
    emitted = {
        diagnostic.fix.applicability if diagnostic.fix else None
        for case in ALL_CASES
        if case.code == code and case.positive
        for diagnostic in case.lint()
    }
    offered = emitted - {None}
    if declared is None:
        assert not offered, f"{code} declares no fix but offers {sorted(offered)}"
    else:
        assert offered == {declared}, f"{code} declares fix={declared!r}; its positives offer {sorted(offered)}"


@pytest.mark.parametrize("code", CODES)
def test_default_state(code: str):
    """With the default selection an opt-in rule reports none of its positives; a default rule
    reports exactly its markers."""
    positives = [case for case in ALL_CASES if case.code == code and case.positive]
    for case in positives:
        reported = [d for d in lint_snippet(case.source) if d.code == code]
        if RULES_BY_CODE[code].default_enabled:
            for diagnostic in reported:
                diagnostic.line += case.first_line - 1
            assert unmatched(case.markers(), reported) == ([], []), case.id
        else:
            assert reported == [], f"{code} is opt-in but reports by default in {case.id!r}"


def _case(positive: bool, source: str) -> Case:
    return Case("ASY100", positive, "harness self-check", 1, source)


@pytest.mark.parametrize(
    "case",
    [
        # a positive that reports nothing
        _case(True, "import time\n\ndef f():\n    time.sleep(1)  # error: ASY100 @5\n"),
        # a finding in the wrong column
        _case(True, "import time\n\nasync def f():\n    time.sleep(1)  # error: ASY100 @6\n"),
        # the message fragment is not in the message
        _case(True, 'import time\n\nasync def f():\n    time.sleep(1)  # error: ASY100 @5 "never said"\n'),
        # a finding with no marker
        _case(True, "import time\n\nasync def f():\n    time.sleep(1)  # error: ASY100 @5\n    time.sleep(2)\n"),
        # a look-alike that fires
        _case(False, "import time\n\nasync def f():\n    time.sleep(1)\n"),
        # a positive with no marker at all
        _case(True, "async def f():\n    pass\n"),
    ],
)
def test_harness_refuses_a_broken_case(case: Case):
    with pytest.raises(AssertionError):
        test_contract_case(case)


def test_harness_accepts_a_right_case_and_reads_every_marker_field():
    case = _case(True, 'import time\n\nasync def f():\n    time.sleep(1)  # error: ASY100 @5 "blocks the event loop"\n')
    test_contract_case(case)
    assert case.markers() == [Expected(4, 5, "ASY100", "blocks the event loop")]
    with pytest.raises(ValueError):
        expected_markers("x = 1  # error: ASY100\n")  # no column


def test_contributing_walks_through_the_real_rule_and_contract():
    """The ASY109 walk-through in CONTRIBUTING.md quotes the class and contract as they are."""
    section = (REPO / "CONTRIBUTING.md").read_text().split("## Adding a rule", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 2
    assert blocks[0] in (REPO / "asynclint" / "checks" / "blocking.py").read_text()
    real = {(case.positive, case.title, case.source.strip()) for case in cases_of("ASY109")}
    quoted = cases_of("ASY109", blocks[1])
    assert {case.positive for case in quoted} == {True, False}
    for case in quoted:
        assert (case.positive, case.title, case.source.strip()) in real, case.id
