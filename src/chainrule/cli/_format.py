"""Plain-text tables for the demo sections."""

from __future__ import annotations


def table(headers, rows):
    cols = [headers] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cols) for i in range(len(headers))]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in cols[1:]]
    return "\n".join(out)


def _fmt(v):
    if isinstance(v, str):
        return v
    return f"{v: .12f}" if abs(v) < 1e4 else f"{v: .6e}"
