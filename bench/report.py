#!/usr/bin/env python3
"""Results of bench/run: JSON, a Markdown table, a PNG chart and the verdict on issue 6's targets.

    bench/report.py cases --raw DIR --out DIR     DIR/NN-<label>.txt (one per measured run) and
                                                  DIR/meta.txt, key=value lines written by bench/run
    bench/report.py soak --meta FILE --csv FILE --segments FILE --out DIR
    bench/report.py callgrind --raw DIR --out DIR    DIR/NN-<label>.txt and .callgrind.txt
                                                  (callgrind_annotate --inclusive=yes)

Writes into --out: latest.json and <stamp>.json, latest.md, latest.png and <stamp>.png (cases), or
soak-latest.json and soak-latest.png (soak), or callgrind-latest.md and .json; prints the table
and the verdict. Runs with Debian's
python3 and python3-matplotlib (Agg backend, no display needed).

Targets (issue 6, "What it must show"), checked here:
  * through nginx with keepalive, v4 policy and v4 REST part signing each reach at least 90 % of
    the bare libfcgi ceiling of the same run (bench/run measures the ceiling before every run and
    at the end; each run is compared with the mean of the ceiling runs just before and after it);
  * their p99 at most 4 ms (defined at 64 connections) and no failed request, in any run;
  * the responder's peak RSS (VmHWM) at most 20 MiB under load;
  * soak: mean RSS of the first minute (after the warm-up) and of the last within 5 %.
A missed target prints MISSED; the exit status stays 0 (bench/run is a benchmark, not a test).
"""

import argparse
import datetime
import json
import shutil
import statistics
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

RATIO_TARGET = 0.90
P99_TARGET_MS = 4.0
RSS_TARGET_MIB = 20.0
SOAK_FLATNESS = 0.05
TARGET_CASES = ("keepalive/v4-policy", "keepalive/v4-rest-part")
TARGET_CONNECTIONS = 64
# Above these, the run says its numbers are not to be trusted.
QUIET_OTHER_LOAD_PCT = 5.0
UPSTREAMS = {"signer": "s3-upload-signer", "bare": "bare libfcgi",
             "server": "src/fcgi server, constant reply"}
CEILING_SPREAD_WARN_PCT = 10.0

INT_KEYS = {"requests", "duration_us", "p50_us", "p90_us", "p99_us", "p999_us", "max_us",
            "failed", "unexpected", "connect_errors", "read_errors", "write_errors", "timeouts",
            "body_bytes", "expected_status", "upstream_keepalive", "nginx_workers",
            "responder_threads", "upstream_os_threads", "responder_cpu_ticks", "nginx_cpu_ticks",
            "wrk_cpu_ticks", "machine_busy_jiffies",
            "machine_idle_jiffies", "responder_vmhwm_kib", "responder_vmrss_kib",
            "responder_log_lines", "nproc", "clk_tck", "duration_s", "warmup_s", "connections",
            "wrk_threads", "bare_threads", "soak_s"}
FLOAT_KEYS = {"rps", "mean_us", "load_start_s", "load_end_s"}


def read_kv(path):
    values = {}
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        if "=" not in line:
            continue
        key, value = line.split("=", 1)
        if key in INT_KEYS:
            try:
                value = int(value)
            except ValueError:
                value = None
        elif key in FLOAT_KEYS:
            try:
                value = float(value)
            except ValueError:
                value = None
        elif value in ("true", "false"):
            value = value == "true"
        values[key] = value
    return values


