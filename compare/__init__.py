"""Compare: fits with intervals, claims and verdicts, suites, reports, plots and the command line.

Joins `theory` (what is predicted) and `simulate` (what is measured).
"""
