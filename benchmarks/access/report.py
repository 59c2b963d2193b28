"""Writes the access run's report: <prefix>.md (machine, target, figures, where the time goes) and <prefix>.png.

    report.py WORK_DIR PREFIX

WORK_DIR holds what run.sh measured: results.csv and machine.json. The plot needs matplotlib
(Debian's python3-matplotlib); without it the report says so and has no plot.
"""
import csv
import json
import os
import sys

work, prefix = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(os.path.join(work, "results.csv"))))
machine = json.load(open(os.path.join(work, "machine.json")))

for r in rows:
    for k in ("requests_per_s", "p50_ms", "p90_ms", "p99_ms", "max_ms"):
        r[k] = float(r[k])
    for k in ("connections", "requests", "non2xx", "socket_errors", "cold_pool_wrapped"):
        r[k] = int(r[k])
    for k in ("fhir_cpu_pct", "srs_cpu_pct", "pg_fhir_cpu_pct", "pg_srs_cpu_pct", "wrk_cpu_pct", "machine_busy_pct"):
        r[k] = float(r[k])

TARGET = 1.5
connections = sorted({r["connections"] for r in rows})


def runs(op, user, kind, c):
    return [r for r in rows if r["operation"] == op and r["user"] == user and r["kind"] == kind and r["connections"] == c]


def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else None


def summary(op, user, kind, c):
    """The mean of the runs at one point (the patient is measured twice, before and after the doctor)."""
    found = runs(op, user, kind, c)
    if not found:
        return None
    keys = ("requests_per_s", "p50_ms", "p99_ms", "fhir_cpu_pct", "srs_cpu_pct", "pg_fhir_cpu_pct", "pg_srs_cpu_pct", "machine_busy_pct")
    s = {k: mean(r[k] for r in found) for k in keys}
    s["non2xx"] = sum(r["non2xx"] + r["socket_errors"] for r in found)
    s["requests"] = sum(r["requests"] for r in found)
    s["wrapped"] = any(r["cold_pool_wrapped"] for r in found)
    s["runs"] = len(found)
    return s


def n(x, digits=0):
    return "–" if x is None else f"{x:,.{digits}f}"


def ratios(op, kind):
    """Per connection count: (patient, doctor, throughput ratio patient/doctor, p99 ratio doctor/patient, met)."""
    out = []
    for c in connections:
        p, d = summary(op, "patient", "own", c), summary(op, "doctor", kind, c)
        if not p or not d:
            continue
        cost = p["requests_per_s"] / d["requests_per_s"] if d["requests_per_s"] else float("inf")
        p99 = d["p99_ms"] / p["p99_ms"] if p["p99_ms"] else float("inf")
        met = cost <= TARGET and p99 <= TARGET and d["non2xx"] == 0 and p["non2xx"] == 0
        out.append((c, p, d, cost, p99, met))
    return out


out = []
w = out.append
w(f"# Authorised reads with re-encryption vs the patient's own reads — {machine['date']}")
w("")
w("The re-encryption read benchmark: a doctor granted the patient's vitals reads them through the FhirServer, which asks the SRS for "
  "cfrags (one batched `POST /api/reencrypt` per response) and audits before answering; the patient reads the same "
  "Observations without the SRS. Produced by `benchmarks/access/run.sh`; raw figures in the `.csv` next to this file.")
w("")
w("## Machine and run")
w("")
w(f"- {machine['cpu']}, **{machine['cores']} cores**, {machine['memory']} memory, kernel {machine['kernel']}; "
  f"{machine['dotnet']}; {machine['postgres']}; {machine['wrk']}.")
w(f"- Load average before the run {machine['load_before']}, after {machine['load_after']}; the machine was "
  f"{machine['machine_busy_pct']} % busy on average over the run (of 200 %), the load generator "
  "and anything else running included: a shared machine is noisy, which is why patient and doctor runs alternate.")
w(f"- Started {machine['started_utc']} UTC, {machine['wall_seconds']} s in all (seeding {machine['seed_seconds']} s). "
  f"Tree: {machine['tree'].strip()} (commit, number of uncommitted files under src).")
w(f"- Data: one patient's {machine['count']:,} sealed vitals Observations (one signed envelope each), written through "
  f"the FhirServer by the patient's client (transaction Bundles of 100 PUT entries); the doctor granted vitals after the writes.")
w(f"- wrk, {machine['threads']} threads, at {machine['connections']} connections; each measured run {machine['duration']} s "
  f"after a {machine['warmup']} s warm-up (patient and doctor-warm). PostgreSQL with fsync on; the SRS with raised "
  "login/token/re-encryption rate limits and a cfrag cache larger than the data.")