def stamp_of(meta):
    return meta.get("date", datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")) \
        .replace(":", "").replace("-", "")


def mib(kib):
    return round(kib / 1024, 2) if kib else None


def verdict_line(ok, text):
    return f"  {'pass  ' if ok else 'MISSED'}  {text}"


# ------------------------------------------------------------------------------------------------
# Cases
# ------------------------------------------------------------------------------------------------

def total_cpu(run):
    """Responder + nginx workers + wrk CPU per request, µs: what one request costs the machine."""
    parts = [run["cpu_us_per_request"]["responder"], run["cpu_us_per_request"]["nginx_workers"],
             run["cpu_us_per_request_wrk"]]
    return None if None in parts else sum(parts)


def ceiling_bracket(raws, index):
    """The indices of the ceiling runs just before and just after run `index` (a ceiling run: the
    whole ceiling set, so that its ratio shows how far it is from the mean)."""
    ceilings = [i for i, r in enumerate(raws) if r["label"] == "ceiling"]
    if raws[index]["label"] == "ceiling":
        return ceilings
    before = [i for i in ceilings if i < index][-1:]
    after = [i for i in ceilings if i > index][:1]
    return before + after


def bracket_mean(items, indices, value):
    values = [value(items[i]) for i in indices]
    values = [v for v in values if v]
    return statistics.mean(values) if values else None


def summarise_run(raw, clk_tck, ceiling_rps):
    requests = raw.get("requests") or 0
    per_request = (lambda ticks: round(ticks / clk_tck * 1e6 / requests, 1)
                   if requests and ticks is not None else None)
    busy, idle = raw.get("machine_busy_jiffies"), raw.get("machine_idle_jiffies")
    return {
        "label": raw["label"],
        "upstream": UPSTREAMS.get(raw["kind"], raw["kind"]),
        "nginx_config": raw["config"],
        "case": raw["case"],
        "body_bytes": raw.get("body_bytes"),
        "expected_status": raw.get("expected_status"),
        "first_check": raw.get("first_check"),
        "requests": requests,
        "requests_per_s": round(raw.get("rps") or 0.0, 1),
        "ratio_to_ceiling": round((raw.get("rps") or 0.0) / ceiling_rps, 3) if ceiling_rps
        else None,
        "latency_ms": {name: round((raw.get(key) or 0) / 1000, 3) for name, key in
                       (("p50", "p50_us"), ("p90", "p90_us"), ("p99", "p99_us"),
                        ("p99.9", "p999_us"), ("max", "max_us"))},
        "failed": raw.get("failed"),
        "failed_detail": {k: raw.get(k) for k in ("unexpected", "connect_errors", "read_errors",
                                                  "write_errors", "timeouts")},
        "status_counts": raw.get("status_counts"),
        "first_unexpected": raw.get("first_unexpected"),
        "cpu_us_per_request": {"responder": per_request(raw.get("responder_cpu_ticks")),
                               "nginx_workers": per_request(raw.get("nginx_cpu_ticks"))},
        "cpu_us_per_request_wrk": per_request(raw.get("wrk_cpu_ticks")),
        "machine_busy_pct": round(100 * busy / (busy + idle), 1) if busy and idle is not None
        else None,
        # What the machine spent on anything but the responder, nginx and wrk: not a quiet machine.
        "other_load_pct": other_load(raw),
        "responder_peak_rss_mib": mib(raw.get("responder_vmhwm_kib")),
        "responder_rss_at_end_mib": mib(raw.get("responder_vmrss_kib")),
        # Every thread of the upstream process (workers, signal watcher, main).
        "upstream_os_threads": raw.get("upstream_os_threads", raw.get("responder_threads")),
        "responder_log_lines": raw.get("responder_log_lines"),
        "nginx_workers": raw.get("nginx_workers"),
        "upstream_keepalive": raw.get("upstream_keepalive"),
        "upstream_died": raw.get("upstream_died", False),
    }


def other_load(raw):
    busy, idle = raw.get("machine_busy_jiffies"), raw.get("machine_idle_jiffies")
    ours = [raw.get(k) for k in ("responder_cpu_ticks", "nginx_cpu_ticks", "wrk_cpu_ticks")]
    if busy is None or idle is None or None in ours or busy + idle == 0:
        return None
    return round(100 * max(0, busy - sum(ours)) / (busy + idle), 1)


def case_targets(runs, meta):
    by_label = {r["label"]: r for r in runs}
    targets = []
    for label in TARGET_CASES:
        run = by_label.get(label)
        if run is None:
            targets.append({"target": f"{label} measured", "ok": False,
                            "value": "not in this run (--only)"})
            continue
        ratio = run["ratio_to_ceiling"] or 0.0
        cpu_ratio = run.get("ratio_to_ceiling_cpu_based")
        targets.append({"target": f"{label}: >= {RATIO_TARGET:.0%} of the ceiling",
                        "ok": ratio >= RATIO_TARGET,
                        "value": f"{ratio:.1%}" + (f" (CPU-based: {cpu_ratio:.0%})"
                                                   if cpu_ratio is not None else "")})
        p99 = run["latency_ms"]["p99"]
        note = "" if meta.get("connections") == TARGET_CONNECTIONS else \
            f" (target defined at {TARGET_CONNECTIONS} connections, run at " \
            f"{meta.get('connections')})"
        targets.append({"target": f"{label}: p99 <= {P99_TARGET_MS:g} ms{note}",
                        "ok": p99 <= P99_TARGET_MS, "value": f"{p99:.2f} ms"})
    failed = {r["label"]: r["failed"] for r in runs if r["failed"]}
    died = [r["label"] for r in runs if r["upstream_died"]]
    targets.append({"target": "no failed request (every run)", "ok": not failed and not died,
                    "value": ", ".join(f"{k}: {v}" for k, v in failed.items()) or "0"})
    if died:
        targets.append({"target": "the upstream survives every run", "ok": False,
                        "value": "died during " + ", ".join(died)})
    signer = [r for r in runs if r["upstream"] == "s3-upload-signer"]
    peak = max((r["responder_peak_rss_mib"] or 0 for r in signer), default=0)
    targets.append({"target": f"responder peak RSS <= {RSS_TARGET_MIB:g} MiB under load",
                    "ok": bool(signer) and peak <= RSS_TARGET_MIB, "value": f"{peak:.1f} MiB"})
    return targets


def quietness_warnings(runs, ceiling):
    warnings = []
    noisy = [r for r in runs if (r["other_load_pct"] or 0) > QUIET_OTHER_LOAD_PCT]
    if noisy:
        worst = max(noisy, key=lambda r: r["other_load_pct"])
        warnings.append(f"WARNING: the machine was not quiet: other processes used up to "
                        f"{worst['other_load_pct']:.0f} % of its CPU during {len(noisy)} of "
                        f"{len(runs)} runs (worst: {worst['label']}); the numbers are not reliable")
    if ceiling["spread_pct"] > CEILING_SPREAD_WARN_PCT:
        warnings.append(f"WARNING: the ceiling runs range over {ceiling['spread_pct']:.0f} % of "
                        f"their mean: the machine's speed changed during the run (each ratio "
                        f"uses the ceiling runs just before and after it)")
    return warnings


def markdown_table(runs, ceiling):
    lines = [
        "| run | upstream | req/s | vs ceiling | vs ceiling, CPU-based | p50 ms | p99 ms "
        "| p99.9 ms | failed | CPU µs/req: upstream + nginx + wrk | upstream peak RSS "
        "| other load |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        lat = r["latency_ms"]
        cpu = r["cpu_us_per_request"]
        ratio = f"{r['ratio_to_ceiling']:.0%}" if r["ratio_to_ceiling"] is not None else "-"
        cpu_ratio = f"{r['ratio_to_ceiling_cpu_based']:.0%}" \
            if r["ratio_to_ceiling_cpu_based"] is not None else "-"
        rss = f"{r['responder_peak_rss_mib']:.1f} MiB" if r["responder_peak_rss_mib"] else "-"
        lines.append(
            f"| {r['label']} | {r['upstream']} | {r['requests_per_s']:,.0f} | {ratio} | "
            f"{cpu_ratio} | {lat['p50']:.2f} | {lat['p99']:.2f} | {lat['p99.9']:.2f} | "
            f"{r['failed']} | {fmt(cpu['responder'])} + {fmt(cpu['nginx_workers'])} + "
            f"{fmt(r['cpu_us_per_request_wrk'])} | {rss} | {fmt(r['other_load_pct'])} % |")
    lines.append("")
    lines.append(
        f"Ceiling: {ceiling['requests_per_s']:,.0f} req/s, the mean of its "
        f"{len(ceiling['runs'])} runs (measured before every run and at the end; spread "
        f"{ceiling['spread_pct']:.1f} %). *vs ceiling* is req/s over the mean of the ceiling runs "
        f"just before and just after the run (the targets use it); *CPU-based* is their CPU per "
        f"request (upstream + nginx + wrk; all ceiling runs: "
        f"{fmt(ceiling['cpu_us_per_request'])} µs) over the run's, which is what the req/s ratio "
        f"comes to when wrk, nginx and the upstream have the cores to themselves. *Other load*: "
        f"the share of the machine's CPU used by anything else during the run (quiet: near 0). "
        f"keepalive = upstream keepalive + fastcgi_keep_conn, as shipped.")
    return "\n".join(lines) + "\n"


def fmt(value):
    return "-" if value is None else f"{value:.1f}"


def shown_runs(runs, ceiling):
    """The table's and the chart's rows: one ceiling row (its median run, at the mean req/s of all
    its runs; every run is in latest.json), then the other runs in order."""
    ceilings = sorted((r for r in runs if r["label"] == "ceiling"),
                      key=lambda r: r["requests_per_s"])
    rows = [r for r in runs if r["label"] != "ceiling"]
    if not ceilings:
        return rows
    median = dict(ceilings[len(ceilings) // 2])
    median["label"] = f"ceiling (mean of {len(ceilings)})" if len(ceilings) > 1 else "ceiling"
    median["requests_per_s"] = ceiling["requests_per_s"]
    median["ratio_to_ceiling"] = 1.0
    median["ratio_to_ceiling_cpu_based"] = 1.0
    median["other_load_pct"] = max((r["other_load_pct"] or 0 for r in ceilings), default=None)
    return [median] + rows


def chart(runs, ceiling, meta, path):
    labels = [r["label"].replace("keepalive/", "ka/").replace("no-ka/", "no-ka/")
              .replace("no-keepalive/", "no-ka/") for r in runs]
    colors = ["#888888" if r["upstream"] == UPSTREAMS["bare"] else
              "#bbbbbb" if r["upstream"] == UPSTREAMS["server"] else
              ("#1f77b4" if r["nginx_config"] == "keepalive" else "#ff7f0e") for r in runs]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(15, 7))
    y = range(len(runs))
    ax1.barh(y, [r["requests_per_s"] for r in runs], color=colors)
    ax1.set_yticks(list(y), labels)
    ax1.invert_yaxis()
    ax1.axvline(ceiling["requests_per_s"], color="black", linestyle="--", linewidth=1,
                label=f"ceiling {ceiling['requests_per_s']:,.0f} req/s")
    ax1.axvline(ceiling["requests_per_s"] * RATIO_TARGET, color="red", linestyle=":",
                linewidth=1, label=f"{RATIO_TARGET:.0%} of the ceiling (target)")
    for i, r in enumerate(runs):
        text = f" {r['requests_per_s']:,.0f}"
        if r["ratio_to_ceiling"] is not None and r["upstream"] != UPSTREAMS["bare"]:
            text += f"  ({r['ratio_to_ceiling']:.0%}"
            if r.get("ratio_to_ceiling_cpu_based") is not None:
                text += f"; CPU-based {r['ratio_to_ceiling_cpu_based']:.0%}"
            text += ")"
        ax1.text(r["requests_per_s"], i, text, va="center", fontsize=8)
    ax1.set_xlabel("requests per second (higher is better)")
    ax1.set_title("Throughput through nginx")
    ax1.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=2, fontsize=8)
    ax1.set_xlim(0, max(r["requests_per_s"] for r in runs) * 1.45)

    width = 0.27
    for k, (name, shade) in enumerate((("p50", "#9ecae1"), ("p99", "#3182bd"),
                                       ("p99.9", "#08519c"))):
        ax2.barh([i + (k - 1) * width for i in y], [r["latency_ms"][name] for r in runs],
                 height=width, color=shade, label=name)
    ax2.set_yticks(list(y), labels)
    ax2.invert_yaxis()
    ax2.axvline(P99_TARGET_MS, color="red", linestyle=":", linewidth=1,
                label=f"p99 target {P99_TARGET_MS:g} ms")
    ax2.set_xscale("log")
    ax2.xaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax2.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax2.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax2.set_xlabel("latency, ms, log scale (lower is better)")
    ax2.set_title("Latency")
    ax2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=4, fontsize=8)
    worst = max((r["other_load_pct"] or 0 for r in runs), default=0)
    warning = "" if worst <= QUIET_OTHER_LOAD_PCT else \
        f"\nWARNING: the machine was not quiet (other processes took up to {worst:.0f} % of " \
        f"its CPU)"
    fig.suptitle(
        f"s3-upload-signer behind nginx vs a bare libfcgi responder: {meta.get('connections')} "
        f"connections, {meta.get('nproc')} cores shared with wrk; {meta.get('cpu_model', '')}; "
        f"{meta.get('date', '')}, {str(meta.get('git_commit', ''))[:10]}\n"
        f"grey: ceiling (bare libfcgi), light grey: the responder's FastCGI server alone, "
        f"blue: upstream keepalive (as shipped), orange: no keepalive" + warning,
        fontsize=9, color="darkred" if warning else "black")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def report_cases(args):
    raw_dir = Path(args.raw)
    meta = read_kv(raw_dir / "meta.txt")
    raws = [read_kv(p) for p in sorted(raw_dir.glob("[0-9][0-9]-*.txt"))
            if not p.name.endswith((".wrk.txt",))]
    raws = [r for r in raws if "label" in r]
    clk = meta.get("clk_tck") or 100
    ceiling_runs = [r.get("rps") or 0.0 for r in raws if r["label"] == "ceiling"]
    ceiling_rps = statistics.mean(ceiling_runs) if ceiling_runs else 0.0
    ceiling = {"requests_per_s": round(ceiling_rps, 1), "runs": ceiling_runs,
               "spread_pct": round(100 * (max(ceiling_runs) - min(ceiling_runs)) / ceiling_rps, 1)
               if ceiling_rps else 0.0,
               "what": "nginx (keepalive) -> bench/bare (libfcgi, 128 threads, constant JSON), "
                       "v4 policy body; measured before every run and at the end; each run is "
                       "compared with the mean of the ceiling runs just before and after it"}
    brackets = [ceiling_bracket(raws, i) for i in range(len(raws))]
    runs = [summarise_run(r, clk, bracket_mean(raws, b, lambda c: c.get("rps")) or ceiling_rps)
            for r, b in zip(raws, brackets)]
    # The machine is CPU-bound (wrk, nginx and the upstream share its cores), so the ratio of what
    # one request costs in CPU estimates the throughput ratio a quiet machine would show; unlike
    # req/s, it hardly moves when other processes take a share of the cores.
    ceiling_cpu = [total_cpu(r) for r in runs if r["label"] == "ceiling" and total_cpu(r)]
    ceiling["cpu_us_per_request"] = round(statistics.mean(ceiling_cpu), 1) if ceiling_cpu else None
    for r, b in zip(runs, brackets):
        cpu = total_cpu(r)
        r["cpu_us_per_request_total"] = round(cpu, 1) if cpu else None
        reference = bracket_mean(runs, b, total_cpu) or ceiling["cpu_us_per_request"]
        r["ratio_to_ceiling_cpu_based"] = round(reference / cpu, 3) if cpu and reference else None
        r["ceiling_runs_compared"] = [runs[i]["requests_per_s"] for i in b]
    targets = case_targets(runs, meta)
    result = {"benchmark": "s3-upload-signer bench/run", "meta": meta, "ceiling": ceiling,
              "runs": runs, "targets": targets,
              "all_targets_met": all(t["ok"] for t in targets)}

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = stamp_of(meta)
    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    (out / "latest.json").write_text(text, encoding="utf-8")
    (out / f"{stamp}.json").write_text(text, encoding="utf-8")
    table = markdown_table(shown_runs(runs, ceiling), ceiling)
    setup = (f"{meta.get('nproc')} cores ({meta.get('cpu_model')}), {meta.get('kernel')}, "
             f"{meta.get('nginx_version')} (worker_processes auto = "
             f"{runs[0]['nginx_workers'] if runs else '?'}), {meta.get('wrk_version')} "
             f"({meta.get('wrk_threads')} threads, {meta.get('connections')} connections, "
             f"{meta.get('warmup_s')} s warm-up + {meta.get('duration_s')} s per run), responder "
             f"{meta.get('responder_threads')} threads, commit "
             f"{str(meta.get('git_commit'))[:10]}{' (modified)' if meta.get('git_dirty') else ''}, "
             f"{meta.get('date')}. Command: `{meta.get('command')}`.")
    warnings = quietness_warnings(runs, ceiling)
    verdicts = "\n".join(verdict_line(t["ok"], f"{t['target']}: {t['value']}").strip()
                         for t in targets)
    (out / "latest.md").write_text(
        table + "\n" + setup + "\n\n" + "".join(f"**{w}**\n\n" for w in warnings) +
        "Targets (issue 6):\n\n```\n" + verdicts + "\n```\n", encoding="utf-8")
    chart(shown_runs(runs, ceiling), ceiling, meta, out / "latest.png")
    shutil.copyfile(out / "latest.png", out / f"{stamp}.png")

    print()
    print(table)
    print(setup)
    print()
    print("Targets (issue 6):")
    for t in targets:
        print(verdict_line(t["ok"], f"{t['target']}: {t['value']}"))
    for warning in warnings:
        print(f"  {warning}")
    problems = [r for r in runs if r["first_check"] not in (None, "ok") or r["first_unexpected"]]
    for r in problems:
        print(f"  note: {r['label']}: first answer {r['first_check']}; "
              f"first unexpected during the run: {r['first_unexpected']}")
    print()
    print(f"Written: {out / 'latest.json'}, {out / 'latest.md'}, {out / 'latest.png'} "
          f"(+ {stamp}.json, {stamp}.png), raw outputs in {out / 'raw-latest'}")


# ------------------------------------------------------------------------------------------------
# Soak
# ------------------------------------------------------------------------------------------------

def report_soak(args):
    meta = read_kv(args.meta)
    rows = []
    for line in Path(args.csv).read_text().splitlines()[1:]:
        parts = line.split(",")
        if len(parts) >= 2 and parts[1]:
            rows.append((float(parts[0]), int(parts[1]) / 1024, int(parts[2] or 0) / 1024))
    start, end = meta.get("load_start_s") or 0.0, meta.get("load_end_s") or 0.0
    warmup = meta.get("warmup_s") or 0
    span = max(0.0, end - start - warmup)
    window = min(60.0, span / 3) if span > 0 else 0.0
    first = [rss for t, rss, _ in rows if start + warmup <= t < start + warmup + window]
    last = [rss for t, rss, _ in rows if end - window <= t < end]
    under_load = [hwm for t, _, hwm in rows if start <= t <= end + 2]
    rss_under_load = [rss for t, rss, _ in rows if start <= t <= end]
    peak = max(under_load) if under_load else (max(h for _, _, h in rows) if rows else 0.0)
    first_mean = statistics.mean(first) if first else 0.0
    last_mean = statistics.mean(last) if last else 0.0
    drift = (last_mean - first_mean) / first_mean if first_mean else 0.0

    segments = [dict(kv.split("=", 1) for kv in line.split())
                for line in Path(args.segments).read_text().splitlines() if line.strip()]
    requests = sum(int(s.get("requests", 0)) for s in segments)
    failed = sum(int(s.get("failed", 0)) for s in segments)
    p99s = [int(s.get("p99_us", 0)) / 1000 for s in segments]
    rps = [float(s.get("rps", 0)) for s in segments]
    status = {}
    for s in segments:
        for item in filter(None, s.get("status_counts", "").split(",")):
            code, n = item.split(":")
            status[code] = status.get(code, 0) + int(n)

    targets = [
        {"target": f"RSS flat: last-minute mean within {SOAK_FLATNESS:.0%} of the first minute's",
         "ok": bool(first and last) and abs(drift) <= SOAK_FLATNESS,
         "value": f"{first_mean:.2f} -> {last_mean:.2f} MiB ({drift:+.1%}; windows of "
                  f"{window:.0f} s)"},
        {"target": f"peak RSS <= {RSS_TARGET_MIB:g} MiB", "ok": 0 < peak <= RSS_TARGET_MIB,
         "value": f"{peak:.2f} MiB"},
        {"target": "no failed request", "ok": failed == 0 and requests > 0,
         "value": f"{failed} of {requests}"},
    ]
    if (meta.get("soak_s") or 0) < 600:
        targets.append({"target": "soak of 10 minutes (issue 6)", "ok": False,
                        "value": f"{meta.get('soak_s')} s only"})
    result = {"benchmark": "s3-upload-signer bench/run --soak", "meta": meta,
              "window_s": window, "first_window_mean_rss_mib": round(first_mean, 3),
              "last_window_mean_rss_mib": round(last_mean, 3), "drift": round(drift, 4),
              "peak_rss_mib": round(peak, 3),
              "rss_under_load_mib": {"min": round(min(rss_under_load, default=0), 3),
                                     "max": round(max(rss_under_load, default=0), 3)},
              "requests": requests, "failed": failed,
              "status_counts": status, "segments_rps": rps, "segments_p99_ms": p99s,
              "targets": targets, "all_targets_met": all(t["ok"] for t in targets)}
    out = Path(args.out)
    (out / "soak-latest.json").write_text(json.dumps(result, indent=2) + "\n")

    fig, ax = plt.subplots(figsize=(12, 5))
    ax.plot([t for t, _, _ in rows], [r for _, r, _ in rows], color="#1f77b4", linewidth=1,
            label="VmRSS (sampled every second)")
    ax.plot([t for t, _, _ in rows], [h for _, _, h in rows], color="#9ecae1", linewidth=1,
            linestyle="--", label="VmHWM (peak so far)")
    ax.axvspan(start, end, color="#eeeeee", zorder=0, label="mixed load")
    for lo, hi, mean in ((start + warmup, start + warmup + window, first_mean),
                         (end - window, end, last_mean)):
        ax.hlines(mean, lo, hi, color="green", linewidth=2)
    ax.plot([], [], color="green", linewidth=2, label="first / last minute mean")
    ax.axhline(RSS_TARGET_MIB, color="red", linestyle=":", linewidth=1, label="20 MiB target")
    ax.set_ylim(0, max(RSS_TARGET_MIB, peak) * 1.15)
    ax.set_xlabel("seconds")
    ax.set_ylabel("MiB")
    ax.set_title(f"s3-upload-signer RSS under {meta.get('soak_s')} s of mixed signing load "
                 f"({requests:,} requests, {failed} failed; {meta.get('connections')} connections "
                 f"through nginx)\nfirst minute {first_mean:.2f} MiB, last minute "
                 f"{last_mean:.2f} MiB ({drift:+.1%}), peak {peak:.2f} MiB; "
                 f"{meta.get('date', '')}, {str(meta.get('git_commit', ''))[:10]}", fontsize=9)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "soak-latest.png", dpi=100)
    plt.close(fig)

    print()
    print(f"Soak: {requests:,} requests in {meta.get('soak_s')} s "
          f"(mean {statistics.mean(rps) if rps else 0:,.0f} req/s), status {status}, "
          f"p99 per segment {min(p99s, default=0):.2f}-{max(p99s, default=0):.2f} ms; VmRSS "
          f"under load {min(rss_under_load, default=0):.2f}-{max(rss_under_load, default=0):.2f} "
          f"MiB")
    print("Targets (issue 6, soak):")
    for t in targets:
        print(verdict_line(t["ok"], f"{t['target']}: {t['value']}"))
    print(f"Written: {out / 'soak-latest.json'}, {out / 'soak-latest.csv'}, "
          f"{out / 'soak-latest.png'}")


