"""Plays a worker that is *not* root (run by test_sandbox_unprivileged.py as uid 65534
with the system Python): bubblewrap then uses a user namespace and rlimits.

Usage: python unprivileged_worker.py PROJECT_ROOT WORKDIR; prints one JSON line.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, sys.argv[1])
from sandbox import ResourceClass, RunSpec, get_sandbox  # noqa: E402

WORKDIR = Path(sys.argv[2])
TINY = ResourceClass(name="tiny", timeout_s=20, memory_mb=256, cpus=1.0, max_procs=32, max_output_mb=1)
PROBE = r"""
import json, os, socket, subprocess, sys
facts = {"uid": os.getuid(), "interfaces": [n for _, n in socket.if_nameindex()]}
try:
    open("/etc/shadow").read(); facts["shadow"] = "read"
except OSError:
    facts["shadow"] = "denied"
facts["nested_userns"] = subprocess.run(["unshare", "-U", "true"], capture_output=True).returncode == 0
try:
    open(sys.argv[1] + "/../escape", "w"); facts["write_outside"] = True
except OSError:
    facts["write_outside"] = False
print("FACTS " + json.dumps(facts))
"""
BOMB = r"""
import json, os, time
children = 0
for _ in range(100):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(1)
        os._exit(0)
    children += 1
print("FACTS " + json.dumps({"children": children}))
"""
HOG = "chunks = [bytearray(16 * 2**20) for _ in range(48)]\nprint('allocated')\n"


def run(name: str, code: str) -> dict:
    code_dir = WORKDIR / name / "code"
    code_dir.mkdir(parents=True)
    (code_dir / "main.py").write_text(code)
    spec = RunSpec(
        argv=["{python}", "main.py", "{output}"],
        code_dir=code_dir,
        output_dir=WORKDIR / name / "output",
        dataset_dir=None,
        env={"PATH": "/usr/bin:/bin"},
        resources=TINY,
    )
    with open(WORKDIR / name / "log", "ab") as log:
        outcome = get_sandbox("bubblewrap", debug=False, python="/usr/bin/python3").run(spec, log=log)
    text = (WORKDIR / name / "log").read_text(errors="replace")
    facts = [json.loads(line[6:]) for line in text.splitlines() if line.startswith("FACTS ")]
    return {"kind": outcome.kind, "reason": outcome.reason, "facts": facts[0] if facts else None, "log": text}


print(
    json.dumps(
        {"worker_uid": os.getuid(), "probe": run("probe", PROBE), "hog": run("hog", HOG), "bomb": run("bomb", BOMB)}
    )
)
