"""pytest at the repository root: the notebooks under nbval (kept here, not in notebooks/,
so that the notebook folder holds notebooks only; nbval's sanitizer is tests/nbval/sanitize.cfg).

``06-real-traffic.ipynb`` reads the Azure Functions 2019 sample from
``../shared/data/azure-functions-2019-sample/`` when it is present, and its committed
outputs were made from that sample. Where the sample is absent (a fresh clone on its own),
the notebook falls back to the project's synthetic fixture, whose numbers differ, so
comparing the stored outputs would fail for a reason that is not a bug: skip it there,
with a message. The fallback itself is covered by tests/unit/analysis/test_trace_analyses.py.
"""
from __future__ import annotations

import pytest

from costmodel.analysis.traces import AZURE_SAMPLE_DIR

_NEEDS_SHARED_SAMPLE = {"06-real-traffic.ipynb"}


def pytest_collection_modifyitems(config, items):
    if (AZURE_SAMPLE_DIR / "invocations_1000fn.csv").is_file():
        return
    skip = pytest.mark.skip(
        reason=f"shared Azure 2019 sample absent ({AZURE_SAMPLE_DIR}); the stored outputs of "
        "06-real-traffic were made from it")
    for item in items:
        if item.path.name in _NEEDS_SHARED_SAMPLE:
            item.add_marker(skip)
