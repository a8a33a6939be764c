"""Learners: kernels, kernel ridge regression, SVC, Nystrom spectra, empirical NTKs, SGD training and the
alpha-trick gradient flow. Algorithms only: the experiments that call them are in :mod:`..experiments`."""
