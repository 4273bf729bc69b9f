"""PNG plots of the scaling workloads (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path

from .libs import LABELS, LIBRARIES

COLORS = {"numpy": "black", "chainrule": "tab:red", "chainrule jit": "tab:pink",
          "chainrule jit+fusion": "tab:purple",
          "chainrule jit+numba": "tab:brown",
          "torch": "tab:orange", "jax": "tab:blue", "jax jit": "tab:cyan",
          "autograd": "tab:green"}


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _series(records, workload, mode):
    out = {}
    for r in records:
        if r["workload"] == workload and r["status"] == "ok" and r["params"].get("mode") == mode:
            out.setdefault(r["library"], []).append((r["params"]["n"], r["median_s"]))
    return {lib: sorted(v) for lib, v in out.items()}


def plot_elementwise(records, out_dir):
    """Time per element per op, and value_and_grad / forward, of the chain against size."""
    plt = _pyplot()
    if plt is None:
        return [], "matplotlib not installed"
    fwd = _series(records, "elementwise", "forward")
    vg = _series(records, "elementwise", "value_and_grad")
    if not fwd and not vg:
        return [], "no elementwise results"
    n_ops = next(r["params"]["n_ops"] for r in records if r["workload"] == "elementwise")
    from matplotlib.ticker import FuncFormatter
    _plain = FuncFormatter(lambda v, _: f"{v:g}" if f"{v:g}"[0] in "125" else "")
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    for ax, data, title in ((axes[0], fwd, "forward"), (axes[1], vg, "value_and_grad")):
        for lib in LIBRARIES:
            if lib in data:
                n, t = zip(*data[lib])
                ax.loglog(n, [ti / (ni * n_ops) * 1e9 for ni, ti in zip(n, t)], "o-",
                          color=COLORS[lib], label=LABELS[lib])
        ax.yaxis.set_major_formatter(_plain)
        ax.yaxis.set_minor_formatter(_plain)
        ax.set_title(f"{n_ops}-op chain, {title}")
        ax.set_xlabel("elements n")
        ax.set_ylabel("median time per element per op (ns)")
        ax.grid(True, which="both", alpha=0.3)
    ax = axes[2]
    for lib in LIBRARIES:
        if lib in fwd and lib in vg:
            f, g = dict(fwd[lib]), dict(vg[lib])
            ns = sorted(set(f) & set(g))
            ax.semilogx(ns, [g[n] / f[n] for n in ns], "o-", color=COLORS[lib],
                        label=LABELS[lib])
    ax.set_title("value_and_grad time ÷ forward time")
    ax.set_xlabel("elements n")
    ax.set_ylabel("ratio")
    ax.set_ylim(bottom=0)
    ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    name = "elementwise_chain.png"
    fig.savefig(Path(out_dir) / name, dpi=110)
    plt.close(fig)
    return [name], None


def plot_overhead(records, out_dir):
    """Bar chart of µs per op for the 100-op chain on (1,) arrays."""
    plt = _pyplot()
    if plt is None:
        return [], "matplotlib not installed"
    data = {}
    for r in records:
        if r["workload"] == "overhead" and r["status"] == "ok":
            data.setdefault(r["case"], {})[r["library"]] = r["derived"]["µs/op"]
    if not data:
        return [], "no overhead results"
    libs = [lib for lib in LIBRARIES if any(lib in d for d in data.values())]
    fig, ax = plt.subplots(figsize=(9, 4.2))
    width = 0.8 / max(1, len(data))
    for k, (case, d) in enumerate(sorted(data.items())):
        xs = [i + k * width for i in range(len(libs))]
        vals = [d.get(lib, 0.0) for lib in libs]
        bars = ax.bar(xs, vals, width, label=case, color=["tab:gray", "tab:purple"][k % 2])
        ax.bar_label(bars, fmt="%.2g", fontsize=7)
    ax.set_xticks([i + width * (len(data) - 1) / 2 for i in range(len(libs))])
    ax.set_xticklabels([LABELS[lib].replace(" (hand-written, reference)", "\n(reference)")
                        for lib in libs], fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("µs per op (log scale)")
    ax.set_title("Per-op overhead: 100-op chain on shape (1,)")
    ax.legend()
    ax.grid(True, axis="y", which="both", alpha=0.3)
    fig.tight_layout()
    name = "overhead.png"
    fig.savefig(Path(out_dir) / name, dpi=110)
    plt.close(fig)
    return [name], None


def make_plots(records, out_dir):
    """Draw every plot; return ``({workload: [file names]}, {workload: why none})``."""
    made, why = {}, {}
    for workload, fn in (("elementwise", plot_elementwise), ("overhead", plot_overhead)):
        names, reason = fn(records, out_dir)
        if names:
            made[workload] = names
        elif reason:
            why[workload] = reason
    return made, why
