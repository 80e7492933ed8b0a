"""From evidence to a result: the linter runs the pipeline, the evidence and the rules, and builds
the typed result (findings, suggested codes, verdict, provider queries, metadata)."""
