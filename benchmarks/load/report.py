"""Writes the load run's report: <prefix>.md (machine, targets, figures) and <prefix>.png.

    report.py WORK_DIR PREFIX

WORK_DIR holds what run.sh measured: results.csv, machine.json, preload.csv, pools.csv.
Needs matplotlib (Debian's python3-matplotlib).
"""
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

work, prefix = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(os.path.join(work, "results.csv"))))
machine = json.load(open(os.path.join(work, "machine.json")))
preload = list(csv.DictReader(open(os.path.join(work, "preload.csv"))))
pools = list(csv.DictReader(open(os.path.join(work, "pools.csv"))))

for r in rows:
    for k in ("requests_per_s", "resources_per_s", "p50_ms", "p90_ms", "p99_ms", "max_ms"):
        r[k] = float(r[k])
    for k in ("connections", "requests", "non2xx", "socket_errors"):
        r[k] = int(r[k])

OPERATIONS = [
    ("read", "read (GET Observation/id)", "requests/s"),
    ("search", "search (subject + code, _count=20)", "requests/s"),
    ("create", "create (POST Observation)", "creates/s"),
    ("create-sealed", "create sealed (PUT Observation/id with a signed envelope)", "creates/s"),
    ("import", "transaction import (Bundles of 100)", "resources/s"),
]
CONFIGS = [c for c in ("plain", "protected") if any(r["config"] == c for r in rows)]
connections = sorted({r["connections"] for r in rows})


def series(config, op):
    return sorted((r for r in rows if r["config"] == config and r["operation"] == op), key=lambda r: r["connections"])


def best(config, op):
    s = series(config, op)
    return max(s, key=lambda r: r["resources_per_s"]) if s else None


def at(config, op, c):
    return next((r for r in series(config, op) if r["connections"] == c), None)


def n(x, digits=0):
    return f"{x:,.{digits}f}"


ceiling = best("postgres", "pgbench-insert")
out = []
w = out.append
w(f"# Load run {machine['date']}: FhirServer on loopback, both configurations, with PostgreSQL's ceiling")
w("")
w("Made by `benchmarks/load/run.sh` (raw numbers: `" + os.path.basename(prefix) + ".csv`, plot: `"
  + os.path.basename(prefix) + ".png`). wrk on 127.0.0.1 with "
  f"{machine['threads']} threads at {machine['connections']} connections; each point is a {machine['duration']} s run after a "
  f"{machine['warmup']} s warm-up at the same connection count. Throughput counts only completed requests; latency is "
  "wrk's (`--latency`), measured from the load generator, which shares the 2 cores with the server and PostgreSQL. "
  "The PostgreSQL cluster is private and throwaway but runs the production settings of `./sesphr up` "
  "(fsync and synchronous_commit on: every acknowledged write is on disk).")
w("")
w("## Machine")
w("")
w("| what | value |")
w("| --- | --- |")
for label, key in [("date (UTC)", "started_utc"), ("CPU", "cpu"), ("cores", "cores"), ("memory", "memory"), ("kernel", "kernel"),
                   (".NET runtime", "dotnet"), ("PostgreSQL", "postgres"), ("load generator", "wrk"),
                   ("load average before / after", None), ("whole run", "wall_seconds"), ("source", "tree")]:
    if key is None:
        w(f"| {label} | {machine['load_before']} / {machine['load_after']} |")
    elif key == "wall_seconds":
        w(f"| {label} | {machine[key]} s; all CPUs {machine['machine_busy_pct']} % busy of 200 % on average |")
    elif key == "tree":
        head, dirty = (machine[key].split() + ["?", "?"])[:2]
        w(f"| {label} | working tree at {head}, {dirty} uncommitted path(s) under src/ |")
    else:
        w(f"| {label} | {machine[key]} |")
