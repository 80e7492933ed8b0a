"""The ``notelint`` command line: check, query, extract, summary, rule, rules, serve.

The CLI parses arguments and formats results; everything else lives in the
library. Exit status: 0 clean, 1 findings at or above the failing severity,
2 usage, configuration or input error.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Iterator
from typing import Any, TextIO, cast

import click

from notelint.errors import NotelintError, one_line
from notelint.interfaces.run_options import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, fail, run_config
from notelint.interfaces.server import serve
from notelint.interfaces.spark_batch import batch  # its own module: pyspark loads only when it runs
from notelint.version import __version__

_OWN_PROCESS = False  # set by main(): the process is the notelint command's own

def _validated_codes(values: tuple[str, ...]) -> list[str]:
    from notelint import codes

    out = []
    for value in values:
        code = codes.normalize(value)
        if not codes.is_valid(code):
            raise click.BadParameter(f"{value!r} is not an ICD-10-CM code", param_hint="--code")
        out.append(code)
    return out


def _results(paths: tuple[str, ...], conf: Any, claimed: list[str], encoding: str | None,
             max_chars: int, jobs: int = 1, texts: deque[str] | None = None,
             timeout: float | None = None) -> Iterator[dict[str, Any]]:
    """Results of the inputs; ``texts``, when given, receives each note's text as the note
    is read (see :func:`_remember`)."""
    with _start_up():
        from notelint.interfaces.parallel import lint_many
        from notelint.io import inputs
        from notelint.nlp.pipeline import default_pipeline

        nlp = default_pipeline()
    nlp.max_length = max(nlp.max_length, max_chars + 1)
    notes = inputs.read(paths, encoding, max_chars)
    if texts is not None:
        notes = _remember(notes, texts)
    yield from lint_many(notes, conf, claimed, jobs, timeout or None)


@contextlib.contextmanager
def _start_up() -> Iterator[None]:
    """No garbage collection while spaCy imports and the pipeline loads, when this process
    is the ``notelint`` command (not a caller's process running ``cli``).

    Start-up makes hundreds of thousands of objects and no garbage worth a
    collection; collections took a fifth of a one-note run. What it made lives as
    long as the process, so it is then frozen out of later collections
    (``gc.freeze``, which also keeps it shared with ``--jobs`` workers) and
    collection resumes for the batch. Threshold 0 rather than ``gc.disable()``,
    which spaCy's msgpack reader undoes on its way out.
    """
    if not _OWN_PROCESS:
        yield
        return
    thresholds = gc.get_threshold()
    gc.set_threshold(0)
    try:
        yield
    finally:
        gc.freeze()
        gc.set_threshold(*thresholds)


def _remember(notes: Iterator[Any], texts: deque[str]) -> Iterator[Any]:
    """Pass ``notes`` through, appending each one's text to ``texts``.

    Linting gives exactly one result per note, in input order, and reads a note before
    it yields the note's result: so when a result arrives, the text at the left of
    ``texts`` is its note's. Texts are never looked up by ``source``, which two notes
    can share (the same id in two files, a duplicate id, two documents of a Bundle).
    """
    for note in notes:
        texts.append(note.text)
        yield note


def _text_encoding(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--encoding``: a text encoding (not rot13, base64, zlib or undefined), or a usage error."""
    if value is None:
        return None
    from notelint.io.note import encoding_problem

    problem = encoding_problem(value)
    if problem:
        raise click.BadParameter(problem)
    return value


_common = [
    click.option("--encoding", callback=_text_encoding,
                 help="Text encoding of the note files (default UTF-8)."),
    click.option("--max-chars", type=click.IntRange(min=1), default=1_000_000, show_default=True,
                 help="Largest note, in characters, that is linted."),
    click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
                 help="Processes for a batch; results stay in input order."),
    click.option("--timeout", type=click.FloatRange(min=0), default=60, show_default=True,
                 metavar="SECONDS",
                 help="Time budget of one note; a note over it is a 'timeout' error result "
                      "(0: none)."),
]


def _with_common(func: Any) -> Any:
    for decorator in reversed(_common):
        func = decorator(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="notelint")
@click.option("--debug", is_flag=True,
              help="Show tracebacks of internal errors (they may quote note text).")
def cli(debug: bool) -> None:
    """notelint: lint clinical notes for ICD-10-CM M62.4- (contracture of muscle) documentation."""
    if debug:
        os.environ["NOTELINT_DEBUG"] = "1"


