"""The maze benchmark's lab book: notebooks 00–04 (see README.md) and their runner, ``experiments.run``."""