w("")
w(f"Data: {machine['patients']:,} patients with {machine['per_patient']} vital-sign Observations each, preloaded by "
  "transaction Bundles of 100 PUT entries; 8 of each patient's 20 are heart rates (LOINC 8867-4), which is what a search "
  "returns. Reads and searches run on that data alone, before the writes. Plain configuration: whole Observations "
  "(value, unit, interpretation, note, method; ~1 KB, the same document pgbench inserts). Protected configuration: "
  "Observations with only the clear elements of the section policy (status, vital-signs category, LOINC vital-sign code, "
  "subject, encounter, effectiveDateTime, issued) for create, preload and import, and, for the sealed create, whole "
  "Observations sealed beforehand by `SectionSealer` (clear part plus a signed vitals envelope, ~2.6 KB), each PUT to its "
  f"own id from a pool of {machine['sealed_pool']:,}.")
w("")

# --- targets ----------------------------------------------------------------------------------------
w("## Targets")
w("")
w("| target | " + " | ".join(CONFIGS) + " |")
w("| --- | " + " | ".join("---" for _ in CONFIGS) + " |")


def verdict(ok):
    return "**met**" if ok else "**missed**"


def target_row(label, op, threshold, unit):
    cells = []
    for config in CONFIGS:
        b = best(config, op)
        cells.append("n/a" if b is None else f"{n(b['resources_per_s'])} {unit} at {b['connections']} conn.: {verdict(b['resources_per_s'] >= threshold)}")
    w(f"| {label} | " + " | ".join(cells) + " |")


if ceiling:
    threshold = 0.15 * ceiling["resources_per_s"]
    target_row(f"create ≥ 15 % of the pgbench insert ceiling ({n(ceiling['resources_per_s'])}/s at {ceiling['connections']} conn.) = {n(threshold)}/s",
               "create", threshold, "/s")
    if any(r["operation"] == "create-sealed" for r in rows):
        b = best("protected", "create-sealed")
        cells = ["n/a" if c != "protected" else f"{n(b['resources_per_s'])} /s at {b['connections']} conn. ({100 * b['resources_per_s'] / ceiling['resources_per_s']:.1f} % of the ceiling): {verdict(b['resources_per_s'] >= threshold)}" for c in CONFIGS]
        w("| the same for sealed creates | " + " | ".join(cells) + " |")
target_row("read ≥ 8,000/s", "read", 8000, "/s")
target_row("search ≥ 2,000/s", "search", 2000, "/s")
target_row("transaction import ≥ 5,000 resources/s", "import", 5000, "resources/s")
cells = []
for config in CONFIGS:
    parts = []
    for op, _, _ in OPERATIONS:
        r = at(config, op, 32)
        if r:
            parts.append(f"{op} {r['p99_ms']:.1f} ms{'' if r['p99_ms'] < 50 else ' ✗'}")
    ok = all(at(config, op, 32)["p99_ms"] < 50 for op, _, _ in OPERATIONS if at(config, op, 32))
    cells.append(f"{verdict(ok)}: " + ", ".join(parts) if parts else "n/a (no run at 32 connections)")
w("| p99 < 50 ms at 32 connections | " + " | ".join(cells) + " |")
w("")

# --- compact figures ----------------------------------------------------------------------------------
w("## Throughput by connections")
w("")
w("Requests per second (transaction import: resources per second, 100 a Bundle); p99 in ms below each.")
w("")
w("| operation | configuration | " + " | ".join(f"{c} conn." for c in connections) + " |")
w("| --- | --- | " + " | ".join("---:" for _ in connections) + " |")
if ceiling:
    w("| pgbench single-row jsonb insert | PostgreSQL | " + " | ".join(
        (lambda r: f"{n(r['resources_per_s'])}<br>p99 {r['p99_ms']:.1f}" if r else "")(at("postgres", "pgbench-insert", c)) for c in connections) + " |")
for op, label, _ in OPERATIONS:
    for config in CONFIGS:
        if not series(config, op):
            continue
        w(f"| {label} | {config} | " + " | ".join(
            (lambda r: f"{n(r['resources_per_s'])}<br>p99 {r['p99_ms']:.1f}" if r else "skipped")(at(config, op, c)) for c in connections) + " |")
