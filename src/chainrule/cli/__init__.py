"""Command-line interface: ``chainrule demo`` and ``chainrule info``."""

from __future__ import annotations

import argparse
import platform
import sys


def _info(args) -> int:
    import numpy
    import scipy

    import chainrule

    print(f"chainrule {chainrule.__version__}")
    print(f"python    {platform.python_version()} ({sys.executable})")
    print(f"numpy     {numpy.__version__}")
    print(f"scipy     {scipy.__version__}")
    for name in ("cupy", "dask", "matplotlib", "tqdm", "numexpr"):
        try:
            mod = __import__(name)
            print(f"{name:<9} {getattr(mod, '__version__', 'installed')}")
        except ImportError:
            print(f"{name:<9} not installed (optional)")
    return 0


def _demo(args) -> int:
    from chainrule.cli.demo import run

    return run(out_dir=args.out, sections=args.only)


def main(argv=None) -> int:
    """Entry point of the ``chainrule`` command."""
    parser = argparse.ArgumentParser(prog="chainrule", description=(
        "Automatic differentiation for scientific Python."))
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="show derivatives, Jacobians and Hessians computed by "
                                       "chainrule next to analytic answers")
    demo.add_argument("--out", default="demo-output",
                      help="folder for the files the demo writes (default: demo-output)")
    demo.add_argument("--only", nargs="*", default=None,
                      help="run only these sections (by name)")
    demo.set_defaults(func=_demo)
    info = sub.add_parser("info", help="versions of chainrule and its optional extras")
    info.set_defaults(func=_info)
    args = parser.parse_args(argv)
    return args.func(args)
