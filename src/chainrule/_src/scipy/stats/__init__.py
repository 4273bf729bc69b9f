"""``scipy.stats`` with derivatives (implementation of ``chainrule.scipy.stats``)."""
