#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leaderboard.settings")
    from django.core.management import execute_from_command_line

    from leaderboard.startup import prepare_data_dir

    prepare_data_dir()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
