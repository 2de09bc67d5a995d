"""The `asynclint` command. Exit codes: 0 clean, 1 diagnostics remain, 2 usage or config error."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Optional

import click

from asynclint import __version__
from asynclint.checks import rules_for
from asynclint.config import OFFLOAD_STYLES, TARGET_VERSIONS, ConfigError, ConfigResolver, load_config
from asynclint.engine.baseline import BaselineError, new_findings, read_baseline, write_baseline
from asynclint.engine.cache import ResultCache
from asynclint.engine.diagnostics import Diagnostic
from asynclint.engine.discovery import discover
from asynclint.engine.fixer import applicable, fix_source
from asynclint.engine.linter import Linter
from asynclint.engine.noqa import add_noqa as add_noqa_comments
from asynclint.engine.project import ProjectIndex
from asynclint.engine.runner import (
    RunOptions,
    RunResult,
    context_summaries,
    in_project_order,
    project_files,
    run,
    unified_diff,
)
from asynclint.engine.writer import write_atomic
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
    codes = tuple(code.strip() for code in value.split(",") if code.strip())
    return codes or ("",)  # `--select ""` is an error, not "select nothing"


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
    """click's progress bar on stderr, only on a terminal (never in pipes or CI logs) and only once
    a run has taken longer than a couple of seconds."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar: Any = None  # a click progress bar, once the run has taken long enough
        self.started = time.monotonic()
        try:
            self.delay = float(os.environ.get("ASYNCLINT_PROGRESS_DELAY", "2"))
        except ValueError:
            self.delay = 2.0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.started < self.delay:
                return
            self.bar = click.progressbar(
                length=total, file=sys.stderr, bar_template="[%(bar)s] %(info)s files", show_percent=False, show_pos=True
            )
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def clear(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


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


def _statistics(diagnostics: list[Diagnostic], output_format: str, unsafe_fixes: bool) -> str:
    """Counts per rule; `[*]` when findings of that rule (these findings, not the rule in
    general) can be fixed by `--fix` (with `--unsafe-fixes`: by either kind). JSON with
    `--output-format json`."""
    rows: dict[str, list[int]] = {}
    for diagnostic in diagnostics:
        row = rows.setdefault(diagnostic.code, [0, 0, 0])
        row[0] += 1
        if diagnostic.fix is not None:
            row[1 if diagnostic.fix.applicability == "safe" else 2] += 1
    ordered = sorted(rows.items(), key=lambda item: (-item[1][0], item[0]))
    if output_format == "json":
        records = [
            {"code": code, "name": RULES_BY_CODE[code].name, "count": count, "fixable": safe, "unsafe_fixable": unsafe}
            for code, (count, safe, unsafe) in ordered
        ]
        return json.dumps(records, indent=2) + "\n"
    lines = []
    for code, (count, safe, unsafe) in ordered:
        marker = "[*]" if safe or (unsafe and unsafe_fixes) else "   "
        lines.append(f"{count:>5}  {code}  {marker} {RULES_BY_CODE[code].name}")
    return "\n".join(lines) + ("\n" if lines else "")


class _Command(click.Command):
    """Ctrl-C anywhere in a run: one line and exit 130 (click would say "Aborted!" and exit 1)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as interrupt:
            from asynclint.__main__ import interrupted

            interrupted(tuple(getattr(interrupt, "written", ())), bool(ctx.params.get("fix")))


@click.command(
    cls=_Command,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="`asynclint server` starts the language server (LSP over stdio); see `asynclint server --help`.",
)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--fix", is_flag=True, help="Apply safe fixes.")
@click.option(
    "--unsafe-fixes/--no-unsafe-fixes",
    default=None,
    help="With --fix or --diff, also apply unsafe fixes [default: `unsafe-fixes` in config, else off].",
)
@click.option("--show-fixes", is_flag=True, help="Show each finding's fix; with --fix, list what was fixed.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option("--select", metavar="CODES", help="Comma-separated codes or prefixes to enable (replaces defaults).")
@click.option("--ignore", metavar="CODES", help="Comma-separated codes or prefixes to disable.")
@click.option("--extend-select", metavar="CODES", help="Codes or prefixes to enable in addition.")
@click.option("--output-format", type=click.Choice(formats()), default="text", show_default=True)
@click.option("--statistics", is_flag=True, help="Show counts per rule instead of each diagnostic (JSON with json).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even if diagnostics remain.")
@click.option("--watch", is_flag=True, help="Check again whenever a checked file changes (Ctrl-C stops).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the cache.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Parallel processes [default: CPUs].")
@click.option("--target-version", type=click.Choice(TARGET_VERSIONS), help="Oldest Python the code runs on.")
@click.option("--fix-offload", type=click.Choice(OFFLOAD_STYLES), help="How offload fixes move blocking calls.")
@click.option("--config", "config_path", type=click.Path(), help="Use this pyproject.toml for every file.")
@click.option(
    "--force-exclude", is_flag=True, help="Apply exclude settings to paths given explicitly too (for pre-commit)."
)
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
@click.option(
    "--add-noqa", is_flag=True, help="Add a `# noqa: CODE` comment for every current finding (in place) and exit."
)
@click.option("--explain", metavar="CODE", help="Print the documentation of a rule and exit.")
@click.option("--list-rules", is_flag=True, help="List every rule and exit.")
@click.version_option(__version__, prog_name="asynclint")
def check(
    paths: tuple[str, ...],
    fix: bool,
    unsafe_fixes: Optional[bool],
    show_fixes: bool,
    diff: bool,
    select: Optional[str],
    ignore: Optional[str],
    extend_select: Optional[str],
    output_format: str,
    statistics: bool,
    exit_zero: bool,
    watch: bool,
    no_cache: bool,
    jobs: Optional[int],
    target_version: Optional[str],
    fix_offload: Optional[str],
    config_path: Optional[str],
    force_exclude: bool,
    python: Optional[str],
    stdin_filename: Optional[str],
    baseline_path: Optional[str],
    write_baseline_path: Optional[str],
    add_noqa: bool,
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
    if add_noqa and from_stdin:
        _fail("--add-noqa edits files in place: give paths, not stdin")
    if stdin_filename is not None and not from_stdin:
        _fail("--stdin-filename reads the source from stdin: give no paths, or `-`")
    if "-" in paths and not from_stdin:
        _fail("`-` (stdin) cannot be combined with other paths")
    display_name = stdin_filename or "-"
    path_list = [_config_anchor(display_name)] if from_stdin else (list(paths) or ["."])
    try:
        resolver = ConfigResolver(
            load_config(path_list, config_path),
            explicit=config_path is not None,
            select=_codes(select),
            ignore=_codes(ignore),
            extend_select=_codes(extend_select),
            target_version=target_version,
            fix_offload=fix_offload,
            python=os.path.abspath(python) if python else None,
        )
        if resolver.default.python is not None:
            site_packages(resolver.default.python)  # a wrong path is a usage error, said once
    except (ConfigError, EnvironmentNotFound) as error:
        _fail(str(error))
    config = resolver.default
    if unsafe_fixes is None:
        unsafe_fixes = config.unsafe_fixes
    known_findings = None
    if baseline_path is not None:
        try:
            known_findings = read_baseline(baseline_path)
        except BaselineError as error:
            _fail(str(error))
    if from_stdin:
        options = RunOptions(
            fix=fix, unsafe_fixes=unsafe_fixes, diff=diff, show_fixes=show_fixes, cache=not no_cache, jobs=jobs or os.cpu_count() or 1
        )
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
    try:
        found = discover(path_list, config, resolver, force_exclude=force_exclude)
    except ConfigError as error:  # a nested pyproject.toml met on the way
        _fail(str(error))
    if found.missing:
        _fail("path does not exist: " + ", ".join(found.missing))
    for warning in found.warnings:
        click.echo(f"asynclint: warning: {warning}", err=True)
    if not found.files:
        if found.warnings:  # every path given was unusable: nothing was checked, which is no pass
            _fail("no Python files to check (every path given was skipped, see above)")
        click.echo("asynclint: warning: no Python files found under the given paths", err=True)
        sys.exit(0)
    progress = _Progress(
        sys.stderr.isatty() and not os.environ.get("CI") and output_format in ("text", "concise") and not watch
    )
    options = RunOptions(
        fix=fix,
        unsafe_fixes=unsafe_fixes,
        diff=diff,
        jobs=jobs or os.cpu_count() or 1,
        cache=not no_cache,
        progress=progress,
        show_fixes=show_fixes,
    )
    if watch:
        if fix or diff or add_noqa or write_baseline_path:
            _fail("--watch only reports: it cannot be combined with --fix, --diff, --add-noqa or --write-baseline")
        _watch(
            path_list,
            resolver,
            options,
            lambda outcome: _report(outcome, options, output_format, statistics, True, baseline_path, known_findings, None),
        )
    if add_noqa and (fix or diff):
        _fail("--add-noqa cannot be combined with --fix or --diff")
    try:
        outcome = run(found.files, config, options, resolver, project_files(path_list, found.files, config))
    except ConfigError as error:
        _fail(str(error))
    progress.clear()
    if add_noqa:
        _add_noqa(outcome)
    _report(outcome, options, output_format, statistics, exit_zero, baseline_path, known_findings, write_baseline_path)


def _watch(path_list: list[str], resolver: ConfigResolver, options: RunOptions, report) -> None:
    """Check, then check again whenever a file is added, removed or changed, until Ctrl-C."""
    try:
        interval = float(os.environ.get("ASYNCLINT_WATCH_INTERVAL", "0.5"))
    except ValueError:
        interval = 0.5
    seen = None
    try:
        while True:
            config = resolver.default
            files = discover(path_list, config, resolver).files
            state = _snapshot(files)
            if state != seen:
                if seen is not None:
                    click.echo(err=True)
                click.echo(f"[{time.strftime('%H:%M:%S')}] Checking {len(files)} files.", err=True)
                try:
                    report(run(files, config, options, resolver, project_files(path_list, files, config)))
                except (SystemExit, ConfigError):
                    pass  # the report ends a normal run; here the watch goes on
                click.echo("Watching for file changes (Ctrl-C to stop).", err=True)
                seen = state
            time.sleep(interval)
    except KeyboardInterrupt:
        sys.exit(130)


def _snapshot(files: list[str]) -> tuple:
    state = []
    for path in files:
        try:
            info = os.stat(path)
        except OSError:
            continue
        state.append((path, info.st_mtime_ns, info.st_size))
    return tuple(state)


def _fixed_listing(outcome: RunResult) -> str:
    """`--fix --show-fixes`: what was fixed, per file and rule."""
    lines = []
    for path in sorted(outcome.fixed_codes):
        counts: dict[str, int] = {}
        for code in outcome.fixed_codes[path]:
            counts[code] = counts.get(code, 0) + 1
        lines.append(f"- {path}:")
        for code, count in sorted(counts.items()):
            lines.append(f"    {count} × {code} ({RULES_BY_CODE[code].name})")
    return "\n".join(lines) + ("\n" if lines else "")


def _add_noqa(outcome: RunResult) -> None:
    """`--add-noqa`: suppress every current finding where it is reported, then exit 0."""
    added = files = 0
    for result in outcome.results:
        wanted: dict[int, set[str]] = {}
        for diagnostic in result.diagnostics:
            if diagnostic.code not in _NOT_SUPPRESSIBLE and diagnostic.line > 0:
                wanted.setdefault(diagnostic.line, set()).add(diagnostic.code)
        if not wanted:
            continue
        try:
            with open(result.path, "rb") as handle:
                original = handle.read()
        except OSError as error:
            click.echo(f"asynclint: error: {result.path}: cannot read: {error.strerror or error}", err=True)
            continue
        change = add_noqa_comments(original, wanted)
        for line in change.skipped:
            click.echo(
                f"asynclint: warning: {result.path}:{line}: a comment cannot go at the end of this line "
                "(it continues a string or a backslash line); finding left as it is",
                err=True,
            )
        if not change.applied:
            continue
        try:
            write_atomic(result.path, change.data)
        except OSError as error:
            click.echo(f"asynclint: error: {result.path}: cannot write: {error.strerror or error}", err=True)
            continue
        added += change.applied
        files += 1
    click.echo(f"Added {added} noqa directive{'s' * (added != 1)} in {files} file{'s' * (files != 1)}.")
    sys.exit(0)


# A syntax error has no statement to carry the comment; an unused-noqa finding is fixed by removing codes.
_NOT_SUPPRESSIBLE = frozenset({"ASY001", "ASY002"})


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
    linter = Linter(config, rules_for(config))
    outcome = RunResult()
    first = linter.lint(name, data)
    # The buffer is one module of a project: the others are answered from the cache (linted where
    # they changed), so cross-module findings are those of a run on the whole project.
    files = project_files([name], [name], config) if name != "-" else None
    own = {os.path.abspath(name): first.result.summary}
    if files:
        others = [path for path in files if os.path.abspath(path) not in own]
        cache = ResultCache(config) if options.cache else None
        context = context_summaries(others, config, linter, replace(options, progress=None), cache)
        project = ProjectIndex(in_project_order(files, own, context))
    else:
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
    for result in outcome.results:
        for warning in result.warnings:
            click.echo(f"asynclint: warning: {warning}", err=True)
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
        click.echo(_statistics(diagnostics, output_format, options.unsafe_fixes), nl=False)
    elif output_format in ("text", "concise"):
        click.echo(renderer(output_format)(diagnostics, color=color, show_fixes=options.show_fixes), nl=False, color=color)
        if options.show_fixes and options.fix and outcome.fixed_codes:
            click.echo("What was fixed:")
            click.echo(_fixed_listing(outcome), nl=False)
        click.echo(_summary(diagnostics, outcome, options), nl=False)
    else:
        click.echo(renderer(output_format)(diagnostics, rules_directory=rules_directory()), nl=False)
    failed = bool(diagnostics) or bool(outcome.errors)
    sys.exit(1 if failed and not exit_zero else 0)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
def server() -> None:
    """The asynclint language server: LSP over stdio, for editors (VS Code, Neovim, Helix, ...).

    Diagnostics, fixes, `# noqa` code actions and rule pages on hover, with the settings of the
    workspace's pyproject.toml and cross-module findings from an in-memory project index."""
    from asynclint.server import serve

    serve()


def main(args: Optional[list[str]] = None) -> None:
    """`asynclint [OPTIONS] [PATHS]...` checks; `asynclint server` starts the language server
    (check a directory named `server` as `asynclint ./server`)."""
    arguments = sys.argv[1:] if args is None else list(args)
    if arguments[:1] == ["server"]:
        server.main(arguments[1:], prog_name="asynclint server")
    else:
        check.main(arguments, prog_name="asynclint")
