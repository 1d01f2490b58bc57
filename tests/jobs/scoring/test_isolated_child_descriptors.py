"""The scoring child's own files survive the worker's objects being finalised in it.

The child inherits the worker's Python objects (sockets, files) with the fork. Their
descriptors used to be closed at set-up, so the numbers were free: the scorer's next
``open`` reused one, and when the inherited object owning that number was finalised,
it closed the scorer's file. Under ``make run`` that file was a font, and every job
failed at its pictures with "failed to load glyph" (charged to the submission).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# A fresh interpreter, so the inherited socket deterministically holds descriptor 3: the
# number a freed table gives the child's first open().
SCRIPT = textwrap.dedent("""
    import socket, sys
    from pathlib import Path
    from jobs.scoring import isolated

    inherited = [socket.socket()]  # the worker's, e.g. a database connection
    assert inherited[0].fileno() == 3, inherited[0].fileno()

    def read_while_the_worker_objects_go(path):
        with open(path, "rb") as handle:
            inherited.clear()  # finalised in the child: it closes the number it owned
            return handle.read().decode()

    print(isolated.run(read_while_the_worker_objects_go, Path(sys.argv[1]),
                       limits=isolated.Limits(timeout_s=10, memory_mb=256)).value)
""")


def test_a_file_the_child_opens_outlives_the_workers_objects(tmp_path):
    data = tmp_path / "predictions.txt"
    data.write_text("the scorer's own file")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(data)], cwd=ROOT, capture_output=True, text=True, timeout=60, close_fds=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "the scorer's own file"