w(f"- **Warm**: a slice of {machine['warm_slice']:,} Observations the doctor read once before the runs (every cfrag cached). "
  f"**Cold**: Observations the doctor never read, a fresh part of a pool of {machine['cold_pool']:,} for each run, so every "
  f"capsule is re-encrypted (Umbral reencrypt) by the SRS; the cold runs used {machine['cold_used']:,} of the pool"
  + (" — **the pool wrapped** in a run marked below, part of that run was warm." if any(r["cold_pool_wrapped"] for r in rows) else ", none wrapped."))
w("- **Warm** reads go to a FhirServer that replays the cfrags the SRS already issued to the doctor (same capsule, "
  "unchanged Consents: no SRS call); **SRS-warm** reads are the same warm slice through a second FhirServer on the same "
  "database and SRS that replays nothing, so every read makes its SRS call and the SRS answers from its cfrag cache.")
w("- **Patient** figures are the mean of two runs at each count, one before and one after the doctor's.")
w("")

read_warm = ratios("read", "warm")
read_cold = ratios("read", "cold")
w("## Target: with a warm cfrag cache, the doctor's reads at most 1.5× the patient's cost")
w("")
w("Read as: doctor throughput ≥ patient throughput / 1.5 **and** doctor p99 ≤ 1.5 × patient p99, at each connection count, "
  "with no non-2xx answers.")
w("")
w("| connections | patient req/s | doctor warm req/s | cost (patient/doctor req/s) | p99 patient | p99 doctor warm | p99 ratio | met |")
w("|---:|---:|---:|---:|---:|---:|---:|:--:|")
for c, p, d, cost, p99, met in read_warm:
    w(f"| {c} | {n(p['requests_per_s'])} | {n(d['requests_per_s'])} | {cost:.2f}× | {n(p['p99_ms'], 2)} ms | {n(d['p99_ms'], 2)} ms | {p99:.2f}× | {'yes' if met else '**no**'} |")
w("")
all_met = bool(read_warm) and all(m for *_, m in read_warm)
w(f"**Target {'met' if all_met else 'not met'}** at "
  f"{sum(1 for *_, m in read_warm if m)} of {len(read_warm)} connection counts"
  + ("." if all_met else f" (missed at {', '.join(str(c) for c, *_, m in read_warm if not m)})."))
w("")
read_srs_warm = ratios("read", "srs-warm")
if read_srs_warm:
    w("## SRS-warm: no replay, every read asks the SRS (reported, side by side)")
    w("")
    w("| connections | patient req/s | doctor SRS-warm req/s | cost | p99 patient | p99 doctor SRS-warm | p99 ratio | within 1.5× |")
    w("|---:|---:|---:|---:|---:|---:|---:|:--:|")
    for c, p, d, cost, p99, met in read_srs_warm:
        w(f"| {c} | {n(p['requests_per_s'])} | {n(d['requests_per_s'])} | {cost:.2f}× | {n(p['p99_ms'], 2)} ms | {n(d['p99_ms'], 2)} ms | {p99:.2f}× | {'yes' if met else 'no'} |")
    w("")
w("## Cold: every capsule re-encrypted (reported, no target)")
w("")
w("| connections | patient req/s | doctor cold req/s | cost | p99 patient | p99 doctor cold | p99 ratio | pool wrapped |")
w("|---:|---:|---:|---:|---:|---:|---:|:--:|")
for c, p, d, cost, p99, _ in read_cold:
    w(f"| {c} | {n(p['requests_per_s'])} | {n(d['requests_per_s'])} | {cost:.2f}× | {n(p['p99_ms'], 2)} ms | {n(d['p99_ms'], 2)} ms | {p99:.2f}× | {'yes' if d['wrapped'] else 'no'} |")
w("")

if any(r["kind"] == "directory" for r in rows):
    w("## Audit cost: the patient's audited reads vs unaudited reads of clear directory resources")
    w("")
    w("Same user, same token, resources of about the same size; a protected read waits for its AuditEvent's commit, a")
    w("directory Organization is never audited. Target: audited ≥ 0.7× unaudited throughput at 16–32 connections.")
    w("")
    w("| connections | audited req/s | unaudited req/s | audited/unaudited | p99 audited | p99 unaudited | ≥ 0.7× |")
    w("|---:|---:|---:|---:|---:|---:|:--:|")
    for c in connections:
        a, u = summary("read", "patient", "own", c), summary("read", "patient", "directory", c)
        if not a or not u or not u["requests_per_s"]:
            continue
        ratio = a["requests_per_s"] / u["requests_per_s"]
        w(f"| {c} | {n(a['requests_per_s'])} | {n(u['requests_per_s'])} | {ratio:.2f}× | {n(a['p99_ms'], 2)} ms | {n(u['p99_ms'], 2)} ms | {'yes' if ratio >= 0.7 else '**no**'} |")
    w("")

