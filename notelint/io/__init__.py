"""Readers: note files, folders, stdin, JSON Lines and FHIR DocumentReferences, read with bounds
and a one-line error per bad input."""