# ------------------------------------------------------------------------------------------------
# Callgrind
# ------------------------------------------------------------------------------------------------

# Frames every request passes through: not where the time goes.
CALLGRIND_SKIP = ("clone", "start_thread", "_M_run", "0x", "(below main)", "__libc_start",
                  "main", "Server::Run", "Server::Impl::Run")


def short_function(text):
    """'???:ns::f(args) [/path/obj]' -> 'ns::f' (templates as <…>), plus the object's name."""
    obj = ""
    if text.endswith("]") and " [" in text:
        text, obj = text[:-1].rsplit(" [", 1)
        obj = obj.rsplit("/", 1)[-1]
    if ":" in text and not text.startswith(("s3upload", "std", "rapidjson")):
        head, rest = text.split(":", 1)
        if "/" in head or head == "???" or head.endswith((".c", ".S", ".cc", ".h")):
            text = rest
    text = text.replace("(anonymous namespace)", "{anonymous}")
    out, depth = [], 0
    for ch in text:
        if ch == "(" and depth == 0 and out and out[-1] not in " ":
            break
        if ch == "<":
            if depth == 0:
                out.append("<…>")
            depth += 1
        elif ch == ">" and depth > 0:
            depth -= 1
        elif depth == 0:
            out.append(ch)
    name = "".join(out).replace("[abi:cxx11]", "")
    return name, obj


