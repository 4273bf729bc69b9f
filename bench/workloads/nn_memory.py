"""Peak memory of one training step of a CNN: chainrule ``nn.fit`` next to PyTorch.

The model: ``Conv2d(1, 16, 3, padding=1)``, ReLU, ``MaxPool2d(2)``, flatten,
``Linear(4096, 10)``, cross-entropy, Adam, on a batch of 256 one-channel 32x32 images in
float64 (one activation of the convolution is 256 x 16 x 32 x 32 doubles, 32 MiB).  Each
library runs in a fresh Python process and is measured the same way: after a first step
(tracing, compiling, caches), Linux's resident-set high-water mark (``VmHWM``) is reset
through ``/proc/self/clear_refs``, one more step runs, and the **peak RSS increase** over
the resident size before that step is what the step needed, as the operating system saw
it.  For chainrule the step is taken inside ``nn.fit`` (the reset and the reading are done
by a callback between epochs of one batch each), so it is exactly the step ``fit``
compiles.  The **tracemalloc peak** of a further step is reported for chainrule too (NumPy
reports its buffers to ``tracemalloc``); PyTorch allocates outside Python's view, so for
it only the RSS figure exists.

Run as ``python -m bench.workloads.nn_memory LIB`` it measures one library and prints one
JSON line.
"""

from __future__ import annotations

import json
import sys
import tracemalloc
from pathlib import Path

import numpy as np

from ..harness import Workload
from ..libs import LABELS, Libraries
from .memory import _status_kib, _trim, measure_in_child

BATCH, SIZE, CHANNELS, CLASSES = 256, 32, 16, 10
SMOKE_BATCH, SMOKE_SIZE = 8, 8
LIBS = ("chainrule jit", "chainrule", "torch")


def problem(batch, size):
    g = np.random.default_rng(7)
    return g.standard_normal((batch, 1, size, size)), g.integers(0, CLASSES, batch)


def _reset_peak():
    _trim()
    before = _status_kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")
    return before


