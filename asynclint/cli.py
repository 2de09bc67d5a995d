"""The `asynclint` command. Exit codes: 0 clean, 1 diagnostics remain, 2 usage or config error."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Optional

import click

from asynclint import __version__
from asynclint.config import OFFLOAD_STYLES, TARGET_VERSIONS, ConfigError, load_config, with_overrides
from asynclint.engine.baseline import BaselineError, new_findings, read_baseline, write_baseline
from asynclint.engine.diagnostics import Diagnostic
from asynclint.engine.discovery import discover
from asynclint.engine.fixer import applicable, fix_source
from asynclint.engine.linter import Linter
from asynclint.engine.project import ProjectIndex
from asynclint.engine.runner import RunOptions, RunResult, run, unified_diff
from asynclint.registry import RULES, RULES_BY_CODE, measured
from asynclint.reporters import formats, renderer
from asynclint.semantics.environment import EnvironmentNotFound, site_packages


def rules_directory() -> Optional[Path]:
    """The rule pages: shipped inside the wheel, or the repository's `rules/` in a checkout."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "rules", package.parent / "rules"):
        if candidate.is_dir():
            return candidate
    return None


def rule_page(code: str) -> Optional[str]:
    directory = rules_directory()
    page = directory / f"{code}.md" if directory else None
    return page.read_text(encoding="utf-8") if page and page.is_file() else None


def _codes(value: Optional[str]) -> Optional[tuple[str, ...]]:
    if value is None:
        return None
    return tuple(code.strip().upper() for code in value.split(",") if code.strip())


def _fail(message: str) -> None:
    click.echo(f"asynclint: error: {message}", err=True)
    sys.exit(2)


def _use_color(stream) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