if any(r["operation"] == "search" for r in rows):
    search = ratios("search", "warm")
    w("## Search: `GET Observation?subject=…&_count=20` (20 capsules in one SRS call), warm")
    w("")
    w("| connections | patient req/s | doctor req/s | cost | p99 patient | p99 doctor | p99 ratio | within 1.5× |")
    w("|---:|---:|---:|---:|---:|---:|---:|:--:|")
    for c, p, d, cost, p99, met in search:
        w(f"| {c} | {n(p['requests_per_s'])} | {n(d['requests_per_s'])} | {cost:.2f}× | {n(p['p99_ms'], 2)} ms | {n(d['p99_ms'], 2)} ms | {p99:.2f}× | {'yes' if met else 'no'} |")
    w("")

w("## Where the time goes: CPU per process during each measured run")
w("")
w("Percent of one core, from /proc/<pid>/stat before and after each run (utime + stime; for SRS-warm runs the "
  "FhirServer column is the second FhirServer's); PostgreSQL split by the "
  "service role of its live backends (the servers' connection pools keep them), so `pg fhir` is the FhirServer's "
  "queries and audit commits, `pg srs` the SRS's key look-ups and re-encryption log. CPU per request = CPU % × 10 ms / req/s.")
w("")
w("| operation | user | kind | connections | req/s | FhirServer % | SRS % | pg fhir % | pg srs % | wrk % | machine % (of 200) | FhirServer ms/req | SRS ms/req |")
w("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for op in ("read", "search"):
    for c in connections:
        for user, kind in (("patient", "own"), ("doctor", "warm"), ("doctor", "srs-warm"), ("doctor", "cold")):
            s = summary(op, user, kind, c)
            if not s:
                continue
            per = (lambda pct: 10 * pct / s["requests_per_s"] if s["requests_per_s"] else 0)
            w(f"| {op} | {user} | {kind} | {c} | {n(s['requests_per_s'])} | {n(s['fhir_cpu_pct'])} | {n(s['srs_cpu_pct'])} | "
              f"{n(s['pg_fhir_cpu_pct'])} | {n(s['pg_srs_cpu_pct'])} | {n(mean(r['wrk_cpu_pct'] for r in runs(op, user, kind, c)))} | "
              f"{n(s['machine_busy_pct'])} | {per(s['fhir_cpu_pct']):.3f} | {per(s['srs_cpu_pct']):.3f} |")
w("")
errors = [r for r in rows if r["non2xx"] or r["socket_errors"]]
w("## Errors")
w("")
if errors:
    for r in errors:
        w(f"- {r['operation']} {r['user']} {r['kind']} c={r['connections']}: {r['non2xx']} non-2xx, {r['socket_errors']} socket errors")
else:
    w("No non-2xx answer and no socket error in any measured run.")
w("")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    series = [("patient", "own", "patient (own reads)"), ("doctor", "warm", "doctor, warm (replayed)"), ("doctor", "srs-warm", "doctor, SRS-warm (no replay)"), ("doctor", "cold", "doctor, cold")]
    for user, kind, label in series:
        points = [(c, summary("read", user, kind, c)) for c in connections]
        points = [(c, s) for c, s in points if s]
        axes[0].plot([c for c, _ in points], [s["requests_per_s"] for _, s in points], marker="o", label=label)
        axes[1].plot([c for c, _ in points], [s["p99_ms"] for _, s in points], marker="o", label=label)
    patient = [(c, summary("read", "patient", "own", c)) for c in connections]
    patient = [(c, s) for c, s in patient if s]
    axes[0].plot([c for c, _ in patient], [s["requests_per_s"] / TARGET for _, s in patient], linestyle="--", color="grey", label="target floor (patient / 1.5)")
    axes[1].plot([c for c, _ in patient], [s["p99_ms"] * TARGET for _, s in patient], linestyle="--", color="grey", label="target ceiling (patient × 1.5)")
    for ax, title, unit in ((axes[0], "GET Observation/id throughput", "requests/s"), (axes[1], "GET Observation/id p99 latency", "ms")):
        ax.set_xscale("log", base=2)
        ax.set_xticks(connections, [str(c) for c in connections])
        ax.set_xlabel("connections")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    axes[1].set_yscale("log")
    fig.suptitle(f"Reads with re-encryption vs the patient's own reads, {machine['date']} ({machine['cores']} cores, shared)")
    fig.tight_layout()
    fig.savefig(prefix + ".png", dpi=110)
    w(f"![throughput and p99]({os.path.basename(prefix)}.png)")
except ImportError:
    w("No plot: matplotlib is not installed (Debian's python3-matplotlib).")
w("")

open(prefix + ".md", "w").write("\n".join(out))
