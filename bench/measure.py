"""One measured load run: the load generator in its own process, CPU time of the server and of PostgreSQL.

CPU per request is the steady figure on a shared, noisy 2-core machine: it is the server process's
user+system CPU time over the measured run divided by the requests it served (psutil), and the same for
the PostgreSQL backends serving that server (found by `application_name` in pg_stat_activity).

A closed-loop generator keeps one request in flight per connection. When wrk stops it abandons them, but
the server still runs each to completion, so: the CPU window runs from the start of the load until the
server is idle again, and the requests it served are wrk's completed ones plus one per connection (the
Python generator waits for its last responses, so it abandons none). Waiting for idle after the warm-up
also keeps the warm-up's abandoned requests out of the measured run.
"""

import ipaddress
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import asyncpg
import psutil  # type: ignore[import-untyped]  # no stubs in the lock file

from services.local.database import REPO_ROOT

LUA_SCRIPT = Path(__file__).resolve().parent / "wrk_paths.lua"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Scenario:
    """A route under load: where it listens, what it cycles over, which processes do its work."""

    key: str
    label: str
    port: int
    paths_file: Path
    authorization: str | None
    server_pid: int
    application_name: str


@dataclass(frozen=True)
class Measurement:
    scenario: str
    round: int
    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    bytes_per_request: float
    server_cpu_us_per_request: float | None
    server_cores: float
    postgres_cpu_us_per_request: float | None
    load_generator_cores: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def choose_generator(requested: str) -> str:
    if requested == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if requested == "wrk" and not shutil.which("wrk"):
        raise SystemExit("--generator wrk: wrk is not on PATH (apt-get install wrk), or use --generator python")
    return requested


def generator_version(generator: str) -> str:
    if generator == "wrk":
        # `wrk -v` prints its version and exits 1.
        completed = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
        first = (completed.stdout or completed.stderr).strip().splitlines()
        return first[0].split(" [")[0] if first else "wrk"
    return f"python asyncio streams (bench/loadgen.py, Python {sys.version.split()[0]})"


def _generator_command(generator: str, scenario: Scenario, connections: int, duration: float) -> list[str]:
    if generator == "wrk":
        return [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA_SCRIPT),
            f"http://{HOST}:{scenario.port}",
            "--",
            str(scenario.paths_file),
        ]
    return [
        sys.executable,
        "-m",
        "bench.loadgen",
        "--host",
        HOST,
        "--port",
        str(scenario.port),
        "--paths-file",
        str(scenario.paths_file),
        "--connections",
        str(connections),
        "--duration",
        str(duration),
    ]


def run_generator(
    generator: str, scenario: Scenario, connections: int, duration: float
) -> tuple[dict[str, float], float]:
    """Run the load generator to completion; its JSON result and the CPU seconds it used."""
    env = dict(os.environ, BENCH_AUTHORIZATION=scenario.authorization or "", PYTHONPATH=str(REPO_ROOT))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(
        _generator_command(generator, scenario, connections, duration),
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    for line in completed.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            result: dict[str, float] = json.loads(line.removeprefix("BENCH_JSON "))
            return result, cpu
    raise RuntimeError(
        f"{generator} gave no result (exit {completed.returncode}):\n{completed.stdout}\n{completed.stderr}"
    )


def process_cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def wait_idle(pid: int, *, interval: float = 0.1, busy_fraction: float = 0.03, timeout: float = 60.0) -> None:
    """Return once the server process uses less than `busy_fraction` of a core over `interval`."""
    deadline = time.monotonic() + timeout
    last = process_cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(interval)
        now = process_cpu_seconds(pid)
        if now - last < busy_fraction * interval:
            return
        last = now
    raise RuntimeError(f"the server (pid {pid}) was still busy {timeout:g} s after the load stopped")


def abandoned_requests(generator: str, connections: int) -> int:
    """Requests still in flight when the generator stopped, which the server completed unseen."""
    return connections if generator == "wrk" else 0


def warm_up(generator: str, scenario: Scenario, connections: int, duration: float) -> None:
    run_generator(generator, scenario, connections, duration)
    wait_idle(scenario.server_pid)


class PostgresCpu:
    """CPU seconds of the PostgreSQL backends that serve one application, when the server is on this machine."""

    def __init__(self, connection: asyncpg.Connection, *, local: bool) -> None:
        self.connection = connection
        self.local = local

    @classmethod
    async def open(cls, url: str) -> "PostgresCpu":
        connection = await asyncpg.connect(url)
        address = await connection.fetchval("SELECT host(inet_server_addr())")
        # NULL: a Unix socket, so this machine. Otherwise only a loopback address is this machine's server.
        local = address is None or ipaddress.ip_address(address).is_loopback
        return cls(connection, local=local)

    async def close(self) -> None:
        await self.connection.close()

    async def snapshot(self, application_name: str) -> dict[int, float] | None:
        if not self.local:
            return None
        pids = await self.connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1",
            application_name,
        )
        cpu: dict[int, float] = {}
        for record in pids:
            pid = int(record["pid"])
            try:
                process = psutil.Process(pid)
                if "postgres" not in process.name():
                    return None
                cpu[pid] = process.cpu_times().user + process.cpu_times().system
            except psutil.NoSuchProcess:
                continue
            except psutil.AccessDenied:
                return None
        return cpu


