"""notelint's lexicons and rules as data (see README.md); loaded by notelint.patterns_loader."""
