"""Configuration: ``[tool.notelint]`` of pyproject.toml, or ``notelint.toml``, or ``--config FILE``.

Keys: ``select`` and ``ignore`` (rule codes or prefixes such as ``NL2``; ``ALL`` is every
rule, so ``select = ["ALL"]`` with ``ignore = ["NL6"]`` is every rule but NL6),
``severity`` (a table of rule code -> error/warning/info), ``bilateral``
(``"right-left"``, the default, or ``"multiple-sites"``), ``fail-on``
(the lowest severity that makes the exit status 1, as ``--fail-on`` on the command line;
``severity = "error"``, a level rather than a table, is read as ``fail-on`` with a
deprecation warning).
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from notelint.errors import ConfigError
from notelint.io import files

if TYPE_CHECKING:
    from pydantic import BaseModel

SEVERITIES = ("error", "warning", "info")
BILATERAL = ("right-left", "multiple-sites")
KEYS = {"select", "ignore", "severity", "bilateral", "fail-on"}
MAX_BYTES = 1_000_000  # no more is read of a configuration file (never /dev/zero without end)


def _rules() -> tuple[str, ...]:
    from notelint.rules import RULES

    return tuple(RULES)


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _split(value: Any) -> Any:
    """``"NL2, NL4"`` is ``["NL2", "NL4"]``; a list is itself."""
    return [v for v in value.split(",") if v.strip()] if isinstance(value, str) else value


ALL = "ALL"  # every rule (ruff's spelling); the shortest prefix, so any code or prefix outranks it


def _selector(code: str) -> str:
    if code == ALL:
        return code
    if not code or not any(rule.startswith(code) for rule in _rules()):
        raise ValueError(f"{code!r} matches no rule (a rule code such as NL201, a prefix such as NL2, "
                         "or ALL)")
    return code


def _rule_code(code: str) -> str:
    if code not in _rules():
        raise ValueError(f"{code!r} is not a rule code (see 'notelint rules')")
    return code


Severity = Literal["error", "warning", "info"]
DEFAULTS = {"select": [], "ignore": [], "severity": {}, "bilateral": "right-left",
            "fail-on": "warning"}


@cache
def table_model() -> type[BaseModel]:
    """The one validation of settings, wherever they come from: ``notelint.toml``,
    ``[tool.notelint]`` of pyproject.toml, the command line's options, the Python API's
    mapping or :class:`Config` itself. Unknown keys, wrong types, unknown rule codes and
    prefixes are each an error naming the key. Built on first use: pydantic's model
    machinery costs a tenth of a second of start-up that a run with default settings skips."""
    from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, create_model

    selector = Annotated[str, BeforeValidator(_upper), AfterValidator(_selector)]
    selectors = Annotated[list[selector], BeforeValidator(_split)]  # type: ignore[valid-type]
    rule_code = Annotated[str, BeforeValidator(_upper), AfterValidator(_rule_code)]
    return create_model(
        "Table",
        __config__=ConfigDict(extra="forbid", strict=True, populate_by_name=True, frozen=True),
        select=(selectors, Field(default_factory=list)),
        ignore=(selectors, Field(default_factory=list)),
        severity=(dict[rule_code, Severity], Field(default_factory=dict)),  # type: ignore[valid-type]
        bilateral=(Literal["right-left", "multiple-sites"], "right-left"),
        fail_on=(Severity, Field("warning", alias="fail-on")),
    )


def _key(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location if isinstance(part, str) and part != "[key]")


def validate(data: Any, where: str) -> Any:
    """``data`` (a ``[tool.notelint]`` table) checked, as a :func:`table_model`;
    :class:`ConfigError` naming ``where`` (the file, or the option) and the key, in one line,
    for the first problem."""
    from pydantic import ValidationError

    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the settings must be a table, not {type(data).__name__}")
    data = _threshold_alias(data, where)
    try:
        return table_model().model_validate(data)
    except ValidationError as exc:
        problem = exc.errors(include_url=False, include_input=False)[0]
        key = _key(problem["loc"]) or "settings"
        if problem["type"] == "extra_forbidden":
            raise ConfigError(f"{where}: unknown key {key!r}; allowed: {sorted(KEYS)}") from None
        message = problem["msg"].removeprefix("Value error, ").replace("\n", " ")
        raise ConfigError(f"{where}: {key!r}: {message}") from None


def _threshold_alias(data: dict[str, Any], where: str) -> dict[str, Any]:
    """``severity = "error"`` (a level, not a table): the failing threshold under the CLI's
    old option name. Still read, as ``fail-on`` (unless that is given too), with a
    deprecation warning on stderr; ``severity`` is the table of per-rule levels."""
    value = data.get("severity")
    if not (isinstance(value, str) and value in SEVERITIES):
        return data
    from notelint.errors import one_line

    sys.stderr.write(f"notelint: warning: {one_line(where)}: 'severity = \"{value}\"' as the failing "
                     f"threshold is deprecated; write 'fail-on = \"{value}\"' (severity is the table "
                     "of per-rule levels)\n")
    rest = {key: item for key, item in data.items() if key != "severity"}
    return {**rest, "fail-on": data.get("fail-on", value)}


@dataclass(frozen=True)
class Config:
    """The settings of one run. Checked as a table is (:func:`validate`) when made, however
    it is made (``replace`` included); codes are kept upper-case."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    bilateral: str = "right-left"
    fail_on: str = "warning"
    path: str | None = None

    def __post_init__(self) -> None:
        data = {"select": list(self.select), "ignore": list(self.ignore),
                "severity": dict(self.severity), "bilateral": self.bilateral,
                "fail-on": self.fail_on}
        if data == DEFAULTS:
            return  # the defaults are valid settings: no validation to build for them
        table = validate(data, self.path or "Config")
        object.__setattr__(self, "select", tuple(table.select))
        object.__setattr__(self, "ignore", tuple(table.ignore))
        object.__setattr__(self, "severity", dict(table.severity))

    def enabled(self, code: str) -> bool:
        """Whether a rule is on after ``select`` and ``ignore``: the longest prefix that covers
        it wins, and ``ignore`` wins a tie (the same code or prefix in both), as in ruff."""
        best_select = max((_length(p) for p in self.select if _covers(p, code)), default=-1)
        best_ignore = max((_length(p) for p in self.ignore if _covers(p, code)), default=-1)
        if self.select and best_select < 0:
            return False
        return best_ignore < best_select if best_ignore >= 0 else True

    def severity_of(self, code: str, default: str) -> str:
        """The configured severity of a rule, or its default."""
        return self.severity.get(code, default)


