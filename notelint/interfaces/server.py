"""``notelint serve``: run the HTTP service (:mod:`notelint.interfaces.service`) under uvicorn.

It binds to loopback unless ``--allow-remote`` is given: notes are patient
records, and a service that lints them belongs behind the caller's own TLS
proxy and access control, not on an open port.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from typing import Any

import click

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain",
                            "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "notelint": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


HEADER_BYTES = 64 * 1024  # the most a request's line and headers may take


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback name or address."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Lint processes; each loads the pipeline once. One more process serves HTTP "
                   "and lints nothing, so /healthz never waits for a note.")
@click.option("--allow-remote", is_flag=True, help="Allow binding to a non-loopback address.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Configuration file (default: pyproject.toml [tool.notelint] or notelint.toml).")
@click.option("--max-bytes", type=click.IntRange(min=1), default=1_000_000, show_default=True,
              help="Largest request body of one note (/v1/lint, FHIR); larger is 413.")
@click.option("--max-batch-bytes", type=click.IntRange(min=1), default=64_000_000, show_default=True,
              help="Largest /v1/lint/batch body; larger is 413.")
@click.option("--max-chars", type=click.IntRange(min=1), default=1_000_000, show_default=True,
              help="Largest note, in characters, that is linted.")
@click.option("--max-concurrent", type=click.IntRange(min=1), default=None,
              help="POST requests read and linted at once; more wait, their bodies unread "
                   "(memory: at most this many bodies) [default: 2, or --workers if more].")
@click.option("--max-connections", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Open connections; beyond it a new one gets 503.")
@click.option("--keep-alive", type=click.IntRange(min=1), default=5, show_default=True,
              help="Seconds an idle keep-alive connection stays open.")
@click.option("--header-timeout", type=click.FloatRange(min=0, min_open=True), default=5,
              show_default=True, metavar="SECONDS",
              help="Seconds a client has to send a request's line and headers; then the "
                   "connection is closed.")
@click.option("--timeout", type=click.FloatRange(min=0), default=60, show_default=True,
              metavar="SECONDS",
              help="Time budget of one note; a note over it is a 'timeout' error result (0: none).")
@click.option("--no-access-log", is_flag=True, help="No access-log lines on stderr.")
def serve(host: str, port: int, workers: int, allow_remote: bool, config_file: str | None,
          max_bytes: int, max_batch_bytes: int, max_chars: int, max_concurrent: int | None,
          max_connections: int, keep_alive: int, header_timeout: float, timeout: float,
          no_access_log: bool) -> None:
    """Serve the linter over HTTP (POST /v1/lint, /v1/lint/batch, /v1/fhir/DocumentReference)."""
    if not is_loopback(host) and not allow_remote:
        raise click.BadParameter(f"{host} is not a loopback address; notes are patient records: "
                                 "pass --allow-remote to serve beyond this machine", param_hint="--host")
    try:
        import uvicorn

        from notelint.interfaces.service import SETTINGS_ENV, Settings
    except ImportError:
        click.echo('notelint: error: the service needs its extra: pip install "notelint[serve]"',
                   err=True)
        sys.exit(2)
    from notelint import config
    from notelint.errors import NotelintError

    try:  # a bad file is a usage error here, not a worker that fails to load
        config.load(config_file)
    except NotelintError as exc:
        click.echo(f"notelint: error: {exc}", err=True)
        sys.exit(2)
    from notelint.interfaces.protocol import with_header_timeout

    settings = Settings(config_file, max_bytes, max_batch_bytes, max_chars,
                        max_concurrent or max(2, workers), workers, timeout)
    os.environ[SETTINGS_ENV] = settings.to_env()
    log_config = {**LOG_CONFIG, "loggers": {
        **LOG_CONFIG["loggers"],
        "notelint.access": {"handlers": [] if no_access_log else ["stderr"], "level": "INFO",
                            "propagate": False}}}
    # one uvicorn process: the lint processes are the service's own pool (LintPool)
    uvicorn.run("notelint.interfaces.service:app_from_env", factory=True, host=host, port=port,
                workers=1, access_log=False, log_config=log_config, server_header=False,
                limit_concurrency=max_connections, timeout_keep_alive=keep_alive,
                h11_max_incomplete_event_size=HEADER_BYTES,
                http=with_header_timeout(header_timeout))
