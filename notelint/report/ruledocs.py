"""Rule documentation, generated from the rule records (``notelint rule``, README table)."""

from __future__ import annotations

from notelint.rules import RULES, Rule


def rule_text(spec: Rule) -> str:
    """The fixed headings of one rule's documentation (after ruff's rule pages)."""
    claim = "\nApplies only when an M62.4- code is claimed.\n" if spec.needs_claim else ""
    return (f"{spec.code} {spec.name} [{spec.severity}]\n{claim}\n"
            f"What it flags\n  {spec.summary}\n\n"
            f"Why it matters\n  {spec.why}\n\n"
            f"Example\n  {spec.example}\n\n"
            f"Stays silent on\n  {spec.quiet}\n\n"
            f"How to fix the documentation\n  {spec.fix}\n\n"
            f"Reference\n  {spec.reference}\n")


def rules_markdown() -> str:
    """The README's rule table."""
    rows = ["| code | name | severity | flags |", "| --- | --- | --- | --- |"]
    rows += [f"| {r.code} | {r.name} | {r.severity} | {r.summary} |" for r in RULES.values()]
    return "\n".join(rows) + "\n"


def update_readme(path: str = "README.md") -> None:
    """Rewrite the rule table between the ``rules:start`` and ``rules:end`` markers."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    head, rest = text.split("<!-- rules:start -->\n", 1)
    _, tail = rest.split("<!-- rules:end -->", 1)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f"{head}<!-- rules:start -->\n{rules_markdown()}<!-- rules:end -->{tail}")


if __name__ == "__main__":
    update_readme()
