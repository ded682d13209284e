"""Unit tests of costmodel.analysis.bill_categories."""
from __future__ import annotations

import pytest

from costmodel.analysis.bill_categories import bill_by_category
from costmodel.models.bills import Bill, line_item


def test_bill_by_category_splits_and_sums_line_items():
    bills = {
        "lambda": Bill((line_item("Lambda requests", 1e6, "requests", 2e-7),
                        line_item("API Gateway HTTP requests tier 1", 1e6, "requests", 1e-6),
                        line_item("CloudWatch Logs ingestion", 2, "GB", 0.5),
                        line_item("NAT gateway hours", 720, "h", 0.045),
                        line_item("Public IPv4 addresses (NAT gateway Elastic IP)", 730, "h", 0.005),
                        line_item("EBS gp3 volumes", 30, "GB-month", 0.08))),
        "url": Bill((line_item("Lambda requests", 1e6, "requests", 2e-7),
                     line_item("Lambda function URL requests", 1e6, "requests", 0.0))),
    }
    frame = bill_by_category(bills)
    assert frame.loc["lambda", "compute"] == pytest.approx(0.20)
    assert frame.loc["lambda", "front door"] == pytest.approx(1.00)
    assert frame.loc["lambda", "logs"] == pytest.approx(1.00)
    assert frame.loc["lambda", "network"] == pytest.approx(32.40 + 3.65)   # NAT hours + its Elastic IP
    assert frame.loc["lambda", "storage"] == pytest.approx(2.40)
    assert frame.loc["lambda", "total_usd"] == pytest.approx(bills["lambda"].total_usd)
    assert frame.loc["lambda", "non_compute_share"] == pytest.approx(1 - 0.20 / 40.65)
    assert frame.loc["url", "front door"] == 0 and frame.loc["url", "compute"] == pytest.approx(0.20)
