"""How old a price set is, and the warning shown when it is too old.

A price set is named by the date its values were collected (``price_set``). ``bill``,
``compare`` and the report print that date; when it is more than
:data:`MAX_PRICE_AGE_DAYS` days old (``COSTMODEL_MAX_PRICE_AGE_DAYS`` overrides it) they
also print a warning with the command that refreshes it.

>>> from costmodel.models.pricing import load_prices
>>> price_staleness(load_prices(), today="2027-06-01")[:60]
'WARNING: price set us-east-1 2026-11-27 is 186 days old (lim'
"""
from __future__ import annotations

import datetime as _dt
import os
from typing import Any

from costmodel.errors import InvalidParameterError
from costmodel.models.pricing import Prices

__all__ = [
    "MAX_PRICE_AGE_DAYS",
    "max_price_age_days",
    "price_age_days",
    "price_set_line",
    "price_set_markdown",
    "price_staleness",
]

#: Default age [days] above which a price set is called stale.
MAX_PRICE_AGE_DAYS = 180
_ENV = "COSTMODEL_MAX_PRICE_AGE_DAYS"


def max_price_age_days() -> float:
    """The configured limit [days]: ``COSTMODEL_MAX_PRICE_AGE_DAYS`` or :data:`MAX_PRICE_AGE_DAYS`."""
    raw = os.environ.get(_ENV)
    if raw is None or raw.strip() == "":
        return float(MAX_PRICE_AGE_DAYS)
    try:
        value = float(raw)
    except ValueError:
        raise InvalidParameterError(_ENV, raw, "a number of days >= 0") from None
    if not value >= 0:
        raise InvalidParameterError(_ENV, raw, "a number of days >= 0")
    return value


def _date(value: _dt.date | str, name: str) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidParameterError(name, value, "a date YYYY-MM-DD") from None


def price_age_days(prices: Prices, today: _dt.date | str | None = None) -> int | None:
    """Days from the price set's date to ``today`` (default: today, UTC); None if it is not a date."""
    try:
        collected = _dt.date.fromisoformat(str(prices.price_set))
    except ValueError:
        return None
    now = _date(today, "today") if today is not None else _dt.datetime.now(_dt.UTC).date()
    return (now - collected).days


def price_set_line(prices: Prices) -> str:
    """One line naming the price set, e.g. ``Prices: us-east-1, price set 2026-11-27 (USD list prices)``.

    Counts the rates of status ``unconfirmed`` (carried over from another region) when there are any.
    """
    line = f"Prices: {prices.region}, price set {prices.price_set} ({prices.currency} list prices)"
    unconfirmed = sum(1 for r in prices.rates.values() if r.status == "unconfirmed")
    if unconfirmed:
        line += (f"; {unconfirmed} {'rate' if unconfirmed == 1 else 'rates'} UNCONFIRMED for {prices.region} "
                 "(see docs/pricing.md)")
    return line


def price_staleness(prices: Prices, *, today: _dt.date | str | None = None, max_age_days: float | None = None
                    ) -> str | None:
    """The staleness warning for a price set, or None while it is recent enough.

    Parameters
    ----------
    prices : costmodel.pricing.Prices
    today : date or str, optional
        The date to measure the age at (default: today, UTC).
    max_age_days : float, optional
        The limit [days] (default :func:`max_price_age_days`).
    """
    limit = max_price_age_days() if max_age_days is None else float(max_age_days)
    if not limit >= 0:
        raise InvalidParameterError("max_age_days", max_age_days, "a number of days >= 0")
    age = price_age_days(prices, today)
    if age is None or age <= limit:
        return None
    return (f"WARNING: price set {prices.region} {prices.price_set} is {age} days old (limit {limit:g} days, "
            f"set {_ENV} to change); refresh: costmodel prices refresh --region {prices.region}")


def price_set_markdown(prices: Prices, *, today: _dt.date | str | None = None, max_age_days: float | None = None
                       ) -> Any:
    """The report's price-set paragraph (an :class:`IPython.display.Markdown`; IPython has no types).

    Two lines: :func:`price_set_line`, then ``Price set age: N days ...``, which carries the
    staleness warning and the refresh command when the set is too old. (The age line
    changes every day; ``tests/nbval/sanitize.cfg`` masks it for nbval.)
    """
    from IPython.display import Markdown  # noqa: PLC0415 - presentation only, heavy to import

    limit = max_price_age_days() if max_age_days is None else float(max_age_days)
    age = price_age_days(prices, today)
    warning = price_staleness(prices, today=today, max_age_days=limit)
    if age is None:
        status = "Price set age: unknown (the price set is not named by a date)."
    elif warning:
        status = (f"Price set age: **{age} days, over the {limit:g}-day limit.** WARNING: these prices may be "
                  f"out of date; refresh them with `costmodel prices refresh --region {prices.region}`.")
    else:
        status = f"Price set age: {age} days, within the {limit:g}-day limit."
    return Markdown(price_set_line(prices) + "\n\n" + status)
