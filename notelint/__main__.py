"""``python -m notelint``: the command line."""

from notelint.interfaces.cli import main

main()
