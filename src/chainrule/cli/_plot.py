"""matplotlib for the demo sections: loaded only when a figure is drawn, optional."""

from __future__ import annotations

import os


def pyplot():
    """``matplotlib.pyplot`` on the file-only Agg backend, or None when not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def save(fig, plt, out_dir, name):
    """Write ``fig`` to ``out_dir/name``, close it, say where; return the path."""
    path = os.path.join(out_dir, name)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"   Figure written to {path}")
    return path
