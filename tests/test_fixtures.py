"""The bundled fixtures are linted with the default rules: exactly the `# error:` markers report
(code, column and, where given, part of the message; the format is in conftest.expected_markers)."""

from __future__ import annotations

import json

from conftest import REPO, expected_markers, run_cli, unmatched

from asynclint.engine.diagnostics import Diagnostic


def test_fixtures_report_exactly_the_marked_findings():
    result = run_cli("--output-format", "json", "--no-cache", "fixtures", cwd=REPO)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    reported: dict[str, list[Diagnostic]] = {}
    for d in json.loads(result.stdout):
        diagnostic = Diagnostic(d["code"], d["message"], d["path"], d["line"], d["column"], d["end_line"], d["end_column"])
        reported.setdefault(diagnostic.path, []).append(diagnostic)
    files = sorted((REPO / "fixtures").rglob("*.py"))
    problems, marked = [], 0
    for path in files:
        name = path.relative_to(REPO).as_posix()
        expected = expected_markers(path.read_text())
        marked += len(expected)
        missing, extra = unmatched(expected, reported.pop(name, []))
        problems += [f"{name}:{m.line}: {m.code} @{m.column} not reported" for m in missing]
        problems += [f"{name}:{d.line}: unmarked {d.code} @{d.column}: {d.message}" for d in extra]
    problems += [f"{name}: reported outside the fixture files" for name in reported]
    assert marked >= 20
    assert not problems, "\n".join(problems)
