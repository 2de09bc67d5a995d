"""The bundled fixtures are linted with the default rules: exactly the `# expect:` lines report."""

from __future__ import annotations

import json
import re

from conftest import REPO, run_cli

EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")


def expected_findings() -> set[tuple[str, int, str]]:
    found = set()
    for path in sorted((REPO / "fixtures").rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = EXPECT.search(line)
            if match:
                for code in re.split(r"[,\s]+", match.group(1).strip()):
                    if code:
                        found.add((path.relative_to(REPO).as_posix(), number, code))
    return found


def test_fixtures_report_exactly_the_annotated_lines():
    result = run_cli("--output-format", "json", "--no-cache", "fixtures", cwd=REPO)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    reported = {(d["path"], d["line"], d["code"]) for d in json.loads(result.stdout)}
    expected = expected_findings()
    assert len(expected) >= 3
    missing = sorted(expected - reported)
    extra = sorted(reported - expected)
    assert not missing and not extra, f"missing: {missing}\nextra: {extra}"
