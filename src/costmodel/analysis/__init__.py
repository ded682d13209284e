"""Analyses over a scenario: comparison of options, break-even, sensitivity, evidence.

Layer rule: imports ``costmodel.models`` and ``costmodel.scenario``, never ``decision`` or
``workbook`` (``docs/architecture.md``).
"""
