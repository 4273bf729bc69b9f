"""Write a run's results: ``results.json`` (everything) and ``REPORT.md`` (tables)."""

from __future__ import annotations

import json
import math
from pathlib import Path

from .harness import format_time
from .libs import EAGER_PEERS, LABELS, LIBRARIES, PEERS, REFERENCE


def write_json(path, run):
    """Write the whole run (config, environment, every record with every repeat)."""
    def default(o):
        if hasattr(o, "tolist"):
            return o.tolist()
        return str(o)
    Path(path).write_text(json.dumps(run, indent=1, default=default, allow_nan=True) + "\n")


def _by_case(records):
    cases = {}
    for r in records:
        cases.setdefault(r["case"], []).append(r)
    return cases


def _fastest_ranked(recs):
    ranked = [r for r in recs if r["status"] == "ok" and r["library"] != REFERENCE
              and "median_s" in r]
    return min(ranked, key=lambda r: r["median_s"]) if ranked else None


def _best(recs, libraries):
    ok = [r for r in recs if r["status"] == "ok" and r["library"] in libraries
          and "median_s" in r]
    return min(ok, key=lambda r: r["median_s"]) if ok else None


def _derived_cell(rec):
    d = rec.get("derived") or {}
    return ", ".join(f"{v:.3g} {k}" for k, v in d.items()) or "-"


def _notes(rec):
    parts = [p for p in (rec.get("note"), rec.get("info")) if p]
    if rec["status"] == "ok":
        return "; ".join(parts) or ""
    return f"**{rec['status']}**: {rec['reason']}" + ("; " + "; ".join(parts) if parts else "")


def _common_skips(records):
    """Libraries skipped in every case of a workload with the same reason."""
    by_lib = {}
    for r in records:
        by_lib.setdefault(r["library"], []).append(r)
    out = {}
    n_cases = len(_by_case(records))
    for lib, recs in by_lib.items():
        reasons = {r["reason"] for r in recs if r["status"] == "skipped"}
        if len(recs) == n_cases and all(r["status"] == "skipped" for r in recs) \
                and len(reasons) == 1 and n_cases > 1:
            out[lib] = reasons.pop()
    return out