def parse_callgrind(path):
    total, functions = 0, []
    in_list = False
    for line in Path(path).read_text(errors="replace").splitlines():
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
        elif "file:function" in line:
            in_list = True
        elif in_list and line.strip() and line.strip()[0].isdigit():
            count, rest = line.strip().split(" ", 1)
            rest = rest.strip()
            if rest.startswith("("):
                rest = rest.split(")", 1)[1].strip()
            functions.append((int(count.replace(",", "")), rest))
    return total, functions


def report_callgrind(args):
    raw_dir = Path(args.raw)
    meta = read_kv(raw_dir / "meta.txt")
    subjects = []
    for txt in sorted(raw_dir.glob("[0-9][0-9]-*.txt")):
        if txt.name.endswith(".callgrind.txt"):
            continue
        raw = read_kv(txt)
        cg = txt.with_name(txt.stem + ".callgrind.txt")
        requests = raw.get("requests") or 0
        if not cg.exists() or not requests:
            subjects.append({"label": raw.get("label"), "error": "no callgrind data or no request"})
            continue
        total, functions = parse_callgrind(cg)
        top = []
        for count, text in functions:
            name, obj = short_function(text)
            if any(name.startswith(skip) or name.endswith(skip) for skip in CALLGRIND_SKIP):
                continue
            if count * 100 < total * args.threshold:
                break
            top.append({"function": name, "object": obj,
                        "instructions_per_request": round(count / requests),
                        "share": round(count / total, 4)})
        subjects.append({"label": raw["label"], "upstream": UPSTREAMS.get(raw["kind"], raw["kind"]),
                         "case": raw.get("case"), "requests": requests,
                         "failed": raw.get("failed"),
                         "instructions_per_request": round(total / requests), "top": top})
    base = next((s["instructions_per_request"] for s in subjects
                 if s.get("label") == "ceiling" and "instructions_per_request" in s), None)
    lines = ["| run | upstream | instructions per request | vs ceiling | requests (failed) |",
             "|---|---|---:|---:|---:|"]
    for s in subjects:
        if "error" in s:
            lines.append(f"| {s['label']} | | {s['error']} | | |")
            continue
        ratio = f"{s['instructions_per_request'] / base:.1f}x" if base else "-"
        lines.append(f"| {s['label']} | {s['upstream']} | {s['instructions_per_request']:,} | "
                     f"{ratio} | {s['requests']:,} ({s['failed']}) |")
    text = "\n".join(lines) + "\n"
    for s in subjects:
        if "top" not in s or s["label"] == "ceiling":
            continue
        text += (f"\n{s['label']}: where {s['instructions_per_request']:,} instructions per "
                 f"request go (inclusive: a function counts with everything it calls; "
                 f">= {args.threshold:g} % only)\n\n"
                 "| instructions/request | share | function | object |\n|---:|---:|---|---|\n")
        for f in s["top"]:
            text += (f"| {f['instructions_per_request']:,} | {f['share']:.1%} | "
                     f"`{f['function']}` | {f['object']} |\n")
    text += (f"\nUser-space instructions only (callgrind: system calls and the scheduler are not "
             f"counted). valgrind does not run every instruction-set extension (SHA-NI, for one): "
             f"OpenSSL then takes a longer SHA-256 path, so libcrypto's share is larger here than "
             f"on the CPU itself. {meta.get('date')}, commit {str(meta.get('git_commit'))[:10]}"
             f"{' (modified)' if meta.get('git_dirty') else ''}. "
             f"Command: `{meta.get('command')}`.\n")
    out = Path(args.out)
    (out / "callgrind-latest.md").write_text(text, encoding="utf-8")
    (out / "callgrind-latest.json").write_text(
        json.dumps({"benchmark": "s3-upload-signer bench/run --callgrind", "meta": meta,
                    "subjects": subjects}, indent=2) + "\n", encoding="utf-8")
    print()
    print(text)
    print(f"Written: {out / 'callgrind-latest.md'}, {out / 'callgrind-latest.json'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    cases = sub.add_parser("cases")
    cases.add_argument("--raw", required=True)
    cases.add_argument("--out", required=True)
    soak = sub.add_parser("soak")
    soak.add_argument("--meta", required=True)
    soak.add_argument("--csv", required=True)
    soak.add_argument("--segments", required=True)
    soak.add_argument("--out", required=True)
    callgrind = sub.add_parser("callgrind")
    callgrind.add_argument("--raw", required=True)
    callgrind.add_argument("--out", required=True)
    callgrind.add_argument("--threshold", type=float, default=2.0,
                           help="list functions with at least this share, in percent")
    args = parser.parse_args()
    {"cases": report_cases, "soak": report_soak, "callgrind": report_callgrind}[args.mode](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
