"""`--baseline` / `--write-baseline`: adopt asynclint in an existing codebase, report only new findings.

A finding is keyed by what it is, not where it is: the file (relative to the baseline's directory),
the code, the reported source line with whitespace collapsed, and its occurrence among findings
with the same three. Edits elsewhere in the file that shift line numbers keep the key; changing
the reported line itself makes it a new finding.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from asynclint.engine.diagnostics import Diagnostic

FORMAT_VERSION = 1

BaselineKey = tuple[str, str, str, int]


class BaselineError(Exception):
    """The baseline file cannot be read or is not one asynclint wrote."""


def _relative(path: str, base: str) -> str:
    absolute = os.path.abspath(path)
    try:
        return Path(os.path.relpath(absolute, base)).as_posix()
    except ValueError:  # another drive (Windows): keep the absolute path
        return Path(absolute).as_posix()


def normalized_line(text: str) -> str:
    return " ".join(text.split())


def keys(diagnostics: Iterable[Diagnostic], base: str) -> list[tuple[BaselineKey, Diagnostic]]:
    """Each diagnostic with its key; occurrences are counted in line order."""
    base = os.path.abspath(base)
    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    seen: dict[tuple[str, str, str], int] = {}
    keyed = []
    for diagnostic in ordered:
        identity = (_relative(diagnostic.path, base), diagnostic.code, normalized_line(diagnostic.source_line))
        occurrence = seen.get(identity, 0)
        seen[identity] = occurrence + 1
        keyed.append(((*identity, occurrence), diagnostic))
    return keyed


def write_baseline(path: str, diagnostics: Iterable[Diagnostic]) -> int:
    """Write every finding to `path` as sorted, stable JSON; return how many were written."""
    base = os.path.dirname(os.path.abspath(path))
    entries = sorted(key for key, _ in keys(diagnostics, base))
    document = {
        "asynclint_baseline": FORMAT_VERSION,
        "entries": [
            {"path": file, "code": code, "source": source, "occurrence": occurrence}
            for file, code, source, occurrence in entries
        ],
    }
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    temporary = f"{path}.tmp{os.getpid()}"
    with open(temporary, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    os.replace(temporary, path)
    return len(entries)


def read_baseline(path: str) -> frozenset[BaselineKey]:
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as error:
        raise BaselineError(f"{path}: cannot read baseline: {error.strerror or error}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BaselineError(f"{path}: not a baseline written by `asynclint --write-baseline` ({error})") from None
    if not isinstance(document, dict) or document.get("asynclint_baseline") != FORMAT_VERSION:
        raise BaselineError(f"{path}: not a baseline written by `asynclint --write-baseline`")
    entries = document.get("entries")
    if not isinstance(entries, list):
        raise BaselineError(f"{path}: baseline has no `entries` list")
    found = set()
    for position, entry in enumerate(entries):
        try:
            key = (entry["path"], entry["code"], entry["source"], entry["occurrence"])
        except (TypeError, KeyError):
            raise BaselineError(f"{path}: entry {position} needs path, code, source and occurrence") from None
        if not all(isinstance(part, str) for part in key[:3]) or not isinstance(key[3], int):
            raise BaselineError(f"{path}: entry {position} has a field of the wrong type")
        found.add(key)
    return frozenset(found)


def new_findings(
    diagnostics: Iterable[Diagnostic], baseline_path: str, known: frozenset[BaselineKey]
) -> list[Diagnostic]:
    """The diagnostics that are not in the baseline, in their usual order."""
    base = os.path.dirname(os.path.abspath(baseline_path))
    kept = [diagnostic for key, diagnostic in keys(diagnostics, base) if key not in known]
    return sorted(kept, key=Diagnostic.sort_key)
