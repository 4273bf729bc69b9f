"""The tqdm progress bar of the loops that run for a while (``optim.fit``, ``nn.fit``, the
samplers of ``infer``): one helper, so that they all behave alike.

tqdm is optional: it is imported only when a bar is drawn.
"""

from __future__ import annotations

import sys

__all__ = ["progress_bar"]


def progress_bar(progress, total, desc, *, unit="it", name=None):
    """A tqdm bar, or None when none is to be drawn.

    Parameters
    ----------
    progress : bool, None or "auto"
        False or None: no bar.  ``"auto"``: a bar when stdout is a terminal and tqdm is
        installed.  True: a bar when stdout is a terminal; a missing tqdm is then an
        ``ImportError`` that says how to install it.  Off a terminal there is never a bar
        (a log file would fill with carriage returns).
    total : int or None
        The number of updates the bar expects (None: unknown).
    desc : str
        The bar's label.
    unit : str
        What one update counts ("step", "it").
    name : str, optional
        The function the error message names (default: ``desc``).

    Examples
    --------
    >>> progress_bar(False, 10, "fit") is None
    True
    """
    if not progress:
        return None
    isatty = getattr(sys.stdout, "isatty", None)
    if not (callable(isatty) and isatty()):
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        if progress == "auto":
            return None
        raise ImportError(f"{name or desc}(progress=True) draws a progress bar with tqdm, "
                          "which is not installed. Install it with `pip install tqdm`, or "
                          "pass progress=False.") from None
    return tqdm(total=total, desc=desc, unit=unit, leave=True)