class OutputError(Exception):
    """Standard output could not be written. Not an OSError, so that click does not turn a
    closed pipe into exit status 1 on its way out."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


class _Output:
    """The ``notelint`` command's standard output (``main`` installs it as ``sys.stdout``,
    so click's help and every command write through it): a write or flush that fails
    raises :class:`OutputError`; everything else is the stream's."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except OSError as exc:
            raise OutputError(exc) from None

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError as exc:
            raise OutputError(exc) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _output_failed(error: OSError) -> int:
    """The exit status when standard output failed, after saying so once on stderr.

    A closed pipe (``notelint check ... | head -1``) means the reader has all it wanted:
    every line that could be written was written whole, so this is not a failure and
    the status is 0, as ruff does. Anything else (a full disk, an I/O error) lost
    output: one line on stderr, status 2. Either way the rest of the output goes to
    /dev/null, so the flush at exit cannot fail again.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    if isinstance(error, BrokenPipeError):
        return EXIT_CLEAN
    reason = error.strerror or error.__class__.__name__
    with contextlib.suppress(OSError, ValueError):
        click.echo(f"notelint: error: cannot write the output ({reason})", err=True)
    return EXIT_ERROR


def _write_whole(out: Any, line: str) -> None:
    """Write and flush one output line with SIGINT and SIGTERM held back, so that an
    interrupt lands between lines and never leaves a partial one."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        out.write(line)
        out.flush()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _utf8(stream: TextIO) -> None:
    """Make ``stream`` write UTF-8, whatever the locale or ``PYTHONIOENCODING`` say: the
    output contract is UTF-8, and a source may hold any character (a file name that is
    not UTF-8 is shown with its surrogate escapes, ``caf\\udce9.txt``)."""
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if encoding != "utf8" and hasattr(stream, "reconfigure"):
        with contextlib.suppress(OSError, ValueError):
            stream.reconfigure(encoding="utf-8", errors="strict")


def _terminate(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def main() -> None:
    """Console entry point: no traceback and no partial output line on interrupt,
    termination, a closed pipe (``| head``) or an internal error."""
    global _OWN_PROCESS
    _OWN_PROCESS = True
    signal.signal(signal.SIGTERM, _terminate)
    if sys.stdout is not None:
        _utf8(sys.stdout)
        sys.stdout = cast(TextIO, _Output(sys.stdout))
    try:
        code = _run()
    except SystemExit as exc:
        code = exc.code
    _exit(code)


def _run() -> int:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return EXIT_ERROR
    except click.exceptions.Abort:
        return 130
    except KeyboardInterrupt:
        return 130
    except OutputError as exc:
        return _output_failed(exc.error)
    except Exception as exc:
        if os.environ.get("NOTELINT_DEBUG"):
            raise
        click.echo(f"notelint: internal error ({exc.__class__.__name__}); "
                   "run with --debug for details", err=True)
        return EXIT_ERROR
    return EXIT_CLEAN


def _exit(code: Any) -> None:
    """Exit with ``code`` (as ``sys.exit`` reads it), skipping the interpreter's teardown
    when only the main thread is left.

    Freeing a loaded pipeline object by object at exit (vocabulary, matchers,
    regexes) takes a third of a second or more, a fifth of a one-note run. With
    no other thread to wait for, the output is flushed, the ``atexit`` handlers
    run, and the process ends with ``os._exit``; otherwise (the service, Spark,
    or under a profiler, debugger or coverage tracer, which write their results
    after ``main`` returns) Python exits as usual.
    """
    from notelint.budget import watchdog_thread

    others = threading.active_count() - bool((w := watchdog_thread()) and w.is_alive())
    if others > 1 or sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)
    status = code if isinstance(code, int) else 0 if code is None else EXIT_ERROR
    if not isinstance(code, int) and code is not None:
        sys.stderr.write(f"{code}\n")  # what sys.exit prints for a message
    try:
        sys.stdout.flush()
    except OutputError as exc:  # what a command left in the buffer
        status = _output_failed(exc.error)
    except (OSError, ValueError):  # not the notelint command's stdout; a closed stream
        pass
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(status)


