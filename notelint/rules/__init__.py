"""The rule catalogue of RULES.md: importing this package registers every rule."""

from notelint.rules import basis, causes, claims, documentation, specificity
from notelint.rules.registry import RULES, SEVERITY_ORDER, Hit, NoteFacts, Rule

# one table, in code order, whatever the import order of the rule modules
_ordered = sorted(RULES.items())
RULES.clear()
RULES.update(_ordered)

__all__ = ["RULES", "SEVERITY_ORDER", "Hit", "NoteFacts", "Rule", "basis", "causes", "claims",
           "documentation", "specificity"]
