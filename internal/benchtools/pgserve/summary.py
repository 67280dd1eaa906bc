"""Medians of run.sh's raw lines: executions/s and the ratio to the peer,
peak memory per node, and what the database did per state transition.

A state transition is a state entered: hello enters 1 state per execution,
chain10 10, activity 1 (the harness's definitions). A step is what one
group commit writes for one execution (a start, a task's result, a timer):
a chain of Pass states is one step. Round trips and group commits are the
sums over the nodes of what their /metrics counted during
the run (pgserve's report), so the nodes' background loops are in them. Server CPU is the nodes' (for
PostgreSQL the database's own is the last column).
"""
import collections
import json
import statistics
import sys

STATES = {"hello": 1, "chain10": 10, "activity": 1}

runs = collections.defaultdict(list)
for l in open(sys.argv[1]):
    e, w, r, rss, cpu, line, rep = l.rstrip("\n").split("\t", 6)
    d, rep = json.loads(line), json.loads(rep)
    nodes = rep.get("nodes") or []
    execs = d.get("executions", 0) or 1
    row = {
        "cpu_us": 1e6 * (sum(n["cpu_s"] for n in nodes) if nodes else float(cpu or 0)) / execs,
        "xps": d.get("executions_per_s", 0) if d.get("failed", 0) == 0 else 0,
        "p50": d.get("done_p50_ms", 0),
        "p99": d.get("done_p99_ms", 0),
        "rss": max([n["peak_rss_kb"] for n in nodes] or [int(rss or 0)]) / 1024,
    }
    if nodes:
        transitions = d.get("executions", 0) * STATES[w]
        trips = sum(n["round_trips"] for n in nodes)
        commits = sum(n["commits"] for n in nodes)
        steps = sum(n["commit_steps"] for n in nodes)
        pgcpu = rep.get("postgres_cpu_s", 0)
        row.update(pg_us_per_step=1e6 * pgcpu / steps if steps else 0, commit_rt_per_step=commits / steps if steps else 0)
        row.update(rtpt=trips / transitions, steps_per_commit=steps / commits if commits else 0,
                   rt_per_step=trips / steps if steps else 0, commits_per_transition=commits / transitions)
    runs[(e, w)].append(row)


def med(e, w, k):
    v = [r[k] for r in runs[(e, w)] if k in r]
    return statistics.median(v) if v else float("nan")


engines = list(dict.fromkeys(k[0] for k in runs))
print("| workload | engine | exec/s | x peer | done p50 ms | done p99 ms | peak RSS MB (per node) | server CPU µs / exec | round trips / transition | commits / transition | steps / commit | PostgreSQL CPU µs / step |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for w in dict.fromkeys(k[1] for k in runs):
    peer = med("peer", w, "xps") if ("peer", w) in runs else float("nan")
    for e in engines:
        if (e, w) not in runs:
            continue
        x = med(e, w, "xps")
        pg = ("rtpt" in runs[(e, w)][0])
        print(f"| {w} | {e} | {x:.0f} | {x / peer if peer else float('nan'):.2f}x | {med(e, w, 'p50'):.0f} | {med(e, w, 'p99'):.0f} | {med(e, w, 'rss'):.0f} | {med(e, w, 'cpu_us'):.0f} | "
              + (f"{med(e, w, 'rtpt'):.3f} | {med(e, w, 'commits_per_transition'):.3f} | {med(e, w, 'steps_per_commit'):.1f} | {med(e, w, 'pg_us_per_step'):.0f} |" if pg else "— | — | — | — |"))
