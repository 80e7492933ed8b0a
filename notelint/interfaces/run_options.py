"""What every notelint command shares: its exit statuses, its one-line error exit, and the run's
configuration from the configuration file and the options."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def fail(message: str) -> NoReturn:
    """Print ``message`` as the CLI's one-line error on stderr and exit with status 2."""
    from notelint.errors import one_line

    click.echo(f"notelint: error: {one_line(message)}", err=True)
    sys.exit(EXIT_ERROR)


def run_config(config_file: str | None, select: tuple[str, ...], ignore: tuple[str, ...],
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
