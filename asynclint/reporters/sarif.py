"""`--output-format sarif`: SARIF 2.1.0, the format GitHub code scanning uploads.

Fixes are described, not spelled out: SARIF `fixes` need the exact replacement bytes, which only
`--fix` computes, so a fix's applicability and description go in the result's `properties`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote

from asynclint import __version__
from asynclint.engine.baseline import keys as baseline_keys
from asynclint.engine.diagnostics import Diagnostic
from asynclint.registry import RULES

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/asynclint/asynclint"
_HEADING = re.compile(r"^##\s+(.+?)\s*$", re.MULTILINE)


def _section(page: str, heading: str) -> Optional[str]:
    """The text under `## heading` of a rule page, up to the next heading."""
    found = [(match.group(1), match.start(), match.end()) for match in _HEADING.finditer(page)]
    for position, (title, _, end) in enumerate(found):
        if title == heading:
            stop = found[position + 1][1] if position + 1 < len(found) else len(page)
            text = page[end:stop].strip()
            return text or None
    return None


def _page(code: str, rules_directory: Optional[Path]) -> Optional[str]:
    if rules_directory is None:
        return None
    page = Path(rules_directory) / f"{code}.md"
    try:
        return page.read_text(encoding="utf-8")
    except OSError:
        return None


def _rule(code: str, name: str, summary: str, rules_directory: Optional[Path]) -> dict[str, Any]:
    page = _page(code, rules_directory)
    full = (_section(page, "What it does") if page else None) or summary
    rule: dict[str, Any] = {
        "id": code,
        "name": name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": full},
        "defaultConfiguration": {"level": "error"},
    }
    if page:
        rule["helpUri"] = f"{INFORMATION_URI}/blob/main/rules/{code}.md"
        rule["help"] = {"text": page, "markdown": page}
    return rule


def _uri(path: str) -> tuple[str, bool]:
    """A relative URI (against the source root) when the file is under the working directory."""
    absolute = os.path.abspath(path)
    try:
        relative = Path(absolute).relative_to(os.getcwd()).as_posix()
        return quote(relative), True
    except ValueError:
        return Path(absolute).as_uri(), False


def render(diagnostics: list[Diagnostic], *, rules_directory: Optional[Path] = None, **_: object) -> str:
    # Every rule that can report (the engine's own ASY001 and ASY002 included).
    rules = [_rule(rule.code, rule.name, rule.summary, rules_directory) for rule in RULES]
    index = {rule["id"]: position for position, rule in enumerate(rules)}
    # The baseline's key (file, code, reported line's text, occurrence) survives edits that only
    # shift lines, which is what code scanning needs to keep tracking an alert across commits.
    fingerprints = {
        id(diagnostic): hashlib.sha256(json.dumps(key).encode()).hexdigest()[:32]
        for key, diagnostic in baseline_keys(diagnostics, os.getcwd())
    }
    results = []
    for diagnostic in diagnostics:
        uri, relative = _uri(diagnostic.path)
        artifact: dict[str, Any] = {"uri": uri}
        if relative:
            artifact["uriBaseId"] = "%SRCROOT%"
        result: dict[str, Any] = {
            "ruleId": diagnostic.code,
            "ruleIndex": index[diagnostic.code],
            "level": "error",
            "message": {"text": diagnostic.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": artifact,
                        "region": {
                            "startLine": diagnostic.line,
                            "startColumn": diagnostic.column,
                            "endLine": diagnostic.end_line,
                            "endColumn": diagnostic.end_column,
                        },
                    }
                }
            ],
            "partialFingerprints": {"asynclintKey/v1": fingerprints[id(diagnostic)]},
        }
        if diagnostic.fix is not None:
            result["properties"] = {
                "fix": {"applicability": diagnostic.fix.applicability, "description": diagnostic.fix.message}
            }
        results.append(result)
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "asynclint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(os.getcwd()).as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
