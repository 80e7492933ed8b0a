"""The ways in: the command line, the Python API, the HTTP service and Spark."""
