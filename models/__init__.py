"""The packaged notelint spaCy pipeline (built by ``python -m notelint.pipeline``)."""
