"""notelint: a documentation-gap linter for ICD-10-CM M62.4- in clinical notes."""
__version__ = "0.1.0"
