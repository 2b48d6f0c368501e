"""Training-time code: the synthetic school set generator and the training scripts.

Excluded from the installed wheel (see pyproject's package find); the product never imports it.
"""
