"""A bill split into categories: compute, front door, logs, NAT gateway, data transfer.

:func:`bill_by_category` groups the line items of each option's bill (from
:func:`costmodel.analysis.compare.compare`) by what they pay for, so that the hidden costs
(front door, logs, NAT, transfer) show as a share of the bill (notebook 04).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from costmodel.models.bills import Bill

__all__ = ["BILL_CATEGORIES", "bill_by_category"]

#: Line-item name prefixes -> category, for :func:`bill_by_category` (first match wins).
BILL_CATEGORIES = (
    ("Lambda function URL", "front door"),
    ("Lambda", "compute"),
    ("Fargate", "compute"),
    ("EC2", "compute"),
    ("API Gateway", "front door"),
    ("ALB", "front door"),
    ("CloudWatch Logs", "logs"),
    ("NAT", "network"),
    ("Public IPv4", "network"),
    ("VPC", "network"),
    ("EBS", "storage"),
    ("Data transfer", "data transfer"),
    ("SQS", "queue"),
    ("DynamoDB", "database"),
)


def bill_by_category(bills: Mapping[str, Bill], options: Sequence[str] | None = None) -> pd.DataFrame:
    """Each option's monthly bill split into compute, front door, logs, network (NAT gateway,
    public IPv4, interface endpoints), storage (EBS) and data transfer.

    Parameters
    ----------
    bills : mapping of str to costmodel.models.bills.Bill
        E.g. ``Comparison.bills``.
    options : sequence of str, optional
        Which options (default: all, in order).

    Returns
    -------
    pandas.DataFrame
        One row per option, one column per category [USD], plus ``total_usd`` and
        ``non_compute_share`` (the share of the bill that is not compute) [-].
    """

    rows = {}
    for option in options or list(bills):
        row: dict[str, float] = {}
        for item in bills[option].items:
            category = next((c for prefix, c in BILL_CATEGORIES if item.name.startswith(prefix)), "other")
            row[category] = row.get(category, 0.0) + item.usd
        rows[option] = row
    frame = pd.DataFrame.from_dict(rows, orient="index").fillna(0.0)
    known = ("compute", "front door", "logs", "network", "storage", "data transfer", "queue", "database")
    order = [c for c in known if c in frame] + [c for c in frame if c not in known]
    frame = frame[order].round(2)
    frame["total_usd"] = frame.sum(axis=1).round(2)
    frame["non_compute_share"] = 1.0 - frame.get("compute", 0.0) / frame["total_usd"]
    frame.index.name = "option"
    return frame
