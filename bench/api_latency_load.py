"""The load side of bench/api_latency.py: wrk's Lua scripts, per-role CPU accounting from
/proc, the WebSocket frames (bench/ws_latency.py) and the result tables."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import textwrap
import time
from pathlib import Path

WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def lua_request(method: str, token: str, body_file: Path | None = None, content_type: str | None = None) -> str:
    lines = [f'wrk.method = "{method}"', f'wrk.headers["Authorization"] = "Bearer {token}"']
    if body_file is not None:
        lines.append(f'local f = io.open("{body_file}", "rb"); wrk.body = f:read("*a"); f:close()')
        lines.append(f'wrk.headers["Content-Type"] = "{content_type}"')
    return "\n".join(lines) + "\n" + WRK_REPORT


def lua_users(users: list[tuple[str, str]]) -> str:
    """A Lua table of {token, enqueue body} for each submitter."""
    return "local users = {" + ",".join(f'{{"Bearer {token}", {json.dumps(body)}}}' for token, body in users) + "}\n"


def lua_enqueue(users: list[tuple[str, str]]) -> str:
    """POST /api/jobs, each request from the next submitter, each with their own submission."""
    return (
        lua_users(users)
        + textwrap.dedent("""
        local i = 0
        request = function()
          i = i % #users + 1
          return wrk.format("POST", "/api/jobs", {["Authorization"] = users[i][1],
                                                  ["Content-Type"] = "application/json"}, users[i][2])
        end
    """)
        + WRK_REPORT
    )


def lua_mixed(token: str, paths: dict, bodies: dict, users: list[tuple[str, str]]) -> str:
    """status 70 %, enqueue 20 % (from the next submitter), upload 10 % of requests, chosen per request."""
    return (
        lua_users(users)
        + textwrap.dedent(f"""
        local h = {{["Authorization"] = "Bearer {token}"}}
        local function read(p) local f = io.open(p, "rb"); local d = f:read("*a"); f:close(); return d end
        local upload_body = read("{bodies["upload"][0]}")
        local u = 0
        math.randomseed(os.time())
        request = function()
          local r = math.random(100)
          if r <= 70 then
            return wrk.format("GET", "{paths["status"]}", h, nil)
          elseif r <= 90 then
            u = u % #users + 1
            return wrk.format("POST", "{paths["enqueue"]}", {{["Authorization"] = users[u][1],
                              ["Content-Type"] = "application/json"}}, users[u][2])
          else
            h["Content-Type"] = "{bodies["upload"][1]}"
            local req = wrk.format("POST", "{paths["upload"]}", h, upload_body)
            h["Content-Type"] = nil
            return req
          end
        end
    """)
        + WRK_REPORT
    )


# Where a row's CPU goes: processes by role, read from /proc around each wrk run (Linux).
CPU_ROLES = ("standalone", "web tier", "database", "redis")
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _role(comm: str, cmdline: str) -> str | None:
    if "bareproject" in cmdline:
        return "standalone"
    if comm.startswith("nginx") or "config.wsgi" in cmdline or "config.asgi" in cmdline:
        return "web tier"
    if comm.startswith("postgres"):
        return "database"
    if comm.startswith("redis"):
        return "redis"
    return None


def cpu_seconds() -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) so far of every process with a role, by pid."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            cmdline = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        comm, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        role = _role(comm, cmdline)
        if role:
            found[int(entry.name)] = (role, (int(fields[11]) + int(fields[12])) / _TICK)
    return found


def cpu_per_request(before: dict, after: dict, requests_done: int) -> dict[str, float]:
    """ms of CPU per request by role between two :func:`cpu_seconds` readings."""
    spent = dict.fromkeys(CPU_ROLES, 0.0)
    for pid, (role, seconds) in after.items():
        spent[role] += seconds - before.get(pid, (role, 0.0))[1]
    return {role: 1000 * value / max(requests_done, 1) for role, value in spent.items()}


def wrk(url: str, script: str, connections: int, seconds: float, workdir: Path) -> dict:
    path = workdir / f"wrk-{time.monotonic_ns()}.lua"
    path.write_text(script)
    # The uploads of a previous run leave hundreds of MB of dirty pages: write them back now,
    # not while the next row is being measured.
    os.sync()
    threads = min(2, connections)
    cpu_before = cpu_seconds()
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{seconds:.0f}s",
            "--timeout",
            "30s",
            "-s",
            str(path),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+) (\d+)", out)
    if not match:
        raise RuntimeError(out)
    requests_done, duration_us, p50, p95, p99, socket_errors, status_errors = match.groups()
    return {
        "requests": int(requests_done),
        "rps": int(requests_done) / (int(duration_us) / 1e6),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "errors": int(socket_errors) + int(status_errors),
        "cpu": cpu_per_request(cpu_before, cpu_seconds(), int(requests_done)),
    }


HEADER = (
    "| endpoint                          | P50 ms | P95 ms | P99 ms |  req/s | errors | P50/bare | P95/bare "
    "| req/s vs bare |\n"
    "|-----------------------------------|--------|--------|--------|--------|--------|----------|----------"
    "|---------------|"
)


def row(name: str, r: dict, bare: dict | None) -> str:
    ratios = (
        f"{r['p50'] / bare['p50']:7.2f}x | {r['p95'] / bare['p95']:7.2f}x | {r['rps'] / bare['rps']:12.2f}x"
        if bare
        else "       - |        - |             -"
    )
    return (
        f"| {name:<33} | {r['p50']:6.1f} | {r['p95']:6.1f} | {r['p99']:6.1f} | {r['rps']:6.0f} | "
        f"{r['errors']:6d} | {ratios} |"
    )


def websocket_frames(port: int, viewers: int, seconds: float) -> dict:
    from ws_latency import viewer

    async def run():
        return await asyncio.gather(
            *(viewer(f"ws://127.0.0.1:{port}", i, 10.0, seconds, 10) for i in range(viewers)), return_exceptions=True
        )

    results = asyncio.run(run())
    latencies = [ms for r in results if isinstance(r, dict) for ms in r["latency_ms"]]
    errors = sum(1 for r in results if not isinstance(r, dict)) + sum(
        r["errors"] for r in results if isinstance(r, dict)
    )
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")

    return {"frames": len(latencies), "p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99), "errors": errors}


def median_row(rounds: list[tuple[dict, dict]]) -> tuple[dict, dict, dict]:
    """The median of each figure over the rounds, for the standalone, the endpoint and their ratios."""

    def med(values: list[float]) -> float:
        values = sorted(values)
        return values[len(values) // 2]

    keys = ("p50", "p95", "p99", "rps")
    base = {k: med([b[k] for b, _ in rounds]) for k in keys} | {"errors": sum(b["errors"] for b, _ in rounds)}
    result = {k: med([r[k] for _, r in rounds]) for k in keys} | {"errors": sum(r["errors"] for _, r in rounds)}
    ratios = {k: med([r[k] / b[k] for b, r in rounds]) for k in keys}
    return base, result, ratios


def print_cpu_table(cpu_rows: list) -> None:
    """Machine CPU per request by role (medians over the rounds): what the ratios are made of.
    The standalone's figure is its gunicorn and its database; wrk's own CPU is not counted."""
    print(
        "\nCPU per request, ms (medians of the rounds; each standalone row is measured with the row below it;\n"
        "the standalone's web tier column is its gunicorn and its database together)\n"
        "| connections | endpoint                          | web tier | database | redis | total | vs standalone |\n"
        "|-------------|-----------------------------------|----------|----------|-------|-------|---------------|"
    )

    def med(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    for clients, name, rounds in cpu_rows:
        base = med([b["cpu"]["standalone"] + b["cpu"]["database"] for b, _ in rounds])
        parts = {role: med([r["cpu"][role] for _, r in rounds]) for role in ("web tier", "database", "redis")}
        total = med([sum(r["cpu"][role] for role in ("web tier", "database", "redis")) for _, r in rounds])
        print(
            f"| {clients:11d} | {'standalone bare view':<33} | {base:8.2f} |          |       | {base:5.2f} |"
            f"         1.00x |"
        )
        print(
            f"| {clients:11d} | {name:<33} | {parts['web tier']:8.2f} | {parts['database']:8.2f} | "
            f"{parts['redis']:5.2f} | {total:5.2f} | {total / base:12.2f}x |",
            flush=True,
        )


def ratio_row(name: str, r: dict, ratios: dict) -> str:
    return (
        f"| {name:<33} | {r['p50']:6.1f} | {r['p95']:6.1f} | {r['p99']:6.1f} | {r['rps']:6.0f} | "
        f"{r['errors']:6d} | {ratios['p50']:7.2f}x | {ratios['p95']:7.2f}x | {ratios['rps']:12.2f}x |"
    )
