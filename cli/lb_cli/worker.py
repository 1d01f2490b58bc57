"""lb-worker: a remote worker that speaks HTTPS only (docs/fleet.md).

    lb-worker --url https://board.example --token lbw_... [--pools gpu-a100]

It needs no database, queue, storage credential, LB_DATA_DIR or seed: only the URL and a worker
token. It claims a job (long-poll), downloads the submission's code and the benchmark's public
data through the claim's signed URLs, runs the project's ``sandbox`` package exactly as a local
worker does (jobs/runner.py: same argv, environment, resource class, output cap), streams the
log, heartbeats, and uploads the output folder as one archive. Scoring, and the hidden data it
reads, stay on the platform.

The ``sandbox`` package (and ``core/nvml.py`` for GPU readings) must be importable: run it from
the project's image or checkout (docker-compose.remote-worker.yml).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import socket
import stat
import sys
import tarfile
import threading
import time
from pathlib import Path

import httpx

logger = logging.getLogger("lb_worker")
LOG_CHUNK = 256 * 1024
REFUSED = (401, 403)


class TokenRefused(Exception):
    pass


class Platform:
    """The worker API over HTTP(S): one client, the token and this worker's host:pid on every call."""

    def __init__(self, url: str, token: str, *, host: str, timeout_s: float = 60.0) -> None:
        self.client = httpx.Client(
            base_url=url.rstrip("/"),
            headers={
                "Authorization": f"Bearer {token}",
                "X-Worker-Host": host,
                "X-Worker-Pid": str(os.getpid()),
                "User-Agent": "lb-worker/1",
            },
            timeout=httpx.Timeout(timeout_s, connect=10.0),
            follow_redirects=False,
        )

    def call(self, method: str, path: str, **kwargs) -> httpx.Response:
        response = self.client.request(method, path, **kwargs)
        if response.status_code in REFUSED:
            raise TokenRefused(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response

    def download(self, path: str, target: Path) -> str:
        """Stream ``path`` into ``target``; returns the file name the platform gave it."""
        with self.client.stream("GET", path) as response:
            if response.status_code in REFUSED:
                raise TokenRefused(f"GET {path}: {response.status_code}")
            response.raise_for_status()
            with open(target, "wb") as sink:
                for chunk in response.iter_bytes(1024 * 1024):
                    sink.write(chunk)
            disposition = response.headers.get("content-disposition", "")
        return disposition.partition("filename=")[2].strip('"') or target.name


def _gpu_state() -> tuple[list[dict], str, list[dict]]:
    """(gpus, status, latest readings) through core/nvml.py, or none when it is not importable."""
    try:
        from core.nvml import NvmlReader

        reader = NvmlReader()
        gpus = [vars(gpu) for gpu in reader.gpus()]
        return gpus, reader.status, [reading.as_dict() for reading in reader.read()]
    except Exception as exc:  # no NVML on this host: reported, never fatal
        return [], f"no GPU ({type(exc).__name__})", []


def _untar(archive: Path, destination: Path) -> None:
    """The platform's tar of regular files, unpacked with tarfile's ``data`` filter (no links, no
    absolute paths, no device files) in case a hop on the way was not the platform."""
    destination.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        tar.extractall(destination, filter="data")


def _pack_output(output: Path, target: Path) -> None:
    """The output folder as one tar: regular files only, read without following a link the run
    wrote (a link is left out: it is not output, and following it could read this host's files)."""
    with tarfile.open(target, "w") as tar:
        for folder, dirs, files in os.walk(output, followlinks=False):
            dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
            for name in sorted(files):
                path = Path(folder) / name
                info = os.lstat(path)
                if not stat.S_ISREG(info.st_mode):
                    continue
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
                with os.fdopen(fd, "rb") as handle:
                    member = tarfile.TarInfo(str(path.relative_to(output)))
                    member.size = os.fstat(handle.fileno()).st_size
                    member.mode = 0o644
                    tar.addfile(member, handle)


class Beat(threading.Thread):
    """Every ``heartbeat_s``: ship the new log bytes, then heartbeat the job (``owned: false`` stops it)."""

    def __init__(self, platform: Platform, job_id: str, log_path: Path, heartbeat_s: float) -> None:
        super().__init__(name="lb-worker-beat", daemon=True)
        self.platform, self.job_id, self.log_path, self.heartbeat_s = platform, job_id, log_path, heartbeat_s
        self.sent = 0
        self.lost = False
        self.refused = False
        self.done = threading.Event()

    def ship_log(self) -> None:
        if not self.log_path.exists():
            return
        with open(self.log_path, "rb") as handle:
            handle.seek(self.sent)
            while chunk := handle.read(LOG_CHUNK):
                self.platform.call(
                    "POST",
                    f"/api/worker/jobs/{self.job_id}/log",
                    content=chunk,
                    headers={"Content-Type": "application/octet-stream"},
                )
                self.sent += len(chunk)

    def beat(self) -> None:
        gpus, status, telemetry = _gpu_state()
        body = {"job": self.job_id, "gpus": gpus, "gpu_status": status, "telemetry": telemetry}
        response = self.platform.call("POST", "/api/worker/heartbeat", json=body)
        if response.status_code == 200 and response.json().get("owned") is False:
            self.lost = True

    def run(self) -> None:
        while not self.done.wait(self.heartbeat_s):
            try:
                self.ship_log()
                self.beat()
            except TokenRefused:
                self.refused = self.lost = True
            except httpx.HTTPError as exc:  # the platform briefly away: the next beat tries again
                logger.warning("heartbeat failed: %s", exc)


class RemoteWorker:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.scratch = Path(args.scratch).resolve()
        self.scratch.mkdir(parents=True, exist_ok=True)
        self.host = args.host or socket.gethostname()
        self.platform = Platform(args.url, args.token, host=self.host)
        self.project_root = Path(__import__("sandbox").__file__).resolve().parent.parent
        self.stopping = False

    def claim(self) -> dict | None:
        gpus, status, telemetry = _gpu_state()
        body = {
            "pools": self.args.pools,
            "wait_s": self.args.wait,
            "gpus": gpus,
            "gpu_status": status,
            "telemetry": telemetry,
            "version": self.args.version,
        }
        response = self.platform.call(
            "POST", "/api/worker/claim", json=body, timeout=httpx.Timeout(self.args.wait + 30, connect=10)
        )
        if response.status_code == 204:
            return None
        response.raise_for_status()
        return response.json()

    def sandbox(self):
        from sandbox import get_sandbox

        if self.args.sandbox == "bubblewrap":
            from sandbox.bubblewrap import default_hidden_paths

            hidden = default_hidden_paths(self.project_root) + [self.scratch]
            return get_sandbox("bubblewrap", debug=False, hidden_paths=hidden)
        if self.args.sandbox == "docker":
            from sandbox.docker import parse_path_map

            return get_sandbox(
                "docker",
                debug=False,
                image=self.args.sandbox_image,
                cli=self.args.container_cli or None,
                path_map=parse_path_map(self.args.docker_path_map) or None,
            )
        return get_sandbox(self.args.sandbox, debug=self.args.sandbox == "none")

    def public_data(self, url: str) -> Path:
        """The benchmark's public folder, cached by the name the platform gives it (benchmark and data set)."""
        partial = self.scratch / "public" / f".download-{os.getpid()}.tar"
        partial.parent.mkdir(parents=True, exist_ok=True)
        name = self.platform.download(url, partial)
        folder = self.scratch / "public" / Path(name).stem.replace("/", "_")
        if not folder.is_dir():
            staging = folder.with_name(folder.name + f".part-{os.getpid()}")
            shutil.rmtree(staging, ignore_errors=True)
            _untar(partial, staging)
            os.replace(staging, folder)
        partial.unlink(missing_ok=True)
        return folder

    def run_job(self, claim: dict) -> str:
        from sandbox.base import ResourceClass, RunSpec

        job_id, plan = claim["job"], claim["plan"]
        root = self.scratch / "jobs" / job_id
        shutil.rmtree(root, ignore_errors=True)
        code, output = root / "code", root / "output"
        output.mkdir(parents=True)
        log_path = root / "run.log"
        beat = Beat(self.platform, job_id, log_path, float(claim.get("heartbeat_s", 5)))
        beat.start()  # from the claim on: a long download must not look like a lost worker
        try:
            self.platform.download(claim["urls"]["code"], root / "code.tar")
            _untar(root / "code.tar", code)
            (root / "code.tar").unlink()
            dataset = self.public_data(claim["urls"]["public"])
            resources = ResourceClass(**plan["resources"])
            sandbox = self.sandbox()
            pythonpath, extra = [str(self.project_root)], []
            with open(log_path, "ab", buffering=0) as log:
                if plan.get("has_requirements"):
                    layer = self.install(plan, code, log, sandbox)
                    if layer is not None:
                        extra.append(layer)
                        pythonpath.insert(0, str(layer))
                env = {
                    **plan["env"],
                    "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
                    "PYTHONPATH": ":".join(pythonpath),
                }
                spec = RunSpec(
                    argv=plan["argv"],
                    code_dir=code,
                    output_dir=output,
                    dataset_dir=dataset,
                    env=env,
                    resources=resources,
                    extra_ro_dirs=extra,
                    gpu_index=self.args.gpu if resources.gpus and self.args.gpu is not None else None,
                )
                outcome = sandbox.run(spec, log=log, should_cancel=lambda: beat.lost, on_tick=lambda: None)
            beat.done.set()
            beat.join()
            beat.ship_log()
            if beat.refused:
                raise TokenRefused("the platform refused this worker's token during the run")
            if outcome.kind != "ok":
                body = {
                    "kind": outcome.kind,
                    "exit_code": outcome.exit_code,
                    "reason": outcome.reason or "",
                    "run_s": outcome.duration_s,
                }
                return self.platform.call("POST", f"/api/worker/jobs/{job_id}/failed", json=body).json()["result"]
            archive = root / "output.tar"
            _pack_output(output, archive)
            with open(archive, "rb") as handle:
                response = self.platform.call(
                    "POST",
                    f"/api/worker/jobs/{job_id}/output",
                    files={"archive": ("output.tar", handle, "application/x-tar")},
                    data={"run_s": str(outcome.duration_s), "peak_vram_mb": str(outcome.peak_vram_mb)},
                    timeout=httpx.Timeout(600, connect=10),
                )
            response.raise_for_status()
            return response.json()["result"]
        finally:
            beat.done.set()
            shutil.rmtree(root, ignore_errors=True)  # nothing of a job outlives it on this host

    def install(self, plan: dict, code: Path, log, sandbox) -> Path | None:
        from sandbox import deps

        try:
            return deps.ensure_requirements(
                code / "requirements.txt",
                cache_root=self.scratch / "envs",
                owner_key=plan["owner_key"],
                sandbox=sandbox,
                log=log,
            )
        except deps.DependencyInstallError as exc:
            log.write(f"[lb-worker] installing requirements.txt failed: {exc}\n".encode())
            raise

    def serve(self) -> int:
        """Claim and run jobs until ``--max-jobs`` or SIGTERM. SIGTERM stops gracefully: the job being
        run, or one a claim in flight returns (it is claimed already), is finished first."""
        done = 0
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stopping", True))
        while not self.stopping and (self.args.max_jobs == 0 or done < self.args.max_jobs):
            try:
                claim = self.claim()
            except TokenRefused as exc:
                logger.error("worker token refused: %s", exc)
                return 2
            except httpx.HTTPError as exc:
                logger.warning("claim failed: %s; retrying", exc)
                time.sleep(2)
                continue
            if claim is None:
                continue
            logger.info(json.dumps({"event": "job_claimed", "job": claim["job"], "benchmark": claim["benchmark"]}))
            try:
                result = self.run_job(claim)
            except TokenRefused as exc:
                logger.error("worker token refused: %s", exc)
                return 2
            except Exception:
                logger.exception("job %s: the worker failed; the platform's sweeper gives it back", claim["job"])
                result = "worker-error"
            logger.info(json.dumps({"event": "job_reported", "job": claim["job"], "result": result}))
            done += 1
        return 0

    def stop(self) -> None:
        try:
            self.platform.call("POST", "/api/worker/stop")
        except (httpx.HTTPError, TokenRefused):
            pass


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="lb-worker", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=env("LB_URL"), required=env("LB_URL") is None, help="the platform's URL")
    parser.add_argument("--token", default=env("LB_WORKER_TOKEN"), required=env("LB_WORKER_TOKEN") is None)
    parser.add_argument("--pools", default=env("LB_WORKER_POOLS", ""), help="comma-separated; default: the token's")
    parser.add_argument("--scratch", default=env("LB_WORKER_SCRATCH", str(Path.home() / ".cache" / "lb-worker")))
    parser.add_argument("--sandbox", default=env("LB_SANDBOX", "bubblewrap"), choices=["bubblewrap", "docker", "none"])
    parser.add_argument("--sandbox-image", default=env("LB_SANDBOX_IMAGE", ""), help="docker: the sandbox image")
    parser.add_argument("--container-cli", default=env("LB_CONTAINER_CLI", ""), help="docker: docker or podman")
    parser.add_argument(
        "--docker-path-map",
        default=env("LB_DOCKER_PATH_MAP", ""),
        help="docker: /scratch=/host/path (sibling containers)",
    )
    parser.add_argument(
        "--gpu",
        type=int,
        default=int(env("LB_WORKER_GPU")) if env("LB_WORKER_GPU") else None,
        help="the GPU index runs of GPU classes get",
    )
    parser.add_argument("--host", default=env("LB_WORKER_HOST", ""), help="the name on the fleet page")
    parser.add_argument("--wait", type=float, default=30.0, help="seconds a claim waits for a job")
    parser.add_argument("--max-jobs", type=int, default=0, help="stop after this many jobs (0: never)")
    parser.add_argument("--version", default=env("LB_WORKER_VERSION", ""))
    args = parser.parse_args(argv)
    args.pools = [pool.strip() for pool in args.pools.split(",") if pool.strip()]
    return args


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    worker = RemoteWorker(parse_args(argv))
    try:
        return worker.serve()
    except KeyboardInterrupt:
        return 130
    finally:
        worker.stop()


if __name__ == "__main__":  # python -m lb_cli.worker
    sys.exit(main())
