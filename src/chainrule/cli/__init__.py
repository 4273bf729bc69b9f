"""Command-line interface: ``chainrule demo`` and ``chainrule info``."""

from __future__ import annotations

import argparse
import platform
import sys

import numpy
import scipy

import chainrule
from chainrule.cli.demo import DESCRIPTIONS, SECTIONS, run


def _info(args) -> int:
    print(f"chainrule {chainrule.__version__}")
    print(f"python    {platform.python_version()} ({sys.executable})")
    print(f"numpy     {numpy.__version__}")
    print(f"scipy     {scipy.__version__}")
    try:  # a dependency: chainrule.optimize limits BLAS threads on small problems with it
        import threadpoolctl
        print(f"threadpoolctl {threadpoolctl.__version__}")
    except ImportError:
        print("threadpoolctl not installed: pip install threadpoolctl (a dependency; "
              "without it small optimizations may run slowly on busy machines)")
    for name in ("cupy", "dask", "matplotlib", "tqdm", "numexpr"):
        try:
            mod = __import__(name)
            print(f"{name:<9} {getattr(mod, '__version__', 'installed')}")
        except ImportError:
            print(f"{name:<9} not installed (optional)")
    return 0


def _demo(args) -> int:
    return run(out_dir=args.out, sections=args.only, mode=args.mode)


def _sections_epilog() -> str:
    width = max(map(len, DESCRIPTIONS))
    lines = [f"  {name:<{width}}  {text}" for name, text in DESCRIPTIONS.items()]
    return "sections (for --only; all of them by default):\n" + "\n".join(lines)


def _section_name(name: str) -> str:
    if name not in SECTIONS:
        raise argparse.ArgumentTypeError(f"unknown section {name!r}; the sections are: "
                                         f"{', '.join(SECTIONS)}")
    return name


def main(argv=None) -> int:
    """Entry point of the ``chainrule`` command."""
    parser = argparse.ArgumentParser(prog="chainrule", description=(
        "Automatic differentiation for scientific Python."))
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="show derivatives, Jacobians and Hessians computed by "
                                       "chainrule next to analytic answers",
                          description="Run the demo sections; each check compares "
                                      "chainrule's results with a known answer and prints "
                                      "PASS or FAIL (the exit status is 1 if any fails). "
                                      "The figures, report.html and report.md go to --out. "
                                      "By default the problems take under 3 minutes on "
                                      "one core.",
                          epilog=_sections_epilog(),
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    demo.add_argument("--out", default="demo-output", metavar="DIR",
                      help="folder for every file the demo writes: figures, report.html, "
                           "report.md (default: demo-output, which git ignores)")
    size = demo.add_mutually_exclusive_group()
    size.add_argument("--quick", dest="mode", action="store_const", const="quick",
                      help="small problems, under 30 s in all")
    size.add_argument("--full", dest="mode", action="store_const", const="full",
                      help="the larger problems (several minutes)")
    demo.set_defaults(mode="default")
    demo.add_argument("--only", nargs="+", default=None, metavar="SECTION",
                      type=_section_name,
                      help="run only these sections, in the order given")
    demo.set_defaults(func=_demo)
    info = sub.add_parser("info", help="versions of chainrule and its optional extras")
    info.set_defaults(func=_info)
    args = parser.parse_args(argv)
    return args.func(args)
