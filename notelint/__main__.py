"""``python -m notelint``: the command line."""

from notelint.cli import main

main()