def backend_cpu_delta(before: dict[int, float] | None, after: dict[int, float] | None) -> float | None:
    """CPU the backends used in between; a backend opened during the run counts from zero."""
    if before is None or after is None:
        return None
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


async def measure(
    generator: str,
    scenario: Scenario,
    *,
    round_number: int,
    connections: int,
    duration: float,
    postgres: PostgresCpu,
) -> Measurement:
    wait_idle(scenario.server_pid)
    pg_before = await postgres.snapshot(scenario.application_name)
    server_before = process_cpu_seconds(scenario.server_pid)
    wall_started = time.perf_counter()
    result, generator_cpu = run_generator(generator, scenario, connections, duration)
    wall = time.perf_counter() - wall_started
    server_cpu_in_run = process_cpu_seconds(scenario.server_pid) - server_before
    wait_idle(scenario.server_pid)
    server_cpu = process_cpu_seconds(scenario.server_pid) - server_before
    pg_cpu = backend_cpu_delta(pg_before, await postgres.snapshot(scenario.application_name))
    requests = int(result["requests"])
    seconds = result["duration_us"] / 1e6
    errors = int(
        sum(result[key] for key in ("errors_connect", "errors_read", "errors_write", "errors_status", "errors_timeout"))
    )
    served = requests + abandoned_requests(generator, connections) if requests else 0
    per_request = 1e6 / served if served else 0.0
    return Measurement(
        scenario=scenario.key,
        round=round_number,
        requests=requests,
        seconds=seconds,
        requests_per_second=requests / seconds if seconds else 0.0,
        p50_ms=result["p50_us"] / 1e3,
        p90_ms=result["p90_us"] / 1e3,
        p99_ms=result["p99_us"] / 1e3,
        max_ms=result["max_us"] / 1e3,
        errors=errors,
        bytes_per_request=result["bytes"] / requests if requests else 0.0,
        server_cpu_us_per_request=server_cpu * per_request if requests else None,
        server_cores=server_cpu_in_run / wall if wall else 0.0,
        postgres_cpu_us_per_request=pg_cpu * per_request if requests and pg_cpu is not None else None,
        load_generator_cores=generator_cpu / wall if wall else 0.0,
    )


def latency_summary(samples: list[float]) -> dict[str, float]:
    """Median, p95 and minimum of sequential request times in ms, with their count."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_ms": statistics.median(ordered), "p95_ms": p95, "min_ms": ordered[0], "n": len(ordered)}


def peak_rss_mib(pid: int) -> float | None:
    """The process's peak resident set (VmHWM) in MiB, or None once it is gone."""
    with suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None
