"""Configuration: ``[tool.notelint]`` of pyproject.toml, or ``notelint.toml``, or ``--config FILE``.

Keys: ``select`` and ``ignore`` (rule codes or prefixes such as ``NL2``),
``severity`` (a table of rule code -> error/warning/info), ``bilateral``
(``"right-left"``, the default, or ``"multiple-sites"``), ``fail-on``
(the lowest severity that makes the exit status 1).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notelint import files
from notelint.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SEVERITIES = ("error", "warning", "info")
BILATERAL = ("right-left", "multiple-sites")
KEYS = {"select", "ignore", "severity", "bilateral", "fail-on"}
MAX_BYTES = 1_000_000  # no more is read of a configuration file (never /dev/zero without end)


@dataclass(frozen=True)
class Config:
    """The settings of one run."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    bilateral: str = "right-left"
    fail_on: str = "warning"
    path: str | None = None

    def enabled(self, code: str) -> bool:
        """Whether a rule is on after ``select`` and ``ignore`` (longest prefix wins)."""
        best_select = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        best_ignore = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        if self.select and best_select < 0:
            return False
        return best_ignore <= best_select if best_ignore >= 0 else True

    def severity_of(self, code: str, default: str) -> str:
        """The configured severity of a rule, or its default."""
        return self.severity.get(code, default)


def _codes(value: Any, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of rule codes or prefixes")
    codes = tuple(v.strip().upper() for v in value)
    for code in codes:
        if not code.startswith("NL"):
            raise ConfigError(f"{where}: '{key}': {code!r} is not a rule code or prefix (NL...)")
    return codes


def from_mapping(data: dict[str, Any], where: str) -> Config:
    """Validate a ``[tool.notelint]`` table."""
    unknown = set(data) - KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r}; allowed: {sorted(KEYS)}")
    severity = data.get("severity", {})
    if not isinstance(severity, dict):
        raise ConfigError(f"{where}: 'severity' must be a table of rule code = severity")
    for code, level in severity.items():
        if level not in SEVERITIES:
            raise ConfigError(f"{where}: 'severity.{code}' must be one of {list(SEVERITIES)}")
    bilateral = data.get("bilateral", "right-left")
    if bilateral not in BILATERAL:
        raise ConfigError(f"{where}: 'bilateral' must be one of {list(BILATERAL)}")
    fail_on = data.get("fail-on", "warning")
    if fail_on not in SEVERITIES:
        raise ConfigError(f"{where}: 'fail-on' must be one of {list(SEVERITIES)}")
    return Config(
        select=_codes(data.get("select", []), where, "select"),
        ignore=_codes(data.get("ignore", []), where, "ignore"),
        severity={k.upper(): v for k, v in severity.items()},
        bilateral=bilateral,
        fail_on=fail_on,
        path=where,
    )


def _read_toml(path: Path) -> dict[str, Any]:
    """The TOML document of a configuration file: a regular file of at most
    :data:`MAX_BYTES` bytes (a FIFO or a device is an error, never a read without end)."""
    try:
        return tomllib.loads(files.read_regular(path, MAX_BYTES).decode("utf-8"))
    except FileNotFoundError as exc:
        what = "configuration file not found" if not isinstance(exc, files.BrokenLink) else exc.strerror
        raise ConfigError(f"{path}: {what}") from None
    except files.NotRegularFile as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.strerror}") from None
    except files.TooLarge:
        raise ConfigError(f"{path}: configuration file over {MAX_BYTES:,} bytes") from None
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise ConfigError(f"{path}: cannot read configuration ({reason})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: cannot read configuration (not UTF-8)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def load_file(path: Path) -> Config:
    """Read a ``notelint.toml`` (top level) or ``pyproject.toml`` (``[tool.notelint]``)."""
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("notelint", {})
    elif "tool" in data and "notelint" in data["tool"]:
        data = data["tool"]["notelint"]
    return from_mapping(data, str(path))


def load(config_file: str | Path | None) -> Config:
    """The given configuration file, or else the one :func:`discover` finds."""
    return load_file(Path(config_file)) if config_file else discover()


def discover(start: Path | None = None) -> Config:
    """The configuration found from ``start`` (default: the working directory) upward."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        own = candidate / "notelint.toml"
        if own.is_file():
            return load_file(own)
        project = candidate / "pyproject.toml"
        if project.is_file():
            data = _read_toml(project)
            if "notelint" in data.get("tool", {}):
                return from_mapping(data["tool"]["notelint"], f"{project} [tool.notelint]")
    return Config()
