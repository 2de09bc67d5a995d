"""Every implemented rule has a page with the standard headings whose examples really behave."""

from __future__ import annotations

import re

import pytest
from conftest import REPO, lint_snippet

from asynclint.registry import RULES, RULES_BY_CODE, measured

HEADINGS = ["What it does", "Why is this bad", "Example", "Use instead", "Fix safety", "Options", "References"]
DOCUMENTED = [rule.code for rule in RULES]  # the engine's own ASY001 and ASY002 included


def sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


@pytest.mark.parametrize("code", DOCUMENTED)
def test_page_has_standard_shape(code):
    page = REPO / "rules" / f"{code}.md"
    assert page.is_file(), f"{code} is implemented but rules/{code}.md is missing"
    text = page.read_text()
    assert text.splitlines()[0] == f"# {code}: {RULES_BY_CODE[code].name}"
    headings = re.findall(r"^## (.+)$", text, flags=re.MULTILINE)
    assert headings == HEADINGS


@pytest.mark.parametrize("code", DOCUMENTED)
def test_examples_behave_as_documented(code):
    parts = sections((REPO / "rules" / f"{code}.md").read_text())
    bad = python_blocks(parts["Example"])
    good = python_blocks(parts["Use instead"])
    assert bad and good, "Example and Use instead each need a python block"
    reported = [d.code for d in lint_snippet(bad[0], select=code)]
    assert code in reported, f"the Example of {code} does not trigger it"
    for block in good:
        reported = [d.code for d in lint_snippet(block, select=code)]
        assert code not in reported, f"a Use instead block of {code} triggers it:\n{block}"


def test_pages_exist_only_for_catalog_codes():
    for page in (REPO / "rules").glob("*.md"):
        assert page.stem in RULES_BY_CODE, f"rules/{page.name} is not a catalog code"


@pytest.mark.parametrize("code", sorted(measured()))
def test_page_states_what_the_rule_measured_on_real_code(code):
    """The figure on the page is the one bench/ecosystem.py last measured (asynclint/measured.json)."""
    text = (REPO / "rules" / f"{code}.md").read_text()
    assert measured()[code].sentence() in text
