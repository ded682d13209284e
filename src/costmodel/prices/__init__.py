"""Keeping prices current: refresh from the AWS Price List, diff two price sets, staleness.

* :func:`refresh_prices` (``costmodel prices refresh``): a new dated price file from the
  Price List Query API (boto3 ``pricing`` client) or bulk offer files on disk, with per-rate
  provenance (SKU, rate code, effective date);
* :func:`diff_prices` (``costmodel prices diff A B``): changed rates and what they do to
  each canonical scenario's bills and verdicts;
* :func:`price_staleness`: the warning printed when a price set is older than
  :data:`MAX_PRICE_AGE_DAYS` (``COSTMODEL_MAX_PRICE_AGE_DAYS``).

Layer rule: imports ``models``, ``scenario``, ``analysis`` and ``decision`` (``diff`` prices the
canonical scenarios through ``compare`` and ``recommend``); ``cli`` and ``workbook`` may import
it (``docs/architecture.md``).
"""
from costmodel.prices.diff import PriceDiff, RateDiff, ScenarioEffect, diff_prices
from costmodel.prices.refresh import RateChange, RefreshResult, refresh_prices
from costmodel.prices.staleness import (
    MAX_PRICE_AGE_DAYS,
    price_age_days,
    price_set_line,
    price_set_markdown,
    price_staleness,
)

__all__ = [
    "MAX_PRICE_AGE_DAYS",
    "PriceDiff",
    "RateChange",
    "RateDiff",
    "RefreshResult",
    "ScenarioEffect",
    "diff_prices",
    "price_age_days",
    "price_set_line",
    "price_set_markdown",
    "price_staleness",
    "refresh_prices",
]
