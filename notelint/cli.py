"""The ``notelint`` command line: check, query, extract, rule, rules, serve.

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

from notelint import __version__
from notelint.batch import batch  # its own module: pyspark loads only when it runs
from notelint.errors import NotelintError
from notelint.serve import serve

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
_OWN_PROCESS = False  # set by main(): the process is the notelint command's own


def _fail(message: str) -> None:
    from notelint.errors import one_line

    click.echo(f"notelint: error: {one_line(message)}", err=True)
    sys.exit(EXIT_ERROR)


def _config(config_file: str | None, select: tuple[str, ...], ignore: tuple[str, ...],
            bilateral: str | None) -> Any:
    """The run's settings: the configuration file's, then the options', each checked by
    the one validation of :mod:`notelint.config` (errors name the file or the option)."""
    from dataclasses import replace

    from notelint import config as cfg

    conf = cfg.load(config_file)
    changes: dict[str, Any] = {}
    if select:
        changes["select"] = cfg.selectors(select, "--select")
    if ignore:
        changes["ignore"] = conf.ignore + cfg.selectors(ignore, "--ignore")
    if bilateral:
        changes["bilateral"] = bilateral
    return replace(conf, **changes)


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
        from notelint import inputs
        from notelint.parallel import lint_many
        from notelint.pipeline import default_pipeline

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
    from notelint.inputs import encoding_problem

    problem = encoding_problem(value)
    if problem:
        raise click.BadParameter(problem)
    return value


_common = [
    click.argument("paths", nargs=-1, required=True),
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


# the options of a run that lints (check, query), after the format
_linting = [
    click.option("--code", "claimed", multiple=True, metavar="CODE",
                 help="A claimed ICD-10-CM code for every note (repeatable)."),
    click.option("--select", multiple=True, help="Only these rules (codes or prefixes, e.g. NL2)."),
    click.option("--ignore", multiple=True, help="Skip these rules (codes or prefixes)."),
]
_run_settings = [
    click.option("--quiet", "-q", is_flag=True, help="No progress display on stderr."),
    click.option("--config", "config_file", type=click.Path(dir_okay=False),
                 help="Configuration file (default: notelint.toml or pyproject.toml, found upward)."),
    click.option("--bilateral", type=click.Choice(["right-left", "multiple-sites"]), default=None,
                 help="Same site on both sides: right and left codes, or M62.49."),
]


def _with(options: list[Any]) -> Any:
    def apply(func: Any) -> Any:
        for decorator in reversed(options):
            func = decorator(func)
        return func

    return apply


def _shown(results: Iterator[dict[str, Any]], quiet: bool) -> Iterator[dict[str, Any]]:
    """``results`` with the progress display on a terminal's stderr, unless ``quiet``."""
    if not quiet and sys.stderr.isatty():
        from notelint.progress import progress

        return progress(results, sys.stderr)
    return results


def _exit_on_input_errors(count: int) -> None:
    """Exit 2, saying so on stderr, when inputs could not be linted."""
    if count:
        for_stderr = "input error" if count == 1 else "input errors"
        click.echo(f"notelint: {count} {for_stderr}; see the results", err=True)
        sys.exit(EXIT_ERROR)


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


@cli.command()
@_with_common
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl", "sarif", "html"]),
              default="text", show_default=True, help="Output format.")
@_with(_linting)
@click.option("--severity", type=click.Choice(["error", "warning", "info"]), default=None,
              help="Lowest severity that makes the exit status 1 [default: warning].")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Count findings per rule (text format).")