def _deprecated_severity(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--severity``, the failing threshold's old name: still works, with a warning."""
    if value is not None:
        click.echo("notelint: warning: --severity is deprecated; use --fail-on (the configuration's "
                   "key is fail-on too)", err=True)
    return value


def _options(*options: Any) -> Any:
    """One decorator applying ``options`` in the order written (the order of ``--help``)."""
    def apply(func: Any) -> Any:
        for option in reversed(options):
            func = option(func)
        return func

    return apply


# the options check and query share
_output_file = click.option("--output-file", "-o", type=click.Path(dir_okay=False, writable=True),
                            help="Write the output to this file, not standard output.")
_claims = _options(
    click.option("--code", "claimed", multiple=True, metavar="CODE",
                 help="A claimed ICD-10-CM code for every note (repeatable)."),
    click.option("--select", multiple=True,
                 help="Only these rules (codes or prefixes, e.g. NL2; ALL for every rule)."),
    click.option("--ignore", multiple=True, help="Skip these rules (codes or prefixes)."))
_run_settings = _options(
    click.option("--quiet", "-q", is_flag=True, help="No progress display on stderr."),
    click.option("--config", "config_file", type=click.Path(dir_okay=False),
                 help="Configuration file (default: notelint.toml or pyproject.toml, found upward)."),
    click.option("--bilateral", type=click.Choice(["right-left", "multiple-sites"]), default=None,
                 help="Same site on both sides: right and left codes, or M62.49."))


@cli.command()
@click.argument("paths", nargs=-1)
@_with_common
@click.option("--format", "fmt",
              type=click.Choice(["text", "json", "jsonl", "sarif", "html", "csv"]),
              default="text", show_default=True, help="Output format (csv: one row per finding).")
@_output_file
@_claims
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None,
              help="Lowest severity that makes the exit status 1 [default: the configuration's "
                   "fail-on, or warning].")
@click.option("--severity", type=click.Choice(["error", "warning", "info"]), default=None,
              callback=_deprecated_severity, hidden=True,
              help="Deprecated: the old name of --fail-on.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True,
              help="Counts only: findings per rule and verdicts, most frequent first (text format).")
@click.option("--show-source/--no-show-source", default=True, show_default=True,
              help="Show each finding's line of the note with a caret under it (text format).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
              help="Report only findings this baseline file does not record.")
@click.option("--show-baselined", is_flag=True,
              help="With --baseline: report recorded findings too, marked as baselined.")
@click.option("--write-baseline", "write_baseline", type=click.Path(dir_okay=False),
              help="Record the findings of this run in a baseline file (no note text, hashes only).")
@click.option("--reviewer", help="With --write-baseline: who reviewed the findings "
                                 "[default: NOTELINT_REVIEWER, or the login name].")
@click.option("--reason", default="reviewed and accepted", show_default=True,
              help="With --write-baseline: why the findings are accepted.")
@_run_settings
def check(paths: tuple[str, ...], encoding: str | None, max_chars: int, jobs: int,
          timeout: float, fmt: str, output_file: str | None,
          claimed: tuple[str, ...], select: tuple[str, ...], ignore: tuple[str, ...],
          fail_on: str | None, severity: str | None, exit_zero: bool, statistics: bool,
          show_source: bool, baseline_file: str | None, show_baselined: bool,
          write_baseline: str | None, reviewer: str | None, reason: str, quiet: bool,
          config_file: str | None, bilateral: str | None) -> None:
    """Lint notes (.txt files, folders, - for stdin, .jsonl, FHIR .json; default: the current
    folder) against the M62.4- rules."""
    from notelint.report import baseline
    from notelint.rules import SEVERITY_ORDER

    if baseline_file and write_baseline:
        raise click.UsageError("--baseline and --write-baseline cannot be used together "
                               "(--write-baseline keeps the entries its file already holds)")
    if show_baselined and not baseline_file:
        raise click.UsageError("--show-baselined needs --baseline FILE")
    try:
        conf = run_config(config_file, select, ignore, bilateral)
        codes = _validated_codes(claimed)
        known = baseline.Baseline(baseline.load(baseline_file), conf.enabled) if baseline_file else None
        recorder = (baseline.Recorder(baseline.load(write_baseline) if os.path.exists(write_baseline) else [],
                                      reviewer or baseline.default_reviewer(), reason,
                                      enabled=conf.enabled)
                    if write_baseline else None)
    except NotelintError as exc:
        fail(str(exc))
    threshold = SEVERITY_ORDER[fail_on or severity or conf.fail_on]
    failing = input_errors = 0

    def tally(pairs: Iterator[tuple[dict[str, Any], str]]) -> Iterator[tuple[dict[str, Any], str]]:
        nonlocal failing, input_errors
        for result, text in pairs:
            input_errors += result["error"] is not None
            failing += sum(SEVERITY_ORDER[f["severity"]] >= threshold
                           for f in result["findings"] if not f.get("baselined"))
            yield result, text

    # each note's text is kept only as long as its result is in the pipeline, and only where
    # the output needs it (source lines, the HTML page, SARIF and baseline fingerprints)
    keep_text = (fmt in ("html", "sarif") or (fmt == "text" and show_source and not statistics)
                 or known is not None or recorder is not None)
    texts: deque[str] = deque()
    results = _results(paths or (".",), conf, codes, encoding, max_chars, jobs,
                       texts if keep_text else None, timeout)
    pairs: Iterator[tuple[dict[str, Any], str]] = (
        (result, texts.popleft() if keep_text else "") for result in results)
    if known is not None:
        pairs = known.filter(pairs, show_baselined)
    pairs = tally(pairs)
    if not quiet and sys.stderr.isatty():
        from notelint.interfaces.progress import progress

        pairs = progress(pairs, sys.stderr)
    if recorder is not None:
        _record_baseline(recorder, pairs, write_baseline)
        sys.exit(EXIT_ERROR if input_errors else EXIT_CLEAN)
    with _output(output_file) as out:
        _write_results(fmt, pairs, out, statistics, show_source, known, show_baselined)
    if input_errors:
        for_stderr = "input error" if input_errors == 1 else "input errors"
        click.echo(f"notelint: {input_errors} {for_stderr}; see the results", err=True)
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if failing and not exit_zero else EXIT_CLEAN)


