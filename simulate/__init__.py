"""Simulation: data models, kernels and learners (torch), run specs, the results store and sweeps.

Imports neither `theory` nor `compare`. Submodules are imported explicitly
(``from simulate.svc import KernelSVCSpec``) so that light commands stay light.
"""
