#!/usr/bin/env python3
"""How long a durable write waits on this machine's disk: 8 KiB written and fdatasync'ed in a loop
(what PostgreSQL's WAL flush does at each commit), for SECONDS seconds, in the folder given
(default: the project's data folder's file system). Prints the latency distribution and every
wait over 50 ms with its time, as a Markdown report on stdout.

Why: every audited read waits for its AuditEvent's commit, and so for one WAL flush; when the
disk stalls, the read does too. The access benchmark's rare stalls of 0.3-1.7 s hit only runs
that commit (never the unaudited directory reads); this measures the disk alone, with nothing of
SeSPHR running.

    benchmarks/disk/fsync_latency.py [FOLDER] [SECONDS]
"""
import os
import platform
import sys
import time

folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 120.0
path = os.path.join(folder, f".fsync-probe-{os.getpid()}")
block = b"x" * 8192
latencies = []
spikes = []
started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
load_before = os.getloadavg()
fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
try:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        begin = time.perf_counter()
        # A ring of 16 MiB, as a WAL segment is rewritten in place.
        os.pwrite(fd, block, (len(latencies) % 2048) * len(block))
        os.fdatasync(fd)
        waited = (time.perf_counter() - begin) * 1000
        latencies.append(waited)
        if waited > 50:
            spikes.append((time.strftime("%H:%M:%S", time.gmtime()), waited))
        # About the commit rate of the access benchmark at one connection.
        time.sleep(0.002)
finally:
    os.close(fd)
    os.unlink(path)

latencies.sort()
count = len(latencies)


def at(share):
    return latencies[min(count - 1, int(count * share))]


print(f"# fdatasync latency of 8 KiB writes — {started}\n")
print(f"- Machine: {platform.machine()}, {os.cpu_count()} cores, kernel {platform.release()}; file system of `{os.path.abspath(folder)}`.")
print(f"- {seconds:.0f} s, {count:,} flushes, one every ~2 ms plus the flush; load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}.\n")
print("| p50 | p90 | p99 | p99.9 | max | flushes over 50 ms |")
print("|---:|---:|---:|---:|---:|---:|")
print(f"| {at(0.5):.2f} ms | {at(0.9):.2f} ms | {at(0.99):.2f} ms | {at(0.999):.2f} ms | {latencies[-1]:.1f} ms | {len(spikes)} |\n")
if spikes:
    print("Flushes over 50 ms (UTC time, ms): " + ", ".join(f"{when} {waited:.0f}" for when, waited in spikes))