w("")

# --- every measurement --------------------------------------------------------------------------------
w("## Every measurement")
w("")
w("CPU columns are percent of one core over the measured run (the machine has 200 %): the FhirServer process, all "
  "backends of the throwaway cluster, the load generator (wrk or pgbench), and everything busy on the machine, other "
  "people's work included. Errors: non-2xx answers and socket errors/time-outs; any non-zero count makes that row suspect.")
w("")
w("| configuration | operation | conn. | req/s | resources/s | p50 ms | p90 ms | p99 ms | max ms | errors | server CPU % | PostgreSQL CPU % | generator CPU % | machine busy % |")
w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for r in rows:
    w(f"| {r['config']} | {r['operation']} | {r['connections']} | {n(r['requests_per_s'])} | {n(r['resources_per_s'])} | "
      f"{r['p50_ms']:.2f} | {r['p90_ms']:.2f} | {r['p99_ms']:.2f} | {r['max_ms']:.1f} | {r['non2xx'] + r['socket_errors']} | "
      f"{r['server_cpu_pct'] or '-'} | {r['postgres_cpu_pct']} | {r['generator_cpu_pct']} | {r['machine_busy_pct']} |")
w("")
if preload:
    w("Preload (transaction Bundles of 100 PUT entries with client ids, `Prefer: return=minimal`, curl 2 at a time): " + "; ".join(
        f"{p['config']} {int(p['resources']):,} resources in {p['seconds']} s = {n(float(p['resources_per_s']))} resources/s" for p in preload) + ".")
    w("")
for p in pools:
    sent, pool = int(p["requests_sent"]), int(p["pool"])
    w(f"Sealed pool: {sent:,} PUTs sent (warm-ups included) from a pool of {pool:,}: "
      + ("every one a create of a new id." if sent <= pool else f"the last {sent - pool:,} wrapped around and were updates of ids already written."))
    w("")

# --- plot ---------------------------------------------------------------------------------------------
ops = [o for o in OPERATIONS if o[0] != "create-sealed"]
fig, axes = plt.subplots(2, 2, figsize=(12, 9))
colors = {"plain": "tab:blue", "protected": "tab:orange"}
for ax, (op, label, unit) in zip(axes.flat, ops):
    for config in CONFIGS:
        s = series(config, op)
        if s:
            ax.plot([r["connections"] for r in s], [r["resources_per_s"] for r in s], "o-", color=colors[config], label=config)
    if op == "create" and any(r["operation"] == "create-sealed" for r in rows):
        s = series("protected", "create-sealed")
        ax.plot([r["connections"] for r in s], [r["resources_per_s"] for r in s], "s--", color=colors["protected"], label="protected, sealed (PUT)")
    if op in ("create", "import") and ceiling:
        s = series("postgres", "pgbench-insert")
        ax.plot([r["connections"] for r in s], [r["resources_per_s"] for r in s], "^:", color="tab:gray", label="pgbench jsonb insert (ceiling)")
    target = {"read": 8000, "search": 2000, "import": 5000, "create": 0.15 * ceiling["resources_per_s"] if ceiling else None}[op]
    if target:
        ax.axhline(target, color="tab:red", linewidth=0.8, linestyle="--", label="target")
    ax.set_xscale("log", base=2)
    ax.set_xticks(connections)
    ax.set_xticklabels([str(c) for c in connections])
    ax.set_ylim(bottom=0)
    ax.set_title(label)
    ax.set_xlabel("connections")
    ax.set_ylabel(unit)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
fig.suptitle(f"SeSPHR FhirServer load run {machine['date']} ({machine['cores']} cores, load generator included)")
fig.tight_layout()
fig.savefig(prefix + ".png", dpi=100)
w(f"![throughput by connections]({os.path.basename(prefix)}.png)")
w("")

with open(prefix + ".md", "w") as f:
    f.write("\n".join(out))
