"""Experiment specs, one module per study: each spec draws its data, runs a learner and returns records."""