@_with(_run_settings)
def check(paths: tuple[str, ...], encoding: str | None, max_chars: int, jobs: int,
          timeout: float, fmt: str,
          claimed: tuple[str, ...], select: tuple[str, ...], ignore: tuple[str, ...],
          severity: str | None, exit_zero: bool, statistics: bool, quiet: bool,
          config_file: str | None,
          bilateral: str | None) -> None:
    """Lint notes (.txt files, folders, - for stdin, .jsonl, FHIR .json) against the M62.4- rules."""
    from notelint import output
    from notelint.rules import SEVERITY_ORDER

    try:
        conf = _config(config_file, select, ignore, bilateral)
        codes = _validated_codes(claimed)
    except NotelintError as exc:
        _fail(str(exc))
    threshold = SEVERITY_ORDER[severity or conf.fail_on]
    failing = input_errors = 0

    def tally(results: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        nonlocal failing, input_errors
        for result in results:
            input_errors += result["error"] is not None
            failing += sum(SEVERITY_ORDER[f["severity"]] >= threshold for f in result["findings"])
            yield result

    texts: deque[str] = deque()  # filled as notes are read, for the HTML report only
    results = _shown(tally(_results(paths, conf, codes, encoding, max_chars, jobs,
                                    texts if fmt == "html" else None, timeout)), quiet)
    out = sys.stdout
    if fmt == "json":
        output.write_json(results, out)
    elif fmt == "sarif":
        from notelint import sarif

        sarif.write(results, out)
    elif fmt == "html":
        from notelint import html

        html.write(((result, texts.popleft()) for result in results), out)
    elif fmt == "jsonl":
        for result in results:
            _write_whole(out, output.json_line(result))
    else:
        report = output.TextReport(out, statistics)
        for result in results:
            report.add(result)
        report.close()
    _exit_on_input_errors(input_errors)
    sys.exit(EXIT_FINDINGS if failing and not exit_zero else EXIT_CLEAN)


@cli.command()
@_with_common
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text",
              show_default=True, help="Output format.")
@_with(_linting)
@_with(_run_settings)
def query(paths: tuple[str, ...], encoding: str | None, max_chars: int, jobs: int,
          timeout: float, fmt: str, claimed: tuple[str, ...], select: tuple[str, ...],
          ignore: tuple[str, ...], quiet: bool, config_file: str | None,
          bilateral: str | None) -> None:
    """Draft provider queries for notes (the same inputs as check): one per open question.

    Exit status 0 when the notes were read (queries are drafts for a person, not failures),
    2 for a usage, configuration or input error.
    """
    from notelint import output

    try:
        conf = _config(config_file, select, ignore, bilateral)
        codes = _validated_codes(claimed)
    except NotelintError as exc:
        _fail(str(exc))
    input_errors = 0

    def counted(results: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        nonlocal input_errors
        for result in results:
            input_errors += result["error"] is not None
            yield result

    texts: deque[str] = deque()  # filled as notes are read, for the HTML report only
    results = _shown(counted(_results(paths, conf, codes, encoding, max_chars, jobs,
                                      texts if fmt == "html" else None, timeout)), quiet)
    out = sys.stdout
    if fmt == "json":
        output.write_json(results, out)
    elif fmt == "html":
        from notelint import html

        html.write(((result, texts.popleft()) for result in results), out)
    else:
        report = output.QueryReport(out)
        for result in results:
            report.add(result)
        report.close()
    _exit_on_input_errors(input_errors)
    sys.exit(EXIT_CLEAN)


@cli.command()
@_with_common
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl"]), default="table",
              show_default=True, help="Output format.")
def extract(paths: tuple[str, ...], encoding: str | None, max_chars: int, jobs: int,
            timeout: float, fmt: str) -> None:
    """Print the evidence notelint extracts from notes (no rules)."""
    from notelint import output
    from notelint.config import Config

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


@cli.command("rule")
@click.argument("code")
def rule_cmd(code: str) -> None:
    """Explain one rule: what it flags, why, an example, the fix, the reference."""
    from notelint.docs import rule_text
    from notelint.rules import RULES

    spec = RULES.get(code.upper())
    if spec is None:
        _fail(f"unknown rule {code!r}; see 'notelint rules'")
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
