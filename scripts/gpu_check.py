"""GPU check for a worker host: NVML readings during a short anomalib PaDiM job on CUDA.

    PYTHONPATH=. python3 scripts/gpu_check.py      (or scripts/gpu_check.sh)

Needs only python3 with torch, anomalib and nvidia-ml-py; no Django, no database.
It builds a small synthetic anomaly category (benchmarks/anomaly/synthetic.py),
runs the shipped PaDiM example (examples/anomaly-padim) through the platform's
own run path (sandbox, backend "none") on GPU 0, prints every NVML reading
of the one poller thread while it runs — utilisation, memory used/total,
temperature, power, per-process memory — and the run's peak VRAM as a job
would record it (``peak_vram_mb``). Exit 0 when the job ran on CUDA and a
peak was measured; "no GPU (why)" and exit 1 where NVML finds no GPU.
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    from core.nvml import shared_poller

    poller = shared_poller()
    reader = poller.reader
    gpus = reader.gpus()
    if not gpus:
        print(reader.status if not reader.available else "no GPU (NVML sees no device)")
        return 1
    for gpu in gpus:
        print(f"GPU {gpu.index}: {gpu.name}, {gpu.memory_total_mb:.0f} MiB, {gpu.uuid}")

    from benchmarks.anomaly.dataset import write_category
    from benchmarks.anomaly.synthetic import generate
    from sandbox.base import ResourceClass, RunSpec
    from sandbox.local import NoSandbox

    work = Path(tempfile.mkdtemp(prefix="lb-gpu-check-"))
    write_category(
        generate("brick", "small", seed=0),
        work / "public",
        work / "hidden",
        seed=0,
        private_fraction=0.5,
        fingerprint="gpu-check",
        description={"name": "brick"},
    )
    config = (ROOT / "examples/anomaly-padim/config.yaml").read_text().replace("device: auto", "device: cuda")
    (work / "code").mkdir()
    (work / "code" / "config.yaml").write_text(config)
    (work / "code" / "main.py").write_text((ROOT / "examples/anomaly-padim/main.py").read_text())

    readings_seen = []

    def show(readings) -> None:
        for r in readings:
            readings_seen.append(r)
            print(
                f"[{time.strftime('%H:%M:%S')}] GPU {r.index}: util {r.utilization_pct}%  "
                f"memory {r.memory_used_mb:.0f}/{r.memory_total_mb:.0f} MiB  temp {r.temperature_c} C  "
                f"power {r.power_w} W  processes {r.processes}",
                flush=True,
            )

    unsubscribe = poller.subscribe(show)
    spec = RunSpec(
        argv=["{python}", "main.py", "--config", "config.yaml", "--output", "{output}"],
        code_dir=work / "code",
        output_dir=work / "output",
        dataset_dir=work / "public",
        env={
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": "{tmp}",
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "LB_DATASET_DIR": "{dataset}",
            "HF_HUB_OFFLINE": "1",
        },
        resources=ResourceClass(
            name="gpu-check", timeout_s=600, memory_mb=32768, cpus=4, max_procs=4096, max_output_mb=1024, gpus=1
        ),
        gpu_index=0,
    )
    log = io.BytesIO()
    outcome = NoSandbox(python=sys.executable).run(spec, log=log)
    unsubscribe()
    print(log.getvalue().decode(errors="replace")[-3000:])
    timings = work / "output" / "timings.json"
    device = json.loads(timings.read_text()).get("device") if timings.exists() else None
    print(
        json.dumps(
            {
                "outcome": outcome.kind,
                "exit_code": outcome.exit_code,
                "duration_s": round(outcome.duration_s, 1),
                "device": device,
                "peak_vram_mb": outcome.peak_vram_mb,
                "readings": len(readings_seen),
                "max_util_pct": max((r.utilization_pct or 0 for r in readings_seen), default=0),
            }
        )
    )
    return 0 if outcome.kind == "ok" and device == "cuda" and outcome.peak_vram_mb > 0 else 2


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
