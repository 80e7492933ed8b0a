"""notelint's version, in one place (the package, the reports and the pipeline's meta read it)."""

__version__ = "0.1.0"