def _chainrule(lib, images, labels):
    import chainrule as cr
    from chainrule import nn, optim

    size = images.shape[-1]
    model = nn.Sequential([nn.Conv2d(1, CHANNELS, 3, padding=1, key=0), nn.relu,
                           nn.MaxPool2d(2), cr.numpy.ravel,
                           nn.Linear(CHANNELS * (size // 2) ** 2, CLASSES, key=1)])

    def loss(m, batch):
        return nn.cross_entropy(cr.vmap(m)(batch[0]), batch[1])

    out = {}

    class Probe(nn.Callback):
        # epoch 0: the first step (trace, compile); epoch 1: the measured step;
        # epoch 2: the step seen by tracemalloc
        def on_epoch_end(self, epoch, logs, model):
            if epoch == 0:
                out["before"] = _reset_peak()
            elif epoch == 1:
                out["peak_rss_kib"] = _status_kib("VmHWM") - out.pop("before")
                out["loss"] = logs["loss"]
                tracemalloc.start()
                out["tm_base"] = tracemalloc.get_traced_memory()[0]
            else:
                out["peak_tracemalloc_bytes"] = (tracemalloc.get_traced_memory()[1]
                                                 - out.pop("tm_base"))
                tracemalloc.stop()

    nn.fit(model, loss, [(images, labels)], optim.adam(1e-3), epochs=3,
           jit=lib == "chainrule jit", callbacks=[Probe()], progress=False)
    return out


def _torch(images, labels):
    libs = Libraries(only="torch")
    torch = libs.torch
    if torch is None:
        return {"status": "skipped", "reason": libs.skip_reason("torch")}
    size = images.shape[-1]
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, CHANNELS, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(CHANNELS * (size // 2) ** 2, CLASSES))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(images), torch.from_numpy(labels)

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(xt), yt)
        loss.backward()
        opt.step()
        return float(loss.detach())

    step()
    before = _reset_peak()
    loss = step()
    return {"peak_rss_kib": _status_kib("VmHWM") - before, "loss": loss}


def measure_here(lib, smoke):
    images, labels = problem(*((SMOKE_BATCH, SMOKE_SIZE) if smoke else (BATCH, SIZE)))
    out = _torch(images, labels) if lib == "torch" else _chainrule(lib, images, labels)
    if out.get("status") == "skipped":
        return out
    return {"status": "ok", "peak_rss_bytes": max(0, out.pop("peak_rss_kib")) * 1024, **out}


def _measure_in_child(lib, smoke):
    return measure_in_child("nn_memory", [lib] + (["smoke"] if smoke else []))


def run(libs, cfg, log=print):
    """Measure each library in its own process; return the records."""
    batch, size = (SMOKE_BATCH, SMOKE_SIZE) if cfg.smoke else (BATCH, SIZE)
    act = batch * CHANNELS * size * size * 8
    records = []
    for lib in LIBS:
        rec = {"workload": "nn_memory", "case": f"CNN Adam step, batch {batch}, {size}x{size}",
               "params": {"batch": batch, "size": size, "activation_bytes": act},
               "library": lib, "note": "", "reason": ""}
        skip = libs.skip_reason(lib)
        rec.update({"status": "skipped", "reason": skip} if skip else
                   _measure_in_child(lib, cfg.smoke))
        if rec["status"] == "ok":
            rec["activations"] = rec["peak_rss_bytes"] / act
        records.append(rec)
    ok = {r["library"]: r for r in records if r["status"] == "ok"}
    if "torch" in ok:
        for r in ok.values():
            r["vs_torch"] = r["peak_rss_bytes"] / max(ok["torch"]["peak_rss_bytes"], 1)
    log("  nn_memory    " + "  ".join(
        f"{r['library']}={r['peak_rss_bytes'] / 2**20:.0f}MiB" if r["status"] == "ok"
        else f"{r['library']}={r['status'].upper()}" for r in records))
    return records


def _mib(b):
    return "-" if b is None else f"{b / 2**20:.1f} MiB"


def summary(records):
    """The memory table."""
    lines = ["| library | peak RSS increase | in conv activations | ÷ PyTorch | "
             "tracemalloc peak | status |", "|---|---:|---:|---:|---:|---|"]
    for r in records:
        if r["status"] == "ok":
            vs = f"{r['vs_torch']:.2f}" if "vs_torch" in r else "-"
            tm = r.get("peak_tracemalloc_bytes")
            lines.append(f"| {LABELS[r['library']]} | {_mib(r['peak_rss_bytes'])} | "
                         f"{r['activations']:.1f} | {vs} | "
                         f"{_mib(tm) if tm is not None else 'n/a (outside Python)'} | ok |")
        else:
            lines.append(f"| {LABELS[r['library']]} | - | - | - | - | "
                         f"{r['status']}: {r['reason']} |")
    return lines


def headline(records):
    ok = [r for r in records if r["status"] == "ok" and "vs_torch" in r]
    if not ok:
        return []
    return ["Peak memory of a CNN training step (RSS increase) ÷ PyTorch's: "
            + ", ".join(f"{LABELS[r['library']]} {r['vs_torch']:.2f}" for r in ok) + "."]


WORKLOAD = Workload(
    name="nn_memory",
    title="Peak memory of a CNN training step (chainrule nn.fit vs PyTorch)",
    description=__doc__.split("\n\n", 1)[1].split("Run as")[0].strip(),
    run=run,
    summary=summary,
    headline=headline,
    generic_table=False,
)


def main(argv):
    """Child entry point: ``LIB [smoke]``; prints one JSON line."""
    try:
        result = measure_here(argv[0], len(argv) > 1 and argv[1] == "smoke")
    except Exception as exc:  # reported by the parent
        result = {"status": "error", "reason": f"{type(exc).__name__}: {exc}"[:300]}
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
