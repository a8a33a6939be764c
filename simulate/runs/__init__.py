"""Running experiments: specs, the results store, sweeps and their executors, progress, devices, checks.

Imports nothing else of the package: every other part of ``simulate`` builds on it.
"""