@cli.command()
@click.argument("paths", nargs=-1)
@_with_common
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text",
              show_default=True, help="Output format.")
@_output_file
@_claims
@_run_settings
def query(paths: tuple[str, ...], encoding: str | None, max_chars: int, jobs: int,
          timeout: float, fmt: str, output_file: str | None, claimed: tuple[str, ...],
          select: tuple[str, ...], ignore: tuple[str, ...], quiet: bool,
          config_file: str | None, bilateral: str | None) -> None:
    """Draft provider queries for notes (the same inputs as check): one per open question.

    Exit status 0 when the notes were read (queries are drafts for a person, not failures),
    2 for a usage, configuration or input error.
    """
    from notelint.report import output

    try:
        conf = run_config(config_file, select, ignore, bilateral)
        codes = _validated_codes(claimed)
    except NotelintError as exc:
        fail(str(exc))
    input_errors = 0

    def counted(pairs: Iterator[tuple[dict[str, Any], str]]) -> Iterator[tuple[dict[str, Any], str]]:
        nonlocal input_errors
        for result, text in pairs:
            input_errors += result["error"] is not None
            yield result, text

    keep_text = fmt == "html"
    texts: deque[str] = deque()
    results = _results(paths or (".",), conf, codes, encoding, max_chars, jobs,
                       texts if keep_text else None, timeout)
    pairs = counted((result, texts.popleft() if keep_text else "") for result in results)
    if not quiet and sys.stderr.isatty():
        from notelint.interfaces.progress import progress

        pairs = progress(pairs, sys.stderr)
    with _output(output_file) as out:
        if fmt == "json":
            output.write_json((result for result, _ in pairs), out)
        elif fmt == "html":
            from notelint.report import html

            html.write(pairs, out)
        else:
            report = output.QueryReport(out)
            for result, _ in pairs:
                report.add(result)
            report.close()
    if input_errors:
        for_stderr = "input error" if input_errors == 1 else "input errors"
        click.echo(f"notelint: {input_errors} {for_stderr}; see the results", err=True)
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_CLEAN)


@contextlib.contextmanager
def _output(output_file: str | None) -> Iterator[Any]:
    """Standard output, or ``-o FILE`` opened for writing (UTF-8), closed at the end."""
    if not output_file:
        yield sys.stdout
        return
    try:
        handle = open(output_file, "w", encoding="utf-8", newline="")  # noqa: SIM115
    except OSError as exc:
        fail(f"{output_file}: cannot write the output ({exc.strerror or exc.__class__.__name__})")
    with handle:
        yield _Output(handle)


def _write_results(fmt: str, pairs: Iterator[tuple[dict[str, Any], str]], out: Any, statistics: bool,
                   show_source: bool, known: Any, show_baselined: bool) -> None:
    """Write the results of ``pairs`` (each with its note's text, when kept) in ``fmt``."""
    from notelint.report import output

    results = (result for result, _ in pairs)
    if fmt == "json":
        output.write_json(results, out)
    elif fmt == "sarif":
        from notelint.report import sarif

        sarif.write(pairs, out)
    elif fmt == "html":
        from notelint.report import html

        html.write(pairs, out)
    elif fmt == "csv":
        from notelint.report import csvqueue as csvout

        csvout.write(results, out, baselined=show_baselined)
    elif fmt == "jsonl":
        for result in results:
            _write_whole(out, output.json_line(result))
    else:
        report = output.TextReport(out, statistics, show_source)
        for result, text in pairs:
            report.add(result, text)
        if known is not None:
            _baseline_report(known, out)
        report.close()
        return
    if known is not None:
        for entry in known.stale():
            click.echo(f"notelint: stale baseline entry: {one_line(entry.source)} {entry.rule} "
                       f"{entry.fingerprint} (no longer found)", err=True)


