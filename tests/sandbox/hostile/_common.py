# Shared preamble, prepended to each hostile script by the test (not imported:
# the submission folder holds a single main.py).
import json
import os
import sys

OUTPUT = sys.argv[1]
TARGETS = json.loads(sys.argv[2])


def report(**facts):
    with open(os.path.join(OUTPUT, "result.json"), "w") as handle:
        json.dump(facts, handle)
