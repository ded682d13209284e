"""What changed between two price sets, and what it does to the canonical scenarios.

:func:`diff_prices` compares two price files rate by rate (value, unit, status; added and
removed keys), then prices each canonical scenario (``data/scenarios/*.yaml``) with each
file through the existing APIs, :func:`costmodel.compare.compare` for the monthly bill of
every option and :func:`costmodel.decision.recommend` for the verdict.

A price file is applied to a scenario as a complete set of price overrides on top of the
scenario's own region (the scenario's own ``price_overrides`` still win), so that every
model the recommendation runs (comparison, break-even, failure modes) sees the same
rates. When the two key sets differ from the shipped set (AWS added a tier), bills are
still computed with the file itself and the verdict is left out with a note.
"""
from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from costmodel.analysis.compare import Comparison, compare
from costmodel.decision import recommend
from costmodel.errors import CostModelError, InvalidParameterError
from costmodel.models.pricing import PRICING_DIR, Prices, list_price_sets, load_price_file, load_prices
from costmodel.resources import data_path
from costmodel.scenario import Scenario, load_scenario

__all__ = ["CANONICAL_SCENARIOS_DIR", "PriceDiff", "RateDiff", "ScenarioEffect", "as_prices", "diff_prices"]

#: Folder of the canonical scenarios.
CANONICAL_SCENARIOS_DIR = data_path("scenarios")


@dataclass(frozen=True)
class RateDiff:
    """One rate that differs: ``kind`` is ``changed``, ``added``, ``removed`` or ``status``."""

    key: str
    kind: str
    old: float | None
    new: float | None
    unit: str
    old_status: str | None
    new_status: str | None

    @property
    def relative_change(self) -> float | None:
        if self.old in (None, 0) or self.new is None:
            return None
        return self.new / self.old - 1.0


@dataclass(frozen=True)
class ScenarioEffect:
    """A scenario's monthly bills [USD] and verdict under price sets A and B."""

    scenario: str
    path: str
    monthly_usd_a: dict
    monthly_usd_b: dict
    cheapest_a: str
    cheapest_b: str
    verdict_a: str | None = None
    verdict_b: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def verdict_changed(self) -> bool:
        return self.verdict_a is not None and self.verdict_a != self.verdict_b

    def delta_usd(self, option: str) -> float:
        return self.monthly_usd_b[option] - self.monthly_usd_a[option]


@dataclass(frozen=True)
class PriceDiff:
    """Result of :func:`diff_prices`."""

    a: str
    b: str
    rates: tuple[RateDiff, ...]
    effects: tuple[ScenarioEffect, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a, "b": self.b,
            "rates": [{"key": r.key, "kind": r.kind, "a": r.old, "b": r.new, "unit": r.unit,
                       "relative_change": r.relative_change, "status_a": r.old_status, "status_b": r.new_status}
                      for r in self.rates],
            "scenarios": [{"scenario": e.scenario, "path": e.path, "monthly_usd_a": e.monthly_usd_a,
                           "monthly_usd_b": e.monthly_usd_b, "cheapest_a": e.cheapest_a, "cheapest_b": e.cheapest_b,
                           "verdict_a": e.verdict_a, "verdict_b": e.verdict_b, "verdict_changed": e.verdict_changed,
                           "notes": list(e.notes)} for e in self.effects],
            "notes": list(self.notes),
        }

    def to_text(self) -> str:
        counts = {k: sum(1 for r in self.rates if r.kind == k) for k in ("changed", "added", "removed", "status")}
        lines = [f"A: {self.a}", f"B: {self.b}",
                 f"{counts['changed']} rates changed, {counts['added']} added, {counts['removed']} removed, "
                 f"{counts['status']} changed status only"]
        if self.rates:
            lines += ["", f"{'rate':<40}{'A':>14}{'B':>14}{'change':>10}  unit / status"]
            for r in self.rates:
                rel = r.relative_change
                a = "-" if r.old is None else f"{r.old:.6g}"
                b = "-" if r.new is None else f"{r.new:.6g}"
                if r.kind in ("added", "removed"):
                    status: str | None = f"{r.new_status or r.old_status} ({r.kind})"
                else:
                    status = r.old_status if r.old_status == r.new_status else f"{r.old_status} -> {r.new_status}"
                lines.append(f"{r.key:<40}{a:>14}{b:>14}{'' if rel is None else format(rel, '+.2%'):>10}  "
                             f"{r.unit}; {status}")
        if self.effects:
            lines += ["", "Effect on the canonical scenarios (monthly USD, 30-day month):"]
            for e in self.effects:
                verdict = ("verdict not computed" if e.verdict_a is None else
                           f"verdict {e.verdict_a} -> {e.verdict_b}"
                           + ("  VERDICT CHANGED" if e.verdict_changed else " (unchanged)"))
                lines += ["", f"{e.scenario} ({e.path}): {verdict}; cheapest {e.cheapest_a} -> {e.cheapest_b}"]
                lines.append(f"  {'option':<22}{'A':>12}{'B':>12}{'change':>12}")
                for opt, usd_a in e.monthly_usd_a.items():
                    usd_b = e.monthly_usd_b[opt]
                    change = f"{usd_b / usd_a - 1:+.1%}" if usd_a else ("0" if usd_b == 0 else "new")
                    lines.append(f"  {opt:<22}{usd_a:>12,.2f}{usd_b:>12,.2f}{change:>12}")
                lines += [f"  note: {n}" for n in e.notes]
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)


