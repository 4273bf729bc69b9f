"""``scipy.signal`` with derivatives (implementation of ``chainrule.scipy.signal``)."""
