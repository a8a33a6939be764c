"""Observables measured on data and networks: sensitivities to perturbations, input-class correlations."""
