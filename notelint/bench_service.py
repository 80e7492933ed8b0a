"""Benchmark of ``notelint serve``: requests/s and latency at 1 and 8 concurrent clients.

Usage::

    python -m notelint.bench_service [--corpus ../shared/corpus/mtsamples-dev.jsonl]
                                     [--requests 400] [--workers 1 2]

For each ``--workers`` value it starts the real server on a free loopback port,
waits for ``/healthz``, warms it up, then posts every note to ``/v1/lint`` from 1
and from 8 client threads (keep-alive connections). Beside it, in the same run,
the baseline: the same notes linted in-process through the Python API on one
core, so the HTTP cost shows. The notes are the corpus when present, else the
synthetic samples.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from notelint.bench import DEFAULT_CORPUS, load_notes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(port: int, server: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited with status {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("server not ready")


def _client(port: int, bodies: list[bytes]) -> list[float]:
    """Post each body on one keep-alive connection; the latency of each, in seconds."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    latencies = []
    for body in bodies:
        start = time.perf_counter()
        connection.request("POST", "/v1/lint", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"status {response.status}")
        latencies.append(time.perf_counter() - start)
    connection.close()
    return latencies


def load(port: int, bodies: list[bytes], clients: int) -> dict[str, float]:
    """Requests/s and p50/p99 latency (ms) of ``bodies`` sent by ``clients`` threads."""
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        parts = pool.map(lambda k: _client(port, bodies[k::clients]), range(clients))
        latencies = sorted(x for part in parts for x in part)
    elapsed = time.perf_counter() - start
    return {"rps": len(bodies) / elapsed,
            "p50": statistics.median(latencies) * 1000,
            "p99": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1000}


def in_process(notes: list[dict]) -> float:
    """Notes/s of the Python API on the same notes, one process (the baseline)."""
    from notelint import lint

    lint(notes[0]["text"])  # load and warm the pipeline outside the timing
    start = time.perf_counter()
    for note in notes:
        lint(note["text"])
    return len(notes) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m notelint.bench_service", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)

    notes, origin = load_notes(args.corpus)
    chosen = [notes[i % len(notes)] for i in range(args.requests)]
    bodies = [json.dumps({"id": f"n{i}", "text": n["text"]}).encode() for i, n in enumerate(chosen)]
    chars = statistics.mean(len(n["text"]) for n in chosen)
    print(f"notes: {origin}; {len(bodies)} requests per run, mean {chars:,.0f} characters")
    baseline = in_process(chosen[: min(len(chosen), 150)])
    print(f"baseline, Python API in one process: {baseline:.1f} notes/s "
          f"({1000 / baseline:.1f} ms per note)")
    print("\n| server workers | clients | requests/s | p50 ms | p99 ms |")
    print("| --- | --- | --- | --- | --- |")
    for workers in args.workers:
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "notelint", "serve", "--port", str(port),
                                   "--workers", str(workers), "--no-access-log"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait(port, server)
            # /healthz answered from one worker: give the others time to load, then warm up
            time.sleep(6 if workers > 1 else 0)
            load(port, bodies[: 8 * workers], 8)
            for clients in (1, 8):
                figures = load(port, bodies, clients)
                print(f"| {workers} | {clients} | {figures['rps']:.1f} | {figures['p50']:.1f} "
                      f"| {figures['p99']:.1f} |", flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
