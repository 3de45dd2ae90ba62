"""Integrations with other tools; each needs its optional extra (e.g. ``metahpo[optuna]``)."""