def _covers(selector: str, code: str) -> bool:
    return selector == ALL or code.startswith(selector)


def _length(selector: str) -> int:
    return 0 if selector == ALL else len(selector)


def from_mapping(data: Any, where: str) -> Config:
    """Validate a ``[tool.notelint]`` table (see :func:`validate`)."""
    table = validate(data, where)
    return Config(select=tuple(table.select), ignore=tuple(table.ignore), severity=dict(table.severity),
                  bilateral=table.bilateral, fail_on=table.fail_on, path=where)


def config_of(config: Config | Mapping[str, Any] | None) -> Config:
    """The settings an API caller gave: the defaults for None, a :class:`Config` as it is, and a
    mapping shaped like a ``[tool.notelint]`` table checked as one (:class:`ConfigError`)."""
    if config is None:
        return Config()
    if isinstance(config, Config):
        return config
    return from_mapping(dict(config), "config")


def selectors(values: Iterable[str], option: str) -> tuple[str, ...]:
    """Rule codes or prefixes given on the command line (``--select NL2,NL4``), checked as
    the ``select`` key of a file is; errors name ``option``."""
    try:
        return tuple(validate({"select": [v for value in values for v in _split(value)]}, option).select)
    except ConfigError as exc:
        raise ConfigError(str(exc).replace(" 'select':", "", 1)) from None


def _tool_table(data: dict[str, Any], where: Path) -> dict[str, Any] | None:
    """The ``[tool.notelint]`` table of a TOML document, None when it has none."""
    tool = data.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise ConfigError(f"{where}: 'tool' must be a table, not {type(tool).__name__}")
    table = tool.get("notelint")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{where}: 'tool.notelint' must be a table, not {type(table).__name__}")
    return table


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
    except RecursionError:  # tomllib recurses per level of nesting
        raise ConfigError(f"{path}: not valid TOML (nested too deeply)") from None
    except ValueError:  # an integer of over 4,300 digits (the interpreter's limit)
        raise ConfigError(f"{path}: not valid TOML (a number too long to read)") from None


def load_file(path: Path) -> Config:
    """Read a ``notelint.toml`` (top level) or ``pyproject.toml`` (``[tool.notelint]``)."""
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        return from_mapping(_tool_table(data, path) or {}, f"{path} [tool.notelint]")
    table = _tool_table(data, path) if isinstance(data.get("tool"), dict) else None
    if table is not None:
        return from_mapping(table, f"{path} [tool.notelint]")
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
            table = _tool_table(_read_toml(project), project)
            if table is not None:
                return from_mapping(table, f"{project} [tool.notelint]")
    return Config()
