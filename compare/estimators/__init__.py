"""Estimators: from tidy rows of run records to a measured value with a confidence interval."""
