"""The declared Python versions are the ones tested: CI runs the README's commands on
python3.11, so requires-python admits 3.11 and nothing else (on 3.12 medspacy 1.3.1 needs a
spaCy that scispaCy's pins exclude; 3.10 lacks tomllib). Widening it needs a CI run on each
version it adds."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_requires_python_admits_exactly_the_tested_version() -> None:
    declared = SpecifierSet(PROJECT["requires-python"])
    admitted = [f"3.{minor}" for minor in range(6, 20) if f"3.{minor}" in declared]
    assert admitted == ["3.11"]
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in admitted


def test_the_readme_installs_with_the_tested_python() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [line for line in readme.splitlines() if "-m venv .venv" in line]
    assert commands and all(line.startswith("python3.11 -m venv") for line in commands)


def test_the_wheel_holds_no_benchmarks_or_evaluation() -> None:
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    packages = setup["packages"]
    assert all(p == "notelint" or p.startswith("notelint.") for p in packages)
    assert {"notelint.nlp", "notelint.evidence", "notelint.rules", "notelint.result", "notelint.io",
            "notelint.report", "notelint.interfaces"} <= set(packages)