def timing_table(records):
    """One Markdown table for a timing workload: rows are (case, library)."""
    lines = ["| case | library | median | min | ÷ fastest | first call | derived | notes |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    common = _common_skips(records)
    for case, recs in _by_case(records).items():
        fastest = _fastest_ranked(recs)
        for r in recs:
            if r["library"] in common:
                continue
            label = LABELS[r["library"]]
            if r["status"] == "ok" and "median_s" in r:
                ratio = "-" if fastest is None else r["median_s"] / fastest["median_s"]
                ratio = ratio if isinstance(ratio, str) else (
                    f"**{ratio:.2f}**" if r is fastest else f"{ratio:.2f}")
                lines.append(f"| {case} | {label} | {format_time(r['median_s'])} | "
                             f"{format_time(r['min_s'])} | {ratio} | "
                             f"{format_time(r.get('first_s'))} | {_derived_cell(r)} | "
                             f"{_notes(r)} |")
            else:
                first = format_time(r.get("first_s")) if "first_s" in r else "-"
                lines.append(f"| {case} | {label} | - | - | - | {first} | - | "
                             f"{_notes(r)} |")
    for lib, reason in common.items():
        lines.append(f"| (all cases) | {LABELS[lib]} | - | - | - | - | - | "
                     f"**skipped**: {reason} |")
    return lines


def ratio_rows(records):
    """chainrule eager ÷ best peer, ÷ best eager peer and ÷ NumPy for each timed case, and
    chainrule jit ÷ best peer and ÷ chainrule eager (jit should never lose to eager)."""
    rows = []
    for (wl, case), recs in _group(records).items():
        cr = next((r for r in recs if r["library"] == "chainrule" and r["status"] == "ok"
                   and "median_s" in r), None)
        if cr is None:
            continue
        best, eager = _best(recs, PEERS), _best(recs, EAGER_PEERS)
        ref, jit = _best(recs, (REFERENCE,)), _best(recs, ("chainrule jit",))
        rows.append({"workload": wl, "case": case, "chainrule_s": cr["median_s"],
                     "best_peer": best and best["library"],
                     "vs_best_peer": best and cr["median_s"] / best["median_s"],
                     "best_eager_peer": eager and eager["library"],
                     "vs_best_eager_peer": eager and cr["median_s"] / eager["median_s"],
                     "vs_numpy": ref and cr["median_s"] / ref["median_s"],
                     "chainrule_jit_s": jit and jit["median_s"],
                     "jit_vs_best_peer": jit and best and jit["median_s"] / best["median_s"],
                     "jit_vs_eager": jit and jit["median_s"] / cr["median_s"]})
    return rows


JIT_NOISE = 1.05
"""jit ÷ eager above this is listed in the summary (below it: within the noise of a shared
machine)."""


def jit_vs_eager_line(rows):
    """One summary line: chainrule jit ÷ chainrule eager over every case that times both,
    its median and worst, and the cases above ``JIT_NOISE``."""
    pairs = sorted(((r["jit_vs_eager"], r["workload"], r["case"]) for r in rows
                    if r.get("jit_vs_eager") is not None
                    and math.isfinite(r["jit_vs_eager"])), reverse=True)
    if not pairs:
        return []
    ratios = sorted(p[0] for p in pairs)
    worst, wl, case = pairs[0]
    above = [f"{w} / {c} {x:.2f}" for x, w, c in pairs if x > JIT_NOISE]
    return [f"chainrule jit ÷ chainrule eager over {len(pairs)} cases (should be at most 1 "
            f"within noise): median {ratios[len(ratios) // 2]:.2f}, worst {worst:.2f} "
            f"({wl} / {case}); "
            + (f"above {JIT_NOISE}: " + ", ".join(above) if above
               else f"none above {JIT_NOISE}") + "."]


def _group(records):
    out = {}
    for r in records:
        out.setdefault((r["workload"], r["case"]), []).append(r)
    return out


def _fmt_ratio(x):
    return "-" if x is None or not math.isfinite(x) else f"{x:.2f}"


def summary_table(rows):
    """Markdown table of :func:`ratio_rows`."""
    lines = ["| workload | case | chainrule eager | ÷ best peer | best peer | "
             "÷ best eager peer | best eager peer | ÷ NumPy reference | chainrule jit | "
             "jit ÷ best peer | jit ÷ eager |",
             "|---|---|---:|---:|---|---:|---|---:|---:|---:|---:|"]
    for r in rows:
        if r["workload"] == "fastpath":
            continue  # summarised separately
        lines.append(
            f"| {r['workload']} | {r['case']} | {format_time(r['chainrule_s'])} | "
            f"{_fmt_ratio(r['vs_best_peer'])} | {LABELS.get(r['best_peer'], '-')} | "
            f"{_fmt_ratio(r['vs_best_eager_peer'])} | "
            f"{LABELS.get(r['best_eager_peer'], '-')} | {_fmt_ratio(r['vs_numpy'])} | "
            f"{format_time(r['chainrule_jit_s'])} | {_fmt_ratio(r['jit_vs_best_peer'])} | "
            f"{_fmt_ratio(r.get('jit_vs_eager'))} |")
    return lines


def _problems(records):
    return [r for r in records if r["status"] in ("wrong", "error")]


def _loads(loads):
    return "-" if not loads else " / ".join(f"{x:.2f}" for x in loads)


def _environment_lines(env, cfg):
    v = env["versions"]
    versions = ", ".join(f"{k} {val}" for k, val in v.items() if val)
    missing = ", ".join(k for k, val in v.items() if not val)
    blas = env.get("blas")
    if isinstance(blas, list):
        blas = "; ".join(f"{b.get('internal_api')} {b.get('version')} "
                         f"({b.get('architecture')}, {b.get('num_threads')} thread)"
                         for b in blas)
    lines = [
        f"- Date: {env['date']}; chainrule commit `{env['chainrule_commit']}`",
        f"- CPU: {env['cpu']}, {env['logical_cpus']} logical CPUs; load average (1, 5, 15 "
        f"min) at start {_loads(env.get('load_average'))}, at end "
        f"{_loads(env.get('load_average_end'))}",
        f"- Python {env['python']} on {env['platform']}",
        f"- Versions: {versions}" + (f"; not installed: {missing}" if missing else ""),
        "- Threads: " + ", ".join(f"{k}={val}" for k, val in env["thread_env"].items()),
        f"- BLAS: {blas}; OpenBLAS overrides in effect: {env['openblas_overrides']}",
    ]
    if "torch_threads" in env:
        lines.append(f"- torch threads: {env['torch_threads']}")
    if "jax" in env:
        lines.append(f"- JAX devices: {env['jax']['devices']}, x64={env['jax']['x64']}")
    if "numexpr_threads" in env:
        lines.append(f"- numexpr threads: {env['numexpr_threads']}; chainrule fusion "
                     f"settings: {env['chainrule_fusion']}")
    lines.append(f"- Protocol: at least {cfg['repeats']} timed rounds per case (up to "
                 f"{cfg.get('max_repeats', cfg['repeats'])} when rounds are short; libraries "
                 f"rotated each round), up to {cfg['warmup_calls']} warm-up calls, samples of "
                 f"at least {cfg['min_sample_s'] * 1e3:.0f} ms; float64 everywhere.")
    return lines


HOW_TO_READ = """\
How to read: **median** and **min** are per call, over the timed rounds. **÷ fastest** divides
the median by the fastest *ranked* library of that case (bold, 1.00); the hand-written NumPy
row is the reference and is not ranked, so its ratio can be below 1. **first call** is the
first, cold call on its own (tracing, compiling, caches). A result that disagrees with the
NumPy reference is reported as **wrong** and not timed; **error** means the library raised.
Skipped libraries say why. `bench/README.md` explains each workload and the protocol."""


def markdown(run, workloads, plots, plot_skips=None):
    """The whole report as a string."""
    plot_skips = plot_skips or {}
    records, env, cfg = run["records"], run["environment"], run["config"]
    by_wl = {}
    for r in records:
        by_wl.setdefault(r["workload"], []).append(r)
    mode = "smoke run (tiny sizes, NumPy and chainrule only: times mean nothing)" \
        if cfg["smoke"] else ("partial run: " + ", ".join(cfg["only"]) if cfg["only"]
                              else "full run")
    out = ["# chainrule benchmark report", "",
           f"Produced by `python -m bench` ({mode}) in {run['duration_s']:.0f} s.", ""]
    out += _environment_lines(env, cfg) + ["", HOW_TO_READ, "", "## Summary", ""]
    for wl in workloads:
        if wl.headline and wl.name in by_wl:
            out += [f"- {line}" for line in wl.headline(by_wl[wl.name])]
    out += [f"- {line}" for line in jit_vs_eager_line(run["ratios"])]
    out += ["", "chainrule against the fastest peer (PyTorch, JAX eager, JAX jit, autograd) "
            "and the fastest eager peer (PyTorch, JAX eager, autograd), ratio of medians "
            "(below 1: chainrule is faster); **jit ÷ eager** is chainrule jit ÷ chainrule "
            "eager, which should stay at or below 1 (within noise) for every case:", ""]
    out += summary_table(run["ratios"])
    problems = _problems(records)
    if problems:
        out += ["", "Wrong results and errors:", ""]
        out += [f"- {r['workload']} / {r['case']} / {LABELS.get(r['library'], r['library'])}: "
                f"{r['status']}: {r['reason']}" for r in problems]
    for wl in workloads:
        if wl.name not in by_wl:
            continue
        recs = by_wl[wl.name]
        out += ["", f"## {wl.title}", "", f"Workload `{wl.name}`. {wl.description}", ""]
        if wl.run is None and wl.generic_table:
            out += timing_table(recs)
        if wl.summary:
            out += [""] + wl.summary(recs)
        for name in plots.get(wl.name, []):
            out += ["", f"![{wl.name}]({name})"]
        if wl.name in plot_skips:
            out += ["", f"(Plot not drawn: {plot_skips[wl.name]}.)"]
    missing = [lib for lib in LIBRARIES if any(
        r["library"] == lib and r["status"] == "skipped" and "not installed" in r["reason"]
        for r in records)]
    if missing:
        out += ["", "Not installed here: " + ", ".join(LABELS[m] for m in missing)
                + ". Run `bash bench/setup_peers.sh` and `bench/.venv-peers/bin/python -m "
                "bench` for the full comparison."]
    return "\n".join(out) + "\n"
