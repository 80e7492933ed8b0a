"""Benchmark of ``notelint serve``: requests/s and latency at 1 and 8 concurrent clients,
or (``--memory``) its memory under two concurrent large batches.

Usage::

    python -m benchmarks.bench_service [--corpus ../shared/corpus/mtsamples-dev.jsonl]
                                     [--requests 400] [--workers 1 2]
    python -m benchmarks.bench_service --memory [--batch-mb 24]

``--memory`` (issue 21, case 9) starts the server with its defaults, builds a
``/v1/lint/batch`` body of ``--batch-mb`` MB (the notes as JSON Lines, repeated), posts
it twice at once, samples the RSS of the server's processes (``VmRSS`` of
``/proc/PID/status``: the HTTP process and each lint process) every second and asks
``/healthz`` every 0.2 s until both answers are read, then prints the idle and peak
RSS, the seconds taken and the slowest ``/healthz`` answer.

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
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.bench import DEFAULT_CORPUS, load_notes


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


def _rss_mb(pid: int) -> float:
    """VmRSS of one process, in MB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as listing:
            return [int(child) for child in listing.read().split()]
    except OSError:
        return []


def tree_rss(pid: int) -> tuple[float, float]:
    """RSS in MB of the server's own process and of it with all its descendants (lint
    processes share the pipeline's pages copy-on-write: the sum counts them once each)."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        total += _rss_mb(current)
        pending.extend(_children(current))
    return _rss_mb(pid), total


def batch_body(notes: list[dict], megabytes: float) -> tuple[bytes, int]:
    """A /v1/lint/batch body of at least ``megabytes`` MB: the notes as JSON Lines, repeated."""
    lines, size, target = [], 0, int(megabytes * 1_000_000)
    while size < target:
        note = notes[len(lines) % len(notes)]
        line = json.dumps({"id": f"n{len(lines)}", "text": note["text"]}) + "\n"
        lines.append(line)
        size += len(line.encode())
    return "".join(lines).encode(), len(lines)


def _post_batch(port: int, body: bytes) -> int:
    """Post a batch and read the streamed answer; the number of result lines."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    connection.request("POST", "/v1/lint/batch", body, {"Content-Type": "application/x-ndjson"})
    response = connection.getresponse()
    if response.status != 200:
        raise SystemExit(f"status {response.status}")
    count = sum(1 for _ in response)
    connection.close()
    return count


def memory(notes: list[dict], origin: str, megabytes: float) -> int:
    """Idle and peak RSS of a default server under two concurrent batches of ``megabytes``."""
    body, count = batch_body(notes, megabytes)
    print(f"notes: {origin}; two concurrent /v1/lint/batch bodies of {len(body) / 1e6:.1f} MB "
          f"({count:,} notes each), server with its defaults")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "notelint", "serve", "--port", str(port),
                               "--no-access-log"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(port, server)
        time.sleep(2)
        idle_own, idle_total = tree_rss(server.pid)
        peak = {"own": idle_own, "total": idle_total}
        health: list[float] = []
        done = threading.Event()

        def sample() -> None:
            while not done.wait(1.0):
                own, total = tree_rss(server.pid)
                peak["own"], peak["total"] = max(peak["own"], own), max(peak["total"], total)

        def probe() -> None:
            while not done.wait(0.2):
                start = time.perf_counter()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                connection.close()
                health.append(time.perf_counter() - start)

        watchers = [threading.Thread(target=sample), threading.Thread(target=probe)]
        for watcher in watchers:
            watcher.start()
        start = time.perf_counter()
        try:
            with ThreadPoolExecutor(2) as pool:
                counts = list(pool.map(lambda _: _post_batch(port, body), range(2)))
        finally:
            done.set()
            for watcher in watchers:
                watcher.join()
        seconds = time.perf_counter() - start
        if counts != [count, count]:
            raise SystemExit(f"expected {count} result lines per batch, got {counts}")
        print(f"idle RSS: {idle_own:.0f} MB (HTTP process), {idle_total:.0f} MB (with lint processes)")
        print(f"peak RSS: {peak['own']:.0f} MB (HTTP process), {peak['total']:.0f} MB "
              "(with lint processes)")
        print(f"seconds: {seconds:.1f} for both batches ({2 * count:,} notes)")
        print(f"/healthz: slowest of {len(health)} answers {max(health) * 1000:.1f} ms, "
              f"median {statistics.median(health) * 1000:.1f} ms")
    finally:
        server.terminate()
        server.wait(timeout=60)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_service", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--memory", action="store_true",
                        help="RSS and /healthz under two concurrent large batches")
    parser.add_argument("--batch-mb", type=float, default=24.0, help="size of each --memory batch")
    args = parser.parse_args(argv)

    notes, origin = load_notes(args.corpus)
    if args.memory:
        return memory(notes, origin, args.batch_mb)
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
