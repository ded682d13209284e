"""Times of day in scenario files: ``'HH:MM'`` (UTC) windows for scheduled scaling and
provisioned concurrency.

Kept apart from :mod:`costmodel.scenario.service_level` so that the scenario loader can
resolve schedules without importing the module that reads resolved scenarios.
"""
from __future__ import annotations

import re
from typing import Any

from costmodel.errors import ScenarioError

__all__ = ["format_hhmm", "hhmm_s", "pc_schedule_hours"]

_HHMM = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


def hhmm_s(where: str, value: Any) -> float:
    """'08:30' -> 30,600 s (24:00 allowed as the end of the day)."""
    m = _HHMM.match(str(value).strip()) if isinstance(value, str) else None
    if m is None or (int(m.group(1)) == 24 and int(m.group(2)) != 0):
        raise ScenarioError(f"{where}={value!r} is not allowed: expected a time of day 'HH:MM' (UTC), "
                            "00:00 to 24:00")
    return int(m.group(1)) * 3600.0 + int(m.group(2)) * 60.0


def format_hhmm(seconds_of_day: float) -> str:
    """30,600 -> '08:30'."""
    s = int(round(seconds_of_day)) % 86400 if seconds_of_day < 86400 else 86400
    return f"{s // 3600:02d}:{(s % 3600) // 60:02d}"


def pc_schedule_hours(schedule: Any) -> Any:
    """A provisioned-concurrency schedule as :func:`costmodel.models.lambda_traffic.provisioned_schedule`
    takes it: names pass through; windows become ``[(start_h, end_h)]``."""
    if isinstance(schedule, list):
        return [(hhmm_s("start", w["start"]) / 3600.0, hhmm_s("end", w["end"]) / 3600.0) for w in schedule]
    return schedule
