"""From the pipeline's Doc to a note's evidence: its contracture problems with their site, side,
kind and the measurements, basis and causes that belong to each."""
