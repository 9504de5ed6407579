"""``python -m curriculum``: the ``curriculum`` command (how ``serve --worker`` starts one)."""

from curriculum.cli import main

main()
