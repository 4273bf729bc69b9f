"""Plain-text tables and PASS/FAIL lines for the demo sections."""

from __future__ import annotations


def table(headers, rows):
    cols = [headers] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cols) for i in range(len(headers))]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in cols[1:]]
    return "\n".join(out)


def indented(text, prefix="   "):
    """``text`` with every line indented (the sections' tables sit under their title)."""
    return prefix + text.replace("\n", "\n" + prefix)


def check(label, ok):
    """Print ``PASS label`` or ``FAIL label`` and return ``ok`` as a bool.

    Every demo check goes through here, so that the report and the exit status agree
    with what is printed.
    """
    ok = bool(ok)
    print(f"   {'PASS' if ok else 'FAIL'}  {label}")
    return ok


def _fmt(v):
    if isinstance(v, str):
        return v
    return f"{v: .12f}" if abs(v) < 1e4 else f"{v: .6e}"
