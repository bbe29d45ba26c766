"""The Python load generator of `make bench`, used when `wrk` is not on PATH. Runs in its own process.

HTTP/1.1 keep-alive over raw asyncio streams (uvloop when installed): N connections, each sending GETs
back to back for a fixed duration, cycling over a list of paths. Prints one JSON object on stdout with
the same keys as the wrk script (`bench/wrk_paths.lua`).

    python -m bench.loadgen --port 8000 --paths-file paths.txt --connections 64 --duration 10
"""

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass, field

REQUEST_TIMEOUT_SECONDS = 10.0


@dataclass
class Tally:
    latencies_ns: list[int] = field(default_factory=list)
    bytes: int = 0
    errors_connect: int = 0
    errors_read: int = 0
    errors_status: int = 0
    errors_timeout: int = 0


def build_requests(host: str, port: int, paths: list[str], authorization: str | None) -> list[bytes]:
    extra = f"Authorization: {authorization}\r\n" if authorization else ""
    return [f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n".encode() for path in paths]


def _content_length(head: bytes) -> int | None:
    for line in head.lower().split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return None


async def _connection(host: str, port: int, requests: list[bytes], start: int, deadline_ns: int, tally: Tally) -> None:
    index = start
    writer: asyncio.StreamWriter | None = None
    reader: asyncio.StreamReader | None = None
    while time.perf_counter_ns() < deadline_ns:
        if writer is None or reader is None:
            try:
                reader, writer = await asyncio.open_connection(host, port)
            except OSError:
                tally.errors_connect += 1
                await asyncio.sleep(0.05)
                continue
        request = requests[index % len(requests)]
        index += 1
        sent = time.perf_counter_ns()
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = _content_length(head)
                if length is None:
                    raise ValueError("a response without Content-Length (chunked bodies are not supported)")
                body = await reader.readexactly(length)
        except TimeoutError:
            tally.errors_timeout += 1
            writer.close()
            writer = reader = None
            continue
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            tally.errors_read += 1
            writer.close()
            writer = reader = None
            continue
        tally.latencies_ns.append(time.perf_counter_ns() - sent)
        tally.bytes += len(head) + len(body)
        status = int(head[9:12])
        if not 200 <= status < 400:
            tally.errors_status += 1
    if writer is not None:
        writer.close()


def _percentile(sorted_values: list[int], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    position = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return float(sorted_values[position])


async def generate(
    host: str, port: int, paths: list[str], authorization: str | None, connections: int, duration: float
) -> dict[str, float]:
    requests = build_requests(host, port, paths, authorization)
    tally = Tally()
    started = time.perf_counter_ns()
    deadline = started + int(duration * 1e9)
    step = max(1, len(requests) // connections)
    await asyncio.gather(*(_connection(host, port, requests, i * step, deadline, tally) for i in range(connections)))
    elapsed_ns = time.perf_counter_ns() - started
    latencies = sorted(tally.latencies_ns)
    return {
        "requests": len(latencies),
        "duration_us": elapsed_ns / 1e3,
        "bytes": tally.bytes,
        "errors_connect": tally.errors_connect,
        "errors_read": tally.errors_read,
        "errors_write": 0,
        "errors_status": tally.errors_status,
        "errors_timeout": tally.errors_timeout,
        "p50_us": _percentile(latencies, 0.50) / 1e3,
        "p90_us": _percentile(latencies, 0.90) / 1e3,
        "p99_us": _percentile(latencies, 0.99) / 1e3,
        "max_us": (latencies[-1] if latencies else 0) / 1e3,
        "mean_us": (sum(latencies) / len(latencies) if latencies else 0) / 1e3,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--paths-file", required=True)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args(argv)
    with open(args.paths_file, encoding="utf-8") as handle:
        paths = [line.strip() for line in handle if line.strip()]
    authorization = os.environ.get("BENCH_AUTHORIZATION") or None
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        runner = asyncio.run
    else:
        runner = uvloop.run
    result = runner(generate(args.host, args.port, paths, authorization, args.connections, args.duration))
    sys.stdout.write("BENCH_JSON " + json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
