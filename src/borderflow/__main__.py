"""`python -m borderflow`: the same as the `borderflow` command."""

from borderflow.entry import main

main()
