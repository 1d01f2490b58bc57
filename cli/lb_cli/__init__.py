"""lb: the leaders-board command-line client (see docs/cli.md)."""
