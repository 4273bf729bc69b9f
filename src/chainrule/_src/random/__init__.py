"""Implementation of ``chainrule.random``: counter-based keys and samplers."""
