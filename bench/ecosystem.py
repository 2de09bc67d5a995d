"""The ecosystem check: what asynclint says on real code, against a committed snapshot and labels.

    python bench/ecosystem.py                 # default rule set over the pinned corpus
    python bench/ecosystem.py --all           # every rule, opt-in ones included
    python bench/ecosystem.py --update        # rewrite the snapshot (always with every rule)
    python bench/ecosystem.py --sample ASY300 # unlabeled findings of a rule to read, with context
    python bench/ecosystem.py --all --table   # also write the per-rule table to bench/ECOSYSTEM.md
                                              # and the figures rule pages show (asynclint/measured.json)
    python bench/ecosystem.py --from-json F   # use an earlier `asynclint --output-format json` run
    python bench/ecosystem.py --guard         # CI: labeled files only; fails when a `wrong` finding
                                              # comes back or a `bug` finding disappears

It prints the findings added and removed since the snapshot (per rule and per project, with the
source line of each), then per rule: findings, labeled, bug / noise / wrong, labeled precision
(bug / labeled) and how many findings carry no label yet, and how many `bug`-labeled findings
are still reported. The corpus is built from the package index by `bench/corpus.py`.

Labels live in `bench/labels/<CODE>.jsonl`, one JSON object per line:

    {"project": "aiohttp", "path": "aiohttp/client.py", "code": "ASY300",
     "source": "await asyncio.gather(a(), b())", "line": 123,
     "label": "bug" | "noise" | "wrong", "reason": "one line", "fix": "right" | "wrong" | null}

A label is keyed by project, path inside the project, code and the stripped source line, so it
survives edits elsewhere in the file; `line` is only a reading aid. `fix` says whether the fix
asynclint offers there is right (null when none is offered). Judge as the maintainer of that code
would, after reading the function, the class, the callers and the helpers it names:
- bug: right, and a careful maintainer would accept a fix;
- noise: right by the letter of the rule, but deliberate or harmless there (start-up only,
  shutdown only, an explicit opt-in, handled another way);
- wrong: the tool is factually mistaken (it does not block, it is awaited, it is handled...).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import CORPUS, PINNED, build  # noqa: E402

HERE = Path(__file__).resolve().parent
SNAPSHOT = HERE / "ecosystem-snapshot.json"
# ASYNCLINT_LABELS points a checkout without labels at another checkout's label folder.
LABELS = Path(os.environ.get("ASYNCLINT_LABELS", HERE / "labels"))
TABLE = HERE / "ECOSYSTEM.md"
MEASURED = HERE.parent / "asynclint" / "measured.json"
LABELS_PER_RULE = 30
VERDICTS = ("bug", "noise", "wrong")

Key = tuple[str, str, str, str]  # project, path inside the project, code, stripped source line


@dataclass(frozen=True)
class Finding:
    project: str
    path: str
    code: str
    line: int
    column: int
    source: str
    message: str

    @property
    def key(self) -> Key:
        return (self.project, self.path, self.code, self.source)

    def as_dict(self) -> dict:
        return self.__dict__.copy()

    def where(self) -> str:
        return f"{self.project}/{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Label:
    key: Key
    label: str
    reason: str
    fix: Optional[str]
    line: int
    accepted_loss: Optional[str] = None


# -- running -----------------------------------------------------------------------------------
def every_code() -> list[str]:
    from asynclint.registry import RULES

    return [rule.code for rule in RULES]


def default_codes() -> set[str]:
    from asynclint.registry import RULES

    return {rule.code for rule in RULES if rule.default_enabled}


def run_asynclint(paths: list[Path], every_rule: bool, jobs: int, cwd: Path = CORPUS) -> list[dict]:
    """asynclint's JSON findings on `paths`, one run per corpus project: each project is its own
    project (its own cross-module index), as it is for its maintainers, never one index of all."""
    by_project: dict[Path, list[Path]] = {}
    for path in paths:
        absolute = path if path.is_absolute() else cwd / path
        relative = absolute.relative_to(CORPUS)
        by_project.setdefault(CORPUS / relative.parts[0], []).append(path)
    found: list[dict] = []
    for project, members in sorted(by_project.items()):
        ensure_project_root(project)
        command = [sys.executable, "-m", "asynclint", "--no-cache", "--output-format", "json", "--exit-zero",
                   "-j", str(jobs)]
        if every_rule:
            command += ["--select", ",".join(every_code())]
        command += [str(path) for path in members]
        completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
        if completed.returncode != 0:
            raise SystemExit(f"asynclint failed ({completed.returncode}): {completed.stderr.strip()[-2000:]}")
        found += json.loads(completed.stdout or "[]")
    return found


def ensure_project_root(project: Path) -> None:
    """A corpus project without a pyproject.toml (a wheel's contents) gets one with the corpus's
    settings, so asynclint takes it as its own project root instead of the corpus around it
    (which would index all 23 projects as one)."""
    marker = project / "pyproject.toml"
    if not marker.exists():
        marker.write_text((CORPUS / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8")


def _source_line(path: Path, line: int, cache: dict[Path, list[str]]) -> str:
    if path not in cache:
        try:
            cache[path] = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            cache[path] = []
    lines = cache[path]
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def findings_from(raw: list[dict], corpus: Path = CORPUS) -> list[Finding]:
    found = []
    lines: dict[Path, list[str]] = {}
    for item in raw:
        # Resolved either way: in a worktree `bench/corpus` is a link to the main checkout's corpus.
        absolute = (corpus / item["path"]).resolve()
        try:
            relative = absolute.relative_to(corpus.resolve())
        except ValueError:
            continue
        project, inside = relative.parts[0], "/".join(relative.parts[1:])
        source = _source_line(absolute, item["line"], lines)
        found.append(Finding(project, inside, item["code"], item["line"], item["column"], source, item["message"]))
    return sorted(found, key=lambda f: (f.project, f.path, f.line, f.column, f.code))


# -- snapshot and labels -----------------------------------------------------------------------
def load_snapshot() -> list[Finding]:
    if not SNAPSHOT.exists():
        return []
    return [Finding(**item) for item in json.loads(SNAPSHOT.read_text())]


def save_snapshot(findings: list[Finding]) -> None:
    SNAPSHOT.write_text(json.dumps([finding.as_dict() for finding in findings], indent=1) + "\n")


def load_labels(directory: Path = LABELS) -> dict[Key, Label]:
    labels: dict[Key, Label] = {}
    for file in sorted(directory.glob("*.jsonl")):
        for number, text in enumerate(file.read_text().splitlines(), 1):
            if not text.strip():
                continue
            try:
                item = json.loads(text)
                key = (item["project"], item["path"], item["code"], item["source"].strip())
                verdict = item["label"]
            except (ValueError, KeyError, AttributeError) as error:
                raise SystemExit(f"{file}:{number}: not a label ({error})") from None
            if verdict not in VERDICTS:
                raise SystemExit(f"{file}:{number}: label must be one of {VERDICTS}, not {verdict!r}")
            labels[key] = Label(
                key, verdict, item.get("reason", ""), item.get("fix"), item.get("line", 0), item.get("accepted_loss")
            )
    return labels


# -- reports -----------------------------------------------------------------------------------
def compare(before: list[Finding], after: list[Finding], codes: set[str]) -> tuple[list[Finding], list[Finding]]:
    """Findings added and removed, matching by key (so moved lines are not churn)."""
    old = Counter(f.key for f in before if f.code in codes)
    new = Counter(f.key for f in after if f.code in codes)
    added_keys, removed_keys = new - old, old - new
    added, removed = [], []
    for finding in after:
        if added_keys[finding.key] > 0:
            added_keys[finding.key] -= 1
            added.append(finding)
    for finding in before:
        if finding.code in codes and removed_keys[finding.key] > 0:
            removed_keys[finding.key] -= 1
            removed.append(finding)
    return added, removed


def print_changes(added: list[Finding], removed: list[Finding], labels: dict[Key, Label]) -> None:
    if not added and not removed:
        print("No change against the snapshot.\n")
        return
    for title, items, sign in (("Added", added, "+"), ("Removed", removed, "-")):
        if not items:
            continue
        print(f"## {title}: {len(items)}")
        per_rule = Counter(f.code for f in items)
        per_project = Counter(f.project for f in items)
        print("per rule: " + ", ".join(f"{code} {count}" for code, count in sorted(per_rule.items())))
        print("per project: " + ", ".join(f"{name} {count}" for name, count in per_project.most_common()))
        for finding in items:
            label = labels.get(finding.key)
            tag = f" [{label.label}]" if label else ""
            print(f"{sign} {finding.where()}: {finding.code}{tag} {finding.message}")
            print(f"      {finding.source}")
        print()


def rule_table(findings: list[Finding], labels: dict[Key, Label], codes: Iterable[str]) -> list[str]:
    from asynclint.registry import RULES_BY_CODE

    per_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        per_rule[finding.code].append(finding)
    rows = [
        "| rule | default | findings | labeled | bug | noise | wrong | precision | unlabeled |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    totals: dict[str, Counter] = {"default": Counter(), "all": Counter()}
    for code in codes:
        items = per_rule.get(code, [])
        counts: Counter = Counter()
        for finding in items:
            label = labels.get(finding.key)
            counts[label.label if label else "unlabeled"] += 1
        labeled = sum(counts[v] for v in VERDICTS)
        precision = f"{counts['bug'] / labeled:.2f}" if labeled else "–"
        default = RULES_BY_CODE[code].default_enabled if code in RULES_BY_CODE else False
        rows.append(
            f"| {code} | {'on' if default else 'off'} | {len(items)} | {labeled} | {counts['bug']} | "
            f"{counts['noise']} | {counts['wrong']} | {precision} | {counts['unlabeled']} |"
        )
        counts["findings"] = len(items)
        totals["all"].update(counts)
        if default:
            totals["default"].update(counts)
    for name, counts in totals.items():
        labeled = sum(counts[v] for v in VERDICTS)
        precision = f"{counts['bug'] / labeled:.2f}" if labeled else "–"
        rows.append(
            f"| **{name} rules** | | {counts['findings']} | {labeled} | {counts['bug']} | {counts['noise']} | "
            f"{counts['wrong']} | {precision} | {counts['unlabeled']} |"
        )
    return rows


def write_measured(findings: list[Finding], labels: dict[Key, Label], codes: list[str]) -> None:
    """The per-rule figures `--list-rules` and the rule pages show (asynclint/measured.json)."""
    counts: dict[str, Counter] = {code: Counter() for code in codes}
    for finding in findings:
        label = labels.get(finding.key)
        counts[finding.code]["findings"] += 1
        if label is not None:
            counts[finding.code][label.label] += 1
    data = {
        code: {"findings": c["findings"], "labeled": sum(c[v] for v in VERDICTS), **{v: c[v] for v in VERDICTS}}
        for code, c in counts.items()
    }
    MEASURED.write_text(json.dumps(data, indent=1) + "\n")


def bug_retention(findings: list[Finding], labels: dict[Key, Label], codes: set[str]) -> tuple[int, int, list[Label]]:
    present = {finding.key for finding in findings}
    bugs = [label for label in labels.values() if label.label == "bug" and label.key[2] in codes]
    lost = [label for label in bugs if label.key not in present]
    return len(bugs) - len(lost), len(bugs), lost


def sample(findings: list[Finding], labels: dict[Key, Label], code: str, count: int, context: int) -> None:
    """Unlabeled findings of one rule, a random but repeatable choice, with the code around them."""
    candidates = [f for f in findings if f.code == code and f.key not in labels]
    seen: set[Key] = set()
    unique = [f for f in candidates if not (f.key in seen or seen.add(f.key))]
    already = sum(1 for f in findings if f.code == code and f.key in labels)
    wanted = max(count - already, 0) if count else len(unique)
    chosen = random.Random(code).sample(unique, min(wanted, len(unique)))
    lines: dict[Path, list[str]] = {}
    for finding in sorted(chosen, key=lambda f: (f.project, f.path, f.line)):
        path = CORPUS / finding.project / finding.path
        _source_line(path, 1, lines)
        text = lines.get(path, [])
        print(f"=== {finding.where()} {finding.code} {finding.message}")
        print(json.dumps({"project": finding.project, "path": finding.path, "code": finding.code,
                          "source": finding.source, "line": finding.line}))
        for number in range(max(finding.line - context, 1), min(finding.line + context, len(text)) + 1):
            marker = ">>" if number == finding.line else "  "
            print(f"{marker}{number:6d}  {text[number - 1]}")
        print()


# -- the CI guard ------------------------------------------------------------------------------
def _module_files(project_root: Path, message: str) -> set[Path]:
    """Files of the project's modules named in a message (`pkg.mod.func` in a chain): a
    cross-module finding needs them to be found again."""
    files = set()
    for name in re.findall(r"[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+", message):
        parts = name.split(".")
        for end in range(len(parts), 0, -1):
            base = project_root.joinpath(*parts[:end])
            for candidate in (base.with_suffix(".py"), base / "__init__.py"):
                if candidate.is_file():
                    files.add(candidate)
            if any(c.is_file() for c in (base.with_suffix(".py"), base / "__init__.py")):
                break
    return files


def guard(jobs: int) -> int:
    """Run every rule on the files that carry labels (and the modules their findings' messages
    name) and fail when a `bug` finding is gone, a `wrong` finding absent from the snapshot comes
    back, or a default rule reports a `wrong` finding at all (opt-in rules may keep theirs: that is
    their measured precision). A label may carry `"accepted_loss": "why"` when a change drops a
    bug finding on purpose."""
    labels = load_labels()
    known, defaults = set(every_code()), default_codes()
    checked = {key: label for key, label in labels.items() if key[2] in known}
    projects = sorted({key[0] for key in checked})
    build(projects)
    snapshot = {finding.key: finding for finding in load_snapshot()}
    files: set[Path] = set()
    for key in checked:
        project_root = CORPUS / key[0]
        files.add(project_root / key[1])
        if key in snapshot:
            files |= _module_files(project_root, snapshot[key].message)
    present = Counter(f.key for f in findings_from(run_asynclint(sorted(files), True, jobs)))
    failures = []
    for key, label in sorted(checked.items()):
        where = f"{key[0]}/{key[1]}:{label.line} {key[2]} {key[3]}"
        if label.label == "wrong" and present[key] and key[2] in defaults:
            failures.append(f"wrong finding in a default rule: {where}  ({label.reason})")
        elif label.label == "wrong" and present[key] and key not in snapshot:
            failures.append(f"wrong finding reported again: {where}  ({label.reason})")
        elif label.label == "bug" and not present[key] and not label.accepted_loss:
            failures.append(f"bug finding no longer reported: {where}  ({label.reason})")
    print(f"guard: {len(files)} files of {len(projects)} projects, {len(checked)} labels "
          f"({sum(1 for lb in checked.values() if lb.label == 'bug')} bug, "
          f"{sum(1 for lb in checked.values() if lb.label == 'wrong')} wrong)")
    for failure in failures:
        print(failure)
    return 1 if failures else 0


# -- the command -------------------------------------------------------------------------------
def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--all", action="store_true", help="every rule, opt-in ones included")
    parser.add_argument("--update", action="store_true", help="rewrite the snapshot (runs every rule)")
    parser.add_argument("--table", action="store_true", help=f"write the per-rule table to {TABLE.name}")
    parser.add_argument("--sample", metavar="CODE", help="print unlabeled findings of CODE to label")
    parser.add_argument("--count", type=int, default=LABELS_PER_RULE, help="with --sample: labels wanted per rule (0: all)")
    parser.add_argument("--context", type=int, default=12, help="with --sample: lines of code around each finding")
    parser.add_argument("--from-json", type=Path, help="findings from an earlier asynclint JSON run over the corpus")
    parser.add_argument("--projects", help="comma-separated project names (default: the whole corpus)")
    parser.add_argument("--guard", action="store_true", help="CI: check the labeled files against their labels")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args(argv)
    if args.guard:
        return guard(args.jobs)

    every_rule = args.all or args.update or args.table or bool(args.sample)
    codes = set(every_code()) if every_rule else default_codes()
    projects = args.projects.split(",") if args.projects else list(PINNED)
    if args.from_json:
        raw = json.loads(args.from_json.read_text())
    else:
        build()
        raw = run_asynclint([CORPUS / name for name in projects], every_rule, args.jobs)
    findings = [f for f in findings_from(raw) if f.code in codes and f.project in projects]
    labels = load_labels()

    if args.sample:
        sample(findings, labels, args.sample, args.count, args.context)
        return 0
    snapshot = [f for f in load_snapshot() if f.project in projects]
    added, removed = compare(snapshot, findings, codes)
    print(f"# asynclint ecosystem check: {len(findings)} findings "
          f"({'every rule' if every_rule else 'default rules'}), {len(projects)} projects\n")
    print_changes(added, removed, labels)
    ordered = [code for code in every_code() if code in codes]
    table = rule_table(findings, labels, ordered)
    kept, total, lost = bug_retention(findings, labels, codes)
    retention = f"Bug-labeled findings still reported: {kept} of {total}" + (f" ({kept / total:.0%})" if total else "")
    print("\n".join(table))
    print("\n" + retention)
    for label in lost:
        print(f"  lost: {label.key[0]}/{label.key[1]}:{label.line} {label.key[2]} {label.key[3]}")
    if args.update:
        save_snapshot(findings)
        print(f"\nSnapshot written: {SNAPSHOT.relative_to(HERE.parent)} ({len(findings)} findings)")
    if args.table:
        write_measured(findings, labels, ordered)
        header = (f"# Ecosystem check\n\nPinned corpus ({len(PINNED)} projects), "
                  f"{'every rule' if every_rule else 'default rules'}; labels from `bench/labels/`.\n"
                  "Precision is bug / labeled over a random sample of each rule's findings.\n\n")
        TABLE.write_text(header + "\n".join(table) + "\n\n" + retention + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