class _Progress:
    """A one-line progress bar on stderr, only on a terminal (never in pipes or CI logs) and only
    once a run has taken longer than a couple of seconds."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.drawn = False
        self.started = time.monotonic()
        self.last = 0.0
        try:
            self.delay = float(os.environ.get("ASYNCLINT_PROGRESS_DELAY", "2"))
        except ValueError:
            self.delay = 2.0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < self.delay or (now - self.last < 0.1 and done != total):
            return
        self.last = now
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
        sys.stderr.flush()
        self.drawn = True

    def clear(self) -> None:
        if self.drawn:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()


def rules_table() -> str:
    figures = measured()
    rows = [("code", "name", "default", "fix", "precision on real code")]
    for rule in RULES:
        figure = figures.get(rule.code)
        precision = "-" if figure is None or figure.precision is None else f"{figure.precision:.2f} ({figure.labeled} labeled)"
        default = "on" if rule.default_enabled else "opt-in"
        rows.append((rule.code, rule.name, default, rule.fix or "-", precision))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows) + "\n"


def _summary(diagnostics: list[Diagnostic], outcome: RunResult, options: RunOptions) -> str:
    lines = []
    if options.fix and outcome.fixed:
        lines.append(
            f"Fixed {outcome.fixed} diagnostic{'s' * (outcome.fixed != 1)} in {outcome.fixed_files} file{'s' * (outcome.fixed_files != 1)}."
        )
    if not diagnostics:
        lines.append("All checks passed!")
        return "\n".join(lines) + "\n"
    count = len(diagnostics)
    lines.append(f"Found {count} diagnostic{'s' * (count != 1)}.")
    safe = sum(1 for d in diagnostics if d.fix and d.fix.applicability == "safe")
    unsafe = sum(1 for d in diagnostics if d.fix and d.fix.applicability == "unsafe")
    if safe and not options.fix:
        lines.append(f"[*] {safe} fixable with the `--fix` option.")
    if unsafe and not options.unsafe_fixes:
        lines.append(f"[*unsafe] {unsafe} more fixable with `--fix --unsafe-fixes`.")
    return "\n".join(lines) + "\n"


def _statistics(diagnostics: list[Diagnostic]) -> str:
    counts: dict[str, int] = {}
    for diagnostic in diagnostics:
        counts[diagnostic.code] = counts.get(diagnostic.code, 0) + 1
    lines = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        info = RULES_BY_CODE[code]
        marker = "[*]" if info.fix else "   "
        lines.append(f"{count:>5}  {code}  {marker} {info.name}")
    return "\n".join(lines) + ("\n" if lines else "")


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--fix", is_flag=True, help="Apply safe fixes.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff, also apply unsafe fixes.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option("--select", metavar="CODES", help="Comma-separated codes or prefixes to enable (replaces defaults).")
@click.option("--ignore", metavar="CODES", help="Comma-separated codes or prefixes to disable.")
@click.option("--extend-select", metavar="CODES", help="Codes or prefixes to enable in addition.")
@click.option("--output-format", type=click.Choice(formats()), default="text", show_default=True)
@click.option("--statistics", is_flag=True, help="Show counts per rule instead of each diagnostic.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even if diagnostics remain.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the cache.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Parallel processes [default: CPUs].")
@click.option("--target-version", type=click.Choice(TARGET_VERSIONS), help="Oldest Python the code runs on.")
@click.option("--fix-offload", type=click.Choice(OFFLOAD_STYLES), help="How offload fixes move blocking calls.")
@click.option("--config", "config_path", type=click.Path(), help="Use this pyproject.toml.")
@click.option(
    "--python",
    "python",
    metavar="PATH",
    help="The project's Python interpreter (or environment): read installed libraries from it, never run it.",
)
@click.option(
    "--stdin-filename",
    metavar="PATH",
    help="Read the source from stdin (path `-` or none) and report it as PATH; with --fix, print the fixed source.",
)
@click.option(
    "--baseline", "baseline_path", metavar="FILE", type=click.Path(), help="Report only findings not recorded in FILE."
)
@click.option(
    "--write-baseline",
    "write_baseline_path",
    metavar="FILE",
    type=click.Path(),
    help="Record every current finding in FILE and exit 0.",
)
@click.option("--explain", metavar="CODE", help="Print the documentation of a rule and exit.")
@click.option("--list-rules", is_flag=True, help="List every rule and exit.")
@click.version_option(__version__, prog_name="asynclint")
def main(
    paths: tuple[str, ...],
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    select: Optional[str],
    ignore: Optional[str],
    extend_select: Optional[str],
    output_format: str,
    statistics: bool,
    exit_zero: bool,
    no_cache: bool,
    jobs: Optional[int],
    target_version: Optional[str],
    fix_offload: Optional[str],
    config_path: Optional[str],
    python: Optional[str],
    stdin_filename: Optional[str],
    baseline_path: Optional[str],
    write_baseline_path: Optional[str],
    explain: Optional[str],
    list_rules: bool,
) -> None:
    """Find and fix asyncio bugs: blocking calls, lost tasks, swallowed cancellation, missing timeouts."""
    if list_rules:
        click.echo(rules_table(), nl=False)
        return
    if explain:
        code = explain.strip().upper()
        if code not in RULES_BY_CODE:
            _fail(f"unknown rule {explain!r}; see `asynclint --list-rules`")
        page = rule_page(code)
        info = RULES_BY_CODE[code]
        click.echo(page if page else f"{code} ({info.name}): {info.summary}\n", nl=False)
        return
    from_stdin = paths == ("-",) or (stdin_filename is not None and not paths)
    if stdin_filename is not None and not from_stdin:
        _fail("--stdin-filename reads the source from stdin: give no paths, or `-`")
    if "-" in paths and not from_stdin:
        _fail("`-` (stdin) cannot be combined with other paths")
    display_name = stdin_filename or "-"
    path_list = [_config_anchor(display_name)] if from_stdin else (list(paths) or ["."])
    try:
        config = load_config(path_list, config_path)
        config = with_overrides(
            config,
            select=_codes(select),
            ignore=_codes(ignore),
            extend_select=_codes(extend_select),
            target_version=target_version,
            fix_offload=fix_offload,
            python=os.path.abspath(python) if python else None,
        )
        if config.python is not None:
            site_packages(config.python)  # a wrong path is a usage error, said once
    except (ConfigError, EnvironmentNotFound) as error:
        _fail(str(error))
    known_findings = None
    if baseline_path is not None:
        try:
            known_findings = read_baseline(baseline_path)
        except BaselineError as error:
            _fail(str(error))
    if from_stdin:
        options = RunOptions(fix=fix, unsafe_fixes=unsafe_fixes, diff=diff)
        outcome, fixed_source = _run_stdin(display_name, sys.stdin.buffer.read(), config, options)
        _report(
            outcome,
            options,
            output_format,
            statistics,
            exit_zero,
            baseline_path,
            known_findings,
            write_baseline_path,
            fixed_source,
        )
        return
    found = discover(path_list, config)
    if found.missing:
        _fail("path does not exist: " + ", ".join(found.missing))
    for warning in found.warnings:
        click.echo(f"asynclint: warning: {warning}", err=True)
    progress = _Progress(sys.stderr.isatty() and not os.environ.get("CI") and output_format == "text")
    options = RunOptions(
        fix=fix,
        unsafe_fixes=unsafe_fixes,
        diff=diff,
        jobs=jobs or os.cpu_count() or 1,
        cache=not no_cache,
        progress=progress,
    )
    outcome = run(found.files, config, options)
    progress.clear()
    _report(outcome, options, output_format, statistics, exit_zero, baseline_path, known_findings, write_baseline_path)


def _config_anchor(display_name: str) -> str:
    """Where config is looked up for stdin: the file named, or its nearest existing directory."""
    candidate = os.path.abspath(display_name) if display_name != "-" else os.getcwd()
    while not os.path.exists(candidate):
        parent = os.path.dirname(candidate)
        if parent == candidate:
            break
        candidate = parent
    return candidate


def _run_stdin(name: str, data: bytes, config, options: RunOptions) -> tuple[RunResult, Optional[bytes]]:
    """Lint (and fix) source read from stdin as if it were the file `name`. Returns the outcome
    and, with --fix, the source to print (the input unchanged when nothing applied)."""
    linter = Linter(config)
    outcome = RunResult()
    first = linter.lint(name, data)
    project = ProjectIndex([first.result.summary])
    linter.resolve_pending(first.result, project, data)
    outcome.results = [first.result]
    outcome.errors.extend(first.result.errors)
    if not (options.fix or options.diff):
        return outcome, None
    fixed_data = data
    if any(applicable(d.fix, options.unsafe_fixes) for d in first.result.diagnostics):
        fixed = fix_source(linter, name, data, unsafe=options.unsafe_fixes, project=project)
        outcome.errors.extend(fixed.errors)
        if fixed.applied and fixed.data != data:
            fixed_data = fixed.data
            outcome.fixed, outcome.fixed_files = fixed.applied, 1
            if options.diff:
                outcome.diffs.append(unified_diff(name, data, fixed.data))
            else:
                outcome.results = [fixed.lint.result]
                linter.resolve_pending(outcome.results[0], project, fixed.data)
    return outcome, (fixed_data if options.fix and not options.diff else None)


def _report(
    outcome: RunResult,
    options: RunOptions,
    output_format: str,
    statistics: bool,
    exit_zero: bool,
    baseline_path: Optional[str],
    known_findings,
    write_baseline_path: Optional[str],
    fixed_source: Optional[bytes] = None,
) -> None:
    diff = options.diff
    for error in outcome.errors:
        click.echo(f"asynclint: error: {error}", err=True)
    diagnostics = sorted((d for result in outcome.results for d in result.diagnostics), key=Diagnostic.sort_key)
    if write_baseline_path is not None:
        try:
            written = write_baseline(write_baseline_path, diagnostics)
        except OSError as error:
            _fail(f"{write_baseline_path}: cannot write baseline: {error.strerror or error}")
        click.echo(f"Wrote {written} finding{'s' * (written != 1)} to {write_baseline_path}.", err=True)
        sys.exit(0)
    if known_findings is not None and baseline_path is not None:
        before = len(diagnostics)
        diagnostics = new_findings(diagnostics, baseline_path, known_findings)
        if before - len(diagnostics):
            click.echo(f"asynclint: {before - len(diagnostics)} finding(s) in the baseline not shown", err=True)
    if fixed_source is not None:
        # Editors read the fixed source from stdout; everything else goes to stderr.
        sys.stdout.buffer.write(fixed_source)
        sys.stdout.flush()
        if diagnostics:
            click.echo(renderer("text")(diagnostics, color=False), nl=False, err=True)
        failed = bool(diagnostics) or bool(outcome.errors)
        sys.exit(1 if failed and not exit_zero else 0)
    if diff:
        click.echo("".join(outcome.diffs), nl=False)
        click.echo(f"Would fix {outcome.fixed} diagnostic{'s' * (outcome.fixed != 1)}.", err=True)
        sys.exit(1 if outcome.fixed and not exit_zero else 0)
    color = _use_color(sys.stdout)
    if statistics:
        click.echo(_statistics(diagnostics), nl=False)
    elif output_format == "text":
        click.echo(renderer("text")(diagnostics, color=color), nl=False, color=color)
        click.echo(_summary(diagnostics, outcome, options), nl=False)
    else:
        click.echo(renderer(output_format)(diagnostics, rules_directory=rules_directory()), nl=False)
    failed = bool(diagnostics) or bool(outcome.errors)
    sys.exit(1 if failed and not exit_zero else 0)