def _baseline_report(known: Any, out: Any) -> None:
    """The text report's baseline lines: how many findings it accounted for, and each stale entry."""
    stale = known.stale()
    out.write(f"Baseline: {known.matched} finding{'s' if known.matched != 1 else ''} recorded as reviewed, "
              f"{len(stale)} stale entr{'ies' if len(stale) != 1 else 'y'}"
              f"{' (rewrite the baseline to drop them):' if stale else '.'}\n")
    for entry in stale:
        out.write(f"  {one_line(entry.source)}: {entry.rule} {entry.fingerprint} reviewed by "
                  f"{one_line(entry.reviewer)} on {one_line(entry.date)}: no longer found\n")
    out.write("\n")


def _record_baseline(recorder: Any, pairs: Iterator[tuple[dict[str, Any], str]], path: str) -> None:
    """``--write-baseline``: record every finding of the run and write the file; one line
    on standard output says what it holds."""
    from notelint.report import baseline

    for result, text in pairs:
        recorder.add(result, text)
    entries, outside, dropped = recorder.all_entries()
    try:
        baseline.save(path, entries)
    except NotelintError as exc:
        fail(str(exc))
    new = len(recorder.entries) - recorder.kept
    click.echo(f"Wrote {len(entries)} baseline entr{'ies' if len(entries) != 1 else 'y'} to "
               f"{one_line(path)}: {new} new, {recorder.kept} kept as reviewed before, "
               f"{outside} of notes not linted in this run; {dropped} stale dropped.")


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@_with_common
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl"]), default="table",
              show_default=True, help="Output format.")
def extract(paths: tuple[str, ...], encoding: str | None, max_chars: int, jobs: int,
            timeout: float, fmt: str) -> None:
    """Print the evidence notelint extracts from notes (no rules)."""
    from notelint.config import Config
    from notelint.report import output

    results = _results(paths, Config(), [], encoding, max_chars, jobs, timeout=timeout)
    out = sys.stdout
    errors = 0

    def counted(results: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        nonlocal errors
        for result in results:
            errors += result["error"] is not None
            yield result

    if fmt == "json":
        output.write_json(counted(results), out)
    else:
        for result in counted(results):
            if fmt == "jsonl":
                _write_whole(out, output.json_line(result))
            else:
                output.evidence_table(result, out)
    sys.exit(EXIT_ERROR if errors else EXIT_CLEAN)


@cli.command("summary")
@click.argument("results_file", metavar="RESULTS", default="-")
@click.option("--by", type=click.Choice(["provider", "specialty", "facility", "vendor", "rule", "verdict"]),
              default="provider", show_default=True, help="What to group the notes by.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="Output format.")
@click.option("--output-file", "-o", type=click.Path(dir_okay=False, writable=True),
              help="Write the summary to this file, not standard output.")
def summary_cmd(results_file: str, by: str, fmt: str, output_file: str | None) -> None:
    """Count results (of 'check --format jsonl' or json; - for stdin) by provider, specialty,
    facility, vendor, rule or verdict: notes, applicable notes, verdicts, findings by rule."""
    import io

    from notelint.io.files import open_regular
    from notelint.report import summary

    try:
        stream = sys.stdin.buffer if results_file == "-" else open_regular(results_file)
    except OSError as exc:
        fail(f"{results_file}: cannot read ({exc.strerror or exc.__class__.__name__})")
    try:
        with io.TextIOWrapper(stream, encoding="utf-8") as text:
            counted = summary.summarize(summary.read(text, results_file), by)
    except NotelintError as exc:
        fail(str(exc))
    except UnicodeDecodeError:
        fail(f"{results_file}: not UTF-8")
    with _output(output_file) as out:
        summary.write(counted, fmt, out)


@cli.command("rule")
@click.argument("code")
def rule_cmd(code: str) -> None:
    """Explain one rule: what it flags, why, an example, the fix, the reference."""
    from notelint.report.ruledocs import rule_text
    from notelint.rules import RULES

    spec = RULES.get(code.upper())
    if spec is None:
        fail(f"unknown rule {code!r}; see 'notelint rules'")
    click.echo(rule_text(spec))


@cli.command("rules")
def rules_cmd() -> None:
    """List every rule with its code, name and default severity."""
    from notelint.rules import RULES

    for spec in RULES.values():
        click.echo(f"{spec.code}  {spec.name:<28} {spec.severity:<8} {spec.summary}")


cli.add_command(serve)
cli.add_command(batch)

if __name__ == "__main__":
    main()
