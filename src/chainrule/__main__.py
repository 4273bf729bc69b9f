"""``python -m chainrule``: the command-line interface (see ``chainrule.cli``)."""

from chainrule.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
