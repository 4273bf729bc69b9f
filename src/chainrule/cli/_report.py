"""The demo's report: what every section printed and drew, in one HTML and one Markdown file."""

from __future__ import annotations

import datetime
import html
import os
import platform

import numpy
import scipy

import chainrule


def _environment():
    return (f"chainrule {chainrule.__version__}, Python {platform.python_version()}, "
            f"NumPy {numpy.__version__}, SciPy {scipy.__version__}, "
            f"{platform.machine()} ({os.cpu_count()} logical CPUs)")


def _markdown(entries, mode, total, cpu, when):
    ok = all(e["ok"] for e in entries)
    lines = ["# chainrule demo report", "",
             f"{when}, `{mode}` mode, {total:.1f} s in all (CPU time of this process "
             f"{cpu:.1f} s): "
             f"**{'every check passes' if ok else 'SOME CHECKS FAIL'}**.", "",
             f"Environment: {_environment()}.", "",
             "| section | result | time | CPU time |", "|---|---|---:|---:|"]
    lines += [f"| [{e['name']}](#{e['name']}) | {'PASS' if e['ok'] else '**FAIL**'} | "
              f"{e['seconds']:.1f} s | {e['cpu']:.1f} s |" for e in entries]
    for e in entries:
        lines += ["", f"## {e['name']}", "", e["description"] + ".", "",
                  f"{'PASS' if e['ok'] else '**FAIL**'} in {e['seconds']:.1f} s.", "",
                  "```text", e["text"], "```"]
        lines += ["", *[f"![{f}]({f})" for f in e["figures"]]]
    return "\n".join(lines) + "\n"


_STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}
pre{background:#f6f6f6;padding:.8em;overflow-x:auto;font-size:12px}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .7em}
.pass{color:#060;font-weight:bold}.fail{color:#b00;font-weight:bold}
img{max-width:100%;border:1px solid #ddd;margin:.5em 0}"""


def _status(ok):
    return '<span class="pass">PASS</span>' if ok else '<span class="fail">FAIL</span>'


def _colour_checks(text):
    out = []
    for line in html.escape(text).split("\n"):
        stripped = line.lstrip()
        if stripped.startswith(("PASS ", "FAIL ")):
            indent = line[:len(line) - len(stripped)]
            line = indent + _status(stripped.startswith("PASS")) + stripped[4:]
        out.append(line)
    return "\n".join(out)


def _html(entries, mode, total, cpu, when):
    ok = all(e["ok"] for e in entries)
    rows = "".join(f'<tr><td><a href="#{e["name"]}">{e["name"]}</a></td>'
                   f'<td>{_status(e["ok"])}</td><td>{e["seconds"]:.1f} s</td>'
                   f'<td>{e["cpu"]:.1f} s</td></tr>'
                   for e in entries)
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>chainrule demo report"
             f"</title><style>{_STYLE}</style></head><body>",
             "<h1>chainrule demo report</h1>",
             f"<p>{html.escape(when)}, <code>{mode}</code> mode, {total:.1f} s in all (CPU "
             f"time of this process {cpu:.1f} s): "
             f"{_status(ok)} {'every check passes' if ok else 'some checks fail'}.</p>",
             f"<p>Environment: {html.escape(_environment())}.</p>",
             "<p>Wall-clock times count waiting for a busy machine; the CPU time is what "
             "the demo itself used.</p>",
             f"<table><tr><th>section</th><th>result</th><th>time</th><th>CPU time</th>"
             f"</tr>{rows}</table>"]
    for e in entries:
        parts += [f'<h2 id="{e["name"]}">{e["name"]}</h2>',
                  f"<p>{html.escape(e['description'])}. {_status(e['ok'])} in "
                  f"{e['seconds']:.1f} s.</p>",
                  f"<pre>{_colour_checks(e['text'])}</pre>"]
        parts += [f'<img src="{html.escape(f)}" alt="{html.escape(f)}">' for f in e["figures"]]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_reports(out_dir, entries, mode, total, cpu):
    """Write ``report.html`` and ``report.md`` into ``out_dir``; return their paths.

    ``entries`` holds one dict per section: ``name``, ``description``, ``ok``,
    ``seconds``, ``cpu`` (CPU seconds), ``text`` (what it printed) and ``figures`` (file
    names in ``out_dir``).
    """
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    paths = []
    for name, render in (("report.html", _html), ("report.md", _markdown)):
        path = os.path.join(out_dir, name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(render(entries, mode, total, cpu, when))
        paths.append(path)
    return paths