def as_prices(source: Prices | str | os.PathLike) -> tuple[Prices, str]:
    """A price set and its label from a :class:`Prices`, a file path or a file name in ``data/pricing``."""
    if isinstance(source, Prices):
        return source, f"{source.region} {source.price_set}"
    path = Path(source)
    if not path.exists() and (PRICING_DIR / path.name).exists():
        path = PRICING_DIR / path.name
    if not path.exists():
        shipped = [f"aws-{r}-{s}.yaml" for r, s in list_price_sets()]
        raise InvalidParameterError("price file", str(source), "an existing price file path or one of "
                                    + ", ".join(shipped))
    prices = load_price_file(path)
    return prices, f"{prices.region} {prices.price_set} ({path})"


def rate_diffs(a: Prices, b: Prices) -> tuple[RateDiff, ...]:
    """Rates that differ between two price sets, largest relative change first."""
    out = []
    for key in sorted(set(a.rates) | set(b.rates)):
        ra, rb = a.rates.get(key), b.rates.get(key)
        if ra is None and rb is not None:
            out.append(RateDiff(key, "added", None, rb.value, rb.unit, None, rb.status))
        elif rb is None and ra is not None:
            out.append(RateDiff(key, "removed", ra.value, None, ra.unit, ra.status, None))
        elif ra is None or rb is None:
            continue
        elif not math.isclose(ra.value, rb.value, rel_tol=1e-12, abs_tol=0.0):
            out.append(RateDiff(key, "changed", ra.value, rb.value, rb.unit, ra.status, rb.status))
        elif ra.status != rb.status:
            out.append(RateDiff(key, "status", ra.value, rb.value, rb.unit, ra.status, rb.status))
    order = {"changed": 0, "added": 1, "removed": 2, "status": 3}
    return tuple(sorted(out, key=lambda r: (order[r.kind], -abs(r.relative_change or 0.0), r.key)))


def _specs(prices: Prices) -> dict[str, dict]:
    return {k: {"value": r.value, "unit": r.unit, "source_url": r.source_url, "retrieved": r.retrieved,
                "status": r.status, "note": r.note} for k, r in prices.rates.items()}


def _with_price_set(sc: Scenario, prices: Prices) -> Scenario | None:
    """``sc`` with every rate of ``prices`` as a price override (its own overrides on top), or None
    when the key sets differ from the shipped set of the scenario's region."""
    region = sc.region if sc.region in {r for r, _ in list_price_sets()} else "us-east-1"
    base = load_prices(region)
    if set(base.rates) != set(prices.rates):
        return None
    raw = dict(sc.raw)
    raw["region"] = region
    raw["price_overrides"] = {**_specs(prices), **dict(sc.price_overrides or {})}
    return load_scenario(raw, base_dir=sc.base_dir)


def _effect(path: Path, pa: Prices, pb: Prices, verdicts: bool) -> ScenarioEffect:
    sc = load_scenario(path)
    notes: list[str] = []
    priced: dict[str, Scenario | None] = {}   # by price set label: the scenario on it, if comparable
    comparisons: dict[str, Comparison] = {}
    verdict: dict[str, str | None] = {"A": None, "B": None}
    for label, prices in (("A", pa), ("B", pb)):
        scp = _with_price_set(sc, prices)
        if scp is None:
            cmp = compare(sc, prices=prices.with_overrides(sc.price_overrides or None))
            notes.append(f"price set {label} has other rate keys than the shipped {sc.region} set: "
                         "bills computed with it directly, verdict not computed")
        else:
            cmp = compare(scp)
        priced[label], comparisons[label] = scp, cmp
    if verdicts and all(scp is not None for scp in priced.values()):
        for label, scp in priced.items():
            try:
                rec = recommend(scp)
                verdict[label] = f"{rec.verdict} ({rec.confidence})"
            except CostModelError as exc:
                notes.append(f"verdict under {label} not computed: {exc}")
    ca, cb = comparisons["A"], comparisons["B"]
    return ScenarioEffect(
        scenario=sc.name, path=str(path),
        monthly_usd_a={str(o): float(v) for o, v in ca.table["monthly_usd"].items()},
        monthly_usd_b={str(o): float(v) for o, v in cb.table["monthly_usd"].items()},
        cheapest_a=ca.cheapest, cheapest_b=cb.cheapest,
        verdict_a=verdict["A"], verdict_b=verdict["B"] if verdict["A"] is not None else None,
        notes=tuple(notes),
    )


def diff_prices(a: Prices | str | os.PathLike, b: Prices | str | os.PathLike, *,
                scenarios: Sequence[str | os.PathLike] | None = None, verdicts: bool = True) -> PriceDiff:
    """Compare price sets A and B and their effect on scenarios.

    Parameters
    ----------
    a, b : Prices, path or file name
        The two price sets (a file name alone is looked up in ``data/pricing``).
    scenarios : list of paths, optional
        Scenario files (default: every ``data/scenarios/*.yaml``); an empty list skips
        the scenario part.
    verdicts : bool
        Also run :func:`costmodel.decision.recommend` under each set (about 1-2 s per
        scenario and set); False gives bills only.

    Returns
    -------
    PriceDiff
    """
    pa, label_a = as_prices(a)
    pb, label_b = as_prices(b)
    notes = []
    if pa.region != pb.region:
        notes.append(f"A is {pa.region} and B is {pb.region}: each scenario is priced with the file's rates "
                     "whatever its own region")
    paths = sorted(CANONICAL_SCENARIOS_DIR.glob("*.yaml")) if scenarios is None else [Path(p) for p in scenarios]
    effects = tuple(_effect(p, pa, pb, verdicts) for p in paths)
    return PriceDiff(a=label_a, b=label_b, rates=rate_diffs(pa, pb), effects=effects, notes=tuple(notes))
