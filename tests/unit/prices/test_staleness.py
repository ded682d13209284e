"""Price-set age and the staleness warning."""
from __future__ import annotations

import datetime as dt

import pytest

from costmodel.errors import InvalidParameterError
from costmodel.models.pricing import load_prices
from costmodel.prices.staleness import MAX_PRICE_AGE_DAYS, price_age_days, price_set_line, price_staleness


@pytest.fixture(scope="module")
def prices():
    return load_prices("us-east-1", "2026-11-27")


def test_age_counts_calendar_days(prices):
    assert price_age_days(prices, "2026-11-27") == 0
    assert price_age_days(prices, dt.date(2027, 11, 27)) == 365
    assert price_age_days(prices, dt.datetime(2026, 12, 27, 23, 59)) == 30


def test_warning_only_past_the_limit(prices, monkeypatch):
    monkeypatch.delenv("COSTMODEL_MAX_PRICE_AGE_DAYS", raising=False)
    assert MAX_PRICE_AGE_DAYS == 180
    assert price_staleness(prices, today="2027-05-26") is None                 # 180 days: not yet
    warning = price_staleness(prices, today="2027-05-27")                      # 181 days
    assert warning.startswith("WARNING: price set us-east-1 2026-11-27 is 181 days old (limit 180 days")
    assert warning.endswith("refresh: costmodel prices refresh --region us-east-1")
    assert price_staleness(prices, today="2027-05-27", max_age_days=365) is None


def test_limit_from_the_environment(prices, monkeypatch):
    monkeypatch.setenv("COSTMODEL_MAX_PRICE_AGE_DAYS", "30")
    assert "31 days old (limit 30 days" in price_staleness(prices, today="2026-12-28")
    monkeypatch.setenv("COSTMODEL_MAX_PRICE_AGE_DAYS", "soon")
    with pytest.raises(InvalidParameterError, match="COSTMODEL_MAX_PRICE_AGE_DAYS='soon'"):
        price_staleness(prices)
    with pytest.raises(InvalidParameterError, match="today"):
        price_staleness(prices, today="yesterday", max_age_days=1)


def test_line_names_region_and_date_and_counts_unconfirmed(prices):
    assert price_set_line(prices) == "Prices: us-east-1, price set 2026-11-27 (USD list prices)"
    other = prices.with_overrides({"nat.hour": {"value": 0.05, "status": "unconfirmed"}})
    assert price_set_line(other).endswith("; 1 rate UNCONFIRMED for us-east-1 (see docs/pricing.md)")


def test_report_paragraph_carries_the_warning_and_the_command(prices):
    from costmodel.prices.staleness import price_set_markdown

    fresh = price_set_markdown(prices, today="2026-12-01", max_age_days=180).data
    assert fresh == ("Prices: us-east-1, price set 2026-11-27 (USD list prices)\n\n"
                     "Price set age: 4 days, within the 180-day limit.")
    stale = price_set_markdown(prices, today="2027-11-27", max_age_days=180).data
    assert "Price set age: **365 days, over the 180-day limit.** WARNING" in stale
    assert stale.endswith("`costmodel prices refresh --region us-east-1`.")


def test_report_sanitizer_masks_the_age_line_whatever_it_says():
    """nbval compares the report's stored output with today's: the age line must be masked both ways."""
    import configparser
    import re
    from pathlib import Path

    from costmodel.prices.staleness import price_set_markdown

    cfg = configparser.ConfigParser()
    cfg.read(Path(__file__).resolve().parents[3] / "tests" / "nbval" / "sanitize.cfg")
    section = next(s for s in cfg.sections() if s.startswith("price set age"))
    p = load_prices("us-east-1", "2026-11-27")
    masked = {re.sub(cfg[section]["regex"], cfg[section]["replace"], price_set_markdown(p, today=t).data)
              for t in ("2026-11-29", "2027-11-29", "2030-01-01")}
    assert len(masked) == 1
