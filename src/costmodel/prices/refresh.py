"""Refresh a price file from the AWS Price List: Query API (boto3) or bulk offer files on disk.

:func:`refresh_prices` starts from a *base* price file (the latest shipped file of the
region, else us-east-1's), looks up every rate of :mod:`costmodel.prices.catalog` in the
Price List, and returns (and by default writes) a new dated file
``aws-<region>-<date>.yaml`` in which

* each rate found carries its provenance: ``AWS Price List (...): <service> SKU <sku>,
  rate code <rate code>, effective <date>; <price> USD per <unit>`` in its note, the
  offer file's URL as ``source_url``, status ``aws-published`` (``derived`` where the unit
  is converted, e.g. Fargate's hourly price / 3600);
* every other rate (assumed discounts, third-party figures, LCU definitions, free tiers,
  rates not mapped) is copied from the base file with its status. Copied from another
  region, a USD rate becomes ``unconfirmed`` (its note says from where).

Nothing is silently guessed: a rate whose product is missing, ambiguous (several SKUs),
tiered where one price was expected, or in an unexpected unit is copied and listed in
:attr:`RefreshResult.kept` with the reason.

>>> result = refresh_prices("eu-west-1", offer_files=["AWSLambda-eu-west-1.json"])  # doctest: +SKIP
>>> print(result.to_text())                                                          # doctest: +SKIP
"""
from __future__ import annotations

import datetime as _dt
import itertools
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from costmodel.errors import InvalidParameterError, MissingCredentialsError, PriceListError, UnknownNameError
from costmodel.models.pricing import PRICING_DIR, Prices, Rate, list_price_sets, load_price_file
from costmodel.prices.catalog import (
    NOT_MAPPED,
    PRICING_ENDPOINT_REGIONS,
    REGION_NAMES,
    RateSource,
    sources_for,
    usagetype_matches,
)
from costmodel.prices.pricelist import (
    Offer,
    PriceDimension,
    Product,
    Term,
    parse_price_list_item,
    read_offer_file,
)

__all__ = [
    "CREDENTIALS_HELP",
    "OfferFileFetcher",
    "QueryApiFetcher",
    "RateChange",
    "RefreshResult",
    "price_file_path",
    "pricing_client",
    "refresh_prices",
]

#: What the one-line error says when the Query API has no credentials to use.
CREDENTIALS_HELP = (
    "no AWS credentials found for the Price List Query API: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY) for an identity allowed pricing:GetProducts, or refresh from downloaded offer "
    "files with --offer-file (no credentials needed)"
)
OFFER_URL = "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/{code}/current/{region}/index.json"
_REGION_RE = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


# ------------------------------------------------------------------ fetching products
class QueryApiFetcher:
    """Products from ``pricing:GetProducts`` (all pages), cached per query.

    Parameters
    ----------
    client : botocore client
        A ``boto3.client("pricing", ...)``; tests pass one wrapped in botocore's Stubber.
    page_size : int
        ``MaxResults`` per call (the API allows 1 to 100).
    """

    origin = "AWS Price List Query API, GetProducts"

    def origin_of(self, service_code: str) -> str:
        """How a rate of ``service_code`` was obtained (for its note)."""
        return self.origin

    def __init__(self, client: Any, page_size: int = 100):
        self.client = client
        self.page_size = int(page_size)
        self.calls = 0
        self._cache: dict[tuple, list[Product]] = {}

    def products(self, service_code: str, filters: Sequence[tuple[str, str]]) -> list[Product] | None:
        key = (service_code, tuple(filters))
        if key in self._cache:
            return self._cache[key]
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError  # noqa: PLC0415 - only the API

        request = {
            "ServiceCode": service_code,
            "Filters": [{"Type": "TERM_MATCH", "Field": f, "Value": v} for f, v in filters],
            "FormatVersion": "aws_v1",
            "MaxResults": self.page_size,
        }
        out: list[Product] = []
        token = None
        page = 0
        while True:
            call = dict(request, NextToken=token) if token else request
            try:
                response = self.client.get_products(**call)
            except NoCredentialsError:
                raise MissingCredentialsError(CREDENTIALS_HELP) from None
            except ClientError as exc:
                err = exc.response.get("Error", {})
                raise PriceListError(f"GetProducts {service_code}: {err.get('Code', 'error')}: "
                                     f"{err.get('Message', exc)}") from None
            except BotoCoreError as exc:
                raise PriceListError(f"GetProducts {service_code}: {exc}") from None
            self.calls += 1
            page += 1
            for i, item in enumerate(response.get("PriceList", [])):
                out.append(parse_price_list_item(item, f"GetProducts {service_code} page {page} item {i + 1}"))
            token = response.get("NextToken")
            if not token:
                break
        self._cache[key] = out
        return out


class OfferFileFetcher:
    """Products from bulk offer files already on disk (no credentials, no network)."""

    def __init__(self, offers: Iterable[Offer]):
        self.offers: dict[str, Offer] = {}
        for offer in offers:
            if offer.offer_code in self.offers:
                raise PriceListError(f"two offer files for {offer.offer_code}: {self.offers[offer.offer_code].path} "
                                     f"and {offer.path}")
            self.offers[offer.offer_code] = offer
        self.origin = f"AWS Price List bulk offer files ({', '.join(self.offers)})"

    def origin_of(self, service_code: str) -> str:
        offer = self.offers[service_code]
        return f"AWS Price List offer file {offer.offer_code} version {offer.version or '?'}"

    def products(self, service_code: str, filters: Sequence[tuple[str, str]]) -> list[Product] | None:
        offer = self.offers.get(service_code)
        if offer is None:
            return None
        return [p for p in offer.products if all(p.attribute(k) == v for k, v in filters)]


def pricing_client(endpoint_region: str = "us-east-1") -> Any:
    """A boto3 ``pricing`` client, or :class:`MissingCredentialsError` when no credentials are set."""
    if endpoint_region not in PRICING_ENDPOINT_REGIONS:
        raise InvalidParameterError("--endpoint-region", endpoint_region,
                                    "one of " + ", ".join(PRICING_ENDPOINT_REGIONS) + " (Price List API endpoints)")
    import boto3  # noqa: PLC0415 - heavy, and only the Query API needs it

    session = boto3.session.Session()
    if session.get_credentials() is None:
        raise MissingCredentialsError(CREDENTIALS_HELP)
    return session.client("pricing", region_name=endpoint_region)


# ------------------------------------------------------------------ matching
@dataclass(frozen=True)
class _Found:
    source: RateSource
    product: Product
    term: Term
    dimensions: tuple[PriceDimension, ...]
    notes: tuple[str, ...] = ()


def _region_filter(source: RateSource, region: str) -> tuple[str, str] | str:
    if source.region_attribute == "regionCode":
        return ("regionCode", region)
    name = REGION_NAMES.get(region)
    if name is None:
        return (f"no location name known for region {region!r} ({source.service_code} products are keyed by "
                f"{source.region_attribute}; known: {', '.join(sorted(REGION_NAMES))})")
    return (source.region_attribute, name)


def _in_region(product: Product, source: RateSource, region: str) -> bool:
    if source.region_attribute == "regionCode":
        code = product.attribute("regionCode")
        return code == region if code else product.attribute("location") == REGION_NAMES.get(region)
    code = product.attribute("fromRegionCode")
    return code == region if code else product.attribute(source.region_attribute) == REGION_NAMES.get(region)


def _resolve(source: RateSource, products: list[Product], region: str) -> _Found | str:
    """The product, term and dimensions of ``source`` in ``products``, or why not."""
    seen: dict[str, Product] = {}
    for p in products:
        if (_in_region(p, source, region) and all(p.attribute(k) == v for k, v in source.filters)
                and (source.usagetype is None or usagetype_matches(p.attribute("usagetype"), source.usagetype))):
            seen.setdefault(p.sku, p)
    if not seen:
        return f"no product matched ({source.describe()}, region {region})"
    if len(seen) > 1:
        return (f"ambiguous: {len(seen)} products matched ({source.describe()}): SKUs "
                + ", ".join(sorted(seen)))
    product = next(iter(seen.values()))
    terms = product.terms_of("OnDemand")
    if not terms:
        return f"SKU {product.sku} has no OnDemand term (terms: {sorted({t.term_type for t in product.terms})})"
    notes = []
    term = max(terms, key=lambda t: t.effective_date)
    if len(terms) > 1:
        notes.append(f"{len(terms)} OnDemand terms; used the one effective {term.effective_date}")
    dims = term.dimensions
    if not dims:
        return f"SKU {product.sku} term {term.offer_term_code} has no price dimension"
    chosen: tuple[PriceDimension, ...]
    if source.mode == "single":
        if len(dims) != 1:
            return (f"SKU {product.sku}: expected one price, found {len(dims)} tiers "
                    f"({', '.join(f'{d.begin:g}-{d.end:g}' for d in dims)})")
        chosen = dims
    elif source.mode == "first_paid":
        paid = [d for d in dims if d.usd > 0]
        if not paid:
            return f"SKU {product.sku}: every price dimension is 0 USD"
        chosen = (paid[0],)
        if len(dims) > 1:
            notes.append(f"first paid tier of {len(dims)}; the model prices one tier")
    elif source.mode == "tiers":
        if dims[0].begin != 0 or math.isfinite(dims[-1].end) or any(
                a.end != b.begin for a, b in itertools.pairwise(dims)):
            return (f"SKU {product.sku}: tiers are not contiguous from 0 to Inf "
                    f"({', '.join(f'{d.begin:g}-{d.end:g}' for d in dims)})")
        if dims[0].usd == 0:
            return (f"SKU {product.sku}: its first tier ({dims[0].begin:g}-{dims[0].end:g}) is free; the model's "
                    "free tier is a separate rate, so this product is not used")
        chosen = dims
    else:  # pragma: no cover - catalogue error
        raise ValueError(f"unknown mode {source.mode!r}")
    if source.unit_pattern:
        for d in chosen:
            if not re.search(source.unit_pattern, d.unit):
                return (f"SKU {product.sku}: unit {d.unit!r} is not the unit the conversion (/ {source.per:g}) "
                        "expects")
    return _Found(source, product, term, tuple(chosen), tuple(notes))


# ------------------------------------------------------------------ results
@dataclass(frozen=True)
class RateChange:
    """A rate set from the Price List: old and new value (old None for a new key)."""

    key: str
    old_value: float | None
    new_value: float
    unit: str
    status: str
    note: str

    @property
    def changed(self) -> bool:
        return self.old_value is None or not math.isclose(self.old_value, self.new_value, rel_tol=1e-12)

    @property
    def relative_change(self) -> float | None:
        if self.old_value in (None, 0):
            return None
        return self.new_value / self.old_value - 1.0


@dataclass(frozen=True)
class RefreshResult:
    """What :func:`refresh_prices` did.

    Attributes
    ----------
    region, price_set : str
        Of the new file.
    base : str
        ``<region> <price_set>`` of the file rates were copied from.
    origin : str
        Query API or offer files.
    refreshed : tuple of RateChange
        Rates set from the Price List.
    kept : tuple of (key, reason)
        Rates copied from the base, each with the reason.
    document : dict
        The new price file's content.
    path : pathlib.Path or None
        Where it was written (None for a dry run).
    api_calls : int
        GetProducts calls made (pages).
    """

    region: str
    price_set: str
    base: str
    origin: str
    refreshed: tuple[RateChange, ...]
    kept: tuple[tuple[str, str], ...]
    document: dict = field(repr=False)
    path: Path | None = None
    api_calls: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region, "price_set": self.price_set, "base": self.base, "origin": self.origin,
            "path": str(self.path) if self.path else None, "api_calls": self.api_calls,
            "refreshed": [{"key": c.key, "old": c.old_value, "new": c.new_value, "unit": c.unit,
                           "status": c.status, "note": c.note} for c in self.refreshed],
            "kept": [{"key": k, "reason": r} for k, r in self.kept],
        }

    def to_text(self) -> str:
        changed = [c for c in self.refreshed if c.changed]
        lines = [f"Price set {self.region} {self.price_set} from {self.origin}",
                 f"Base (copied rates): {self.base}",
                 f"{len(self.refreshed)} rates from the Price List ({len(changed)} changed), "
                 f"{len(self.kept)} copied from the base"]
        if changed:
            lines += ["", f"{'changed rate':<40}{'old':>14}{'new':>14}{'change':>9}  unit"]
            for c in changed:
                rel = c.relative_change
                old = "(new)" if c.old_value is None else f"{c.old_value:.6g}"
                lines.append(f"{c.key:<40}{old:>14}{c.new_value:>14.6g}"
                             f"{'' if rel is None else format(rel, '+.2%'):>9}  {c.unit}")
                if rel is not None and abs(rel) > 0.5:
                    lines.append(f"  check: {c.key} changed by {rel:+.0%} ({c.note})")
        not_found = [(k, r) for k, r in self.kept if not r.startswith(("not in the Price List", "service not"))]
        if not_found:
            lines += ["", "Copied from the base because the Price List lookup failed:"]
            lines += [f"  {k}: {r}" for k, r in not_found]
        lines.append("")
        lines.append(f"written: {self.path}" if self.path else "dry run: nothing written")
        return "\n".join(lines)


# ------------------------------------------------------------------ the refresh
def price_file_path(region: str, price_set: str, directory: str | os.PathLike | None = None) -> Path:
    """Path of a price file in ``directory`` (default ``data/pricing``)."""
    folder = Path(directory) if directory is not None else PRICING_DIR
    path = folder / f"aws-{region}-{price_set}.yaml"
    return path if path.exists() or not path.with_suffix(".yml").exists() else path.with_suffix(".yml")


def _base_file(region: str, base: str | os.PathLike | None) -> Path:
    if base is not None:
        return Path(base)
    sets = list_price_sets(region) or list_price_sets("us-east-1")
    if not sets:
        raise UnknownNameError("base price file", region, [f"{r} {s}" for r, s in list_price_sets()])
    r, s = sets[-1]
    return price_file_path(r, s)


def _tier_keys(base: str, keys: Iterable[str]) -> list[str]:
    pat = re.compile(rf"^{re.escape(base)}_tier\d+(_limit)?$")
    return [k for k in keys if pat.match(k)]


def _spec(rate: Rate) -> dict[str, Any]:
    return {"value": rate.value, "unit": rate.unit, "source_url": rate.source_url, "retrieved": rate.retrieved,
            "status": rate.status, "note": rate.note}


def _quantity(x: float) -> str:
    """A range bound as written in notes: ``6,000,000,000``, ``0.5`` or ``Inf``."""
    if math.isinf(x):
        return "Inf"
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,.10g}"


def _new_rates(found: _Found, base: Prices, origin: str, region: str, retrieved: str) -> dict[str, dict]:
    src, p, term = found.source, found.product, found.term
    url = OFFER_URL.format(code=p.service_code or src.service_code, region=region)
    extra = "; ".join(found.notes)

    def note(d: PriceDimension, conv: bool) -> str:
        text = (f"{origin}: {p.service_code or src.service_code} SKU {p.sku}, rate code {d.rate_code}, "
                f"effective {term.effective_date or '?'}; {d.usd:.10g} USD per {d.unit or '?'}")
        if conv:
            text += f" / {src.per:g}"
        if (d.begin, d.end) != (0, math.inf):
            text += f" ({_quantity(d.begin)} to {_quantity(d.end)})"
        return text + (f"; {extra}" if extra else "")

    def unit_of(key: str, fallback: str) -> str:
        return base.rates[key].unit if key in base.rates else fallback

    conv = src.per != 1.0
    status = "derived" if conv else "aws-published"
    out: dict[str, dict] = {}
    if src.mode != "tiers":
        d = found.dimensions[0]
        out[src.key] = {"value": d.usd / src.per, "unit": unit_of(src.key, f"USD per {d.unit}"), "source_url": url,
                        "retrieved": retrieved, "status": status, "note": note(d, conv)}
        return out
    price_unit = unit_of(f"{src.key}_tier1", f"USD per {found.dimensions[0].unit}")
    limit_unit = unit_of(f"{src.key}_tier1_limit", f"{found.dimensions[0].unit} per month")
    for n, d in enumerate(found.dimensions, start=1):
        out[f"{src.key}_tier{n}"] = {"value": d.usd / src.per, "unit": price_unit, "source_url": url,
                                     "retrieved": retrieved, "status": status, "note": note(d, conv)}
        if math.isfinite(d.end):
            out[f"{src.key}_tier{n}_limit"] = {
                "value": int(d.end) if d.end.is_integer() else d.end, "unit": limit_unit, "source_url": url,
                "retrieved": retrieved,
                "status": "aws-published",
                "note": f"endRange of rate code {d.rate_code} (cumulative monthly quantity where tier {n} ends)"}
    return out


def _not_mapped_reason(key: str) -> str:
    for pattern, why in NOT_MAPPED.items():
        if key == pattern or (pattern.endswith("*") and key.startswith(pattern[:-1])):
            return f"not in the Price List lookup: {why}"
    return "not in the Price List (an assumption, a billing rule, a free tier or a unit definition)"


def _kept_spec(rate: Rate, base: Prices, region: str) -> dict[str, Any]:
    spec = _spec(rate)
    if base.region != region and rate.unit.startswith("USD"):
        if rate.status != "assumption":
            spec["status"] = "unconfirmed"
        spec["note"] = (f"UNCONFIRMED for {region}: the {base.region} value of price set {base.price_set} "
                        f"({rate.status}); {rate.note}").rstrip("; ")
    return spec


def _order(base_keys: list[str], new: Mapping[str, Any]) -> list[str]:
    order = [k for k in base_keys if k in new]
    for k in new:
        if k in order:
            continue
        stem = k.rsplit("_tier", 1)[0]
        siblings = [i for i, b in enumerate(order) if b.startswith(stem)]
        order.insert(siblings[-1] + 1 if siblings else len(order), k)
    return order


def _header(region: str, price_set: str, origin: str, base: Prices) -> str:
    return (
        f"# AWS list prices, {region}, USD. Price set \"{price_set}\", written by `costmodel prices refresh`.\n"
        f"# Rates found in the Price List: {origin}; each note gives SKU, rate code and effective date.\n"
        f"# Other rates copied from price set {base.region} {base.price_set} with their status\n"
        "# (unconfirmed: a USD rate carried over from another region; override it when you know better).\n"
        "# Schema: see data/pricing/aws-us-east-1-2026-11-27.yaml and docs/pricing.md.\n"
    )


def refresh_prices(
    region: str,
    *,
    services: Sequence[str] | None = None,
    offer_files: Sequence[str | os.PathLike] | None = None,
    client: Any = None,
    endpoint_region: str = "us-east-1",
    base: str | os.PathLike | None = None,
    output_dir: str | os.PathLike | None = None,
    price_set: str | None = None,
    write: bool = True,
    overwrite: bool = False,
) -> RefreshResult:
    """Build a new dated price file for ``region`` from the AWS Price List.

    Parameters
    ----------
    region : str
        AWS region code of the prices (``eu-west-1``).
    services : list of str, optional
        Subset of :data:`costmodel.prices.catalog.SERVICES` (default: all).
    offer_files : list of paths, optional
        Bulk offer files on disk; when given, no API call is made and services without
        an offer file are copied from the base.
    client : botocore client, optional
        A ``pricing`` client (default: :func:`pricing_client`, which needs credentials).
    endpoint_region : str
        Price List API endpoint (us-east-1, eu-central-1 or ap-south-1).
    base : path, optional
        Price file to copy the other rates from (default: the region's latest shipped
        file, else us-east-1's).
    output_dir : path, optional
        Folder for the new file (default ``data/pricing``).
    price_set : str, optional
        Date of the new price set, ``YYYY-MM-DD`` (default today, UTC).
    write : bool
        False: build and return the result without writing (dry run).
    overwrite : bool
        Replace an existing file of the same name.

    Returns
    -------
    RefreshResult
    """
    if not isinstance(region, str) or not _REGION_RE.match(region):
        raise InvalidParameterError("--region", region, "an AWS region code such as us-east-1 or eu-west-1")
    today = _dt.datetime.now(_dt.UTC).date().isoformat()
    price_set = price_set or today
    try:
        _dt.date.fromisoformat(price_set)
    except (TypeError, ValueError):
        raise InvalidParameterError("--date", price_set, "a date YYYY-MM-DD") from None
    base_path = _base_file(region, base)
    base_prices = load_price_file(base_path)
    with open(base_path, encoding="utf-8") as fh:
        base_doc = yaml.safe_load(fh)

    if offer_files:
        fetcher: Any = OfferFileFetcher(read_offer_file(p) for p in offer_files)
    else:
        fetcher = QueryApiFetcher(client if client is not None else pricing_client(endpoint_region))
    sources = sources_for(services, list(base_prices.ec2_instance_types))
    new: dict[str, dict] = {}
    refreshed_bases: list[str] = []
    failures: dict[str, str] = {}
    pending = list(sources)
    for code_index in range(max(len(s.service_codes) for s in sources) if sources else 0):
        retry = []
        for src in pending:
            if code_index >= len(src.service_codes):
                continue
            code = src.service_codes[code_index]
            rf = _region_filter(src, region)
            if isinstance(rf, str):
                failures[src.key] = rf
                continue
            products = fetcher.products(code, (rf,) + src.filters)
            if products is None:
                failures[src.key] = f"not in the Price List source: no offer file for {code} was given"
                continue
            found = _resolve(src, products, region)
            if isinstance(found, str):
                failures[src.key] = found
                if code_index + 1 < len(src.service_codes):
                    retry.append(src)
                continue
            failures.pop(src.key, None)
            new.update(_new_rates(found, base_prices, fetcher.origin_of(code), region, today))
            if src.mode == "tiers":
                refreshed_bases.append(src.key)
        pending = retry

    rates: dict[str, dict] = {}
    kept: list[tuple[str, str]] = []
    dropped = {k for b in refreshed_bases for k in _tier_keys(b, base_prices.rates)}
    catalogued = {s.key for s in sources_for(None, list(base_prices.ec2_instance_types))}
    for key, rate in base_prices.rates.items():
        if key in new or key in dropped:
            continue
        rates[key] = _kept_spec(rate, base_prices, region)
        stem = key.rsplit("_tier", 1)[0]
        if key in failures or stem in failures:
            reason = failures.get(key) or failures[stem]
        elif key in catalogued or stem in catalogued:
            reason = "service not refreshed (--services)"
        else:
            reason = _not_mapped_reason(key)
        kept.append((key, reason))
    rates.update(new)
    ordered = {k: rates[k] for k in _order(list(base_prices.rates), rates)}
    changes = tuple(
        RateChange(k, base_prices.rates[k].value if k in base_prices.rates else None, float(spec["value"]),
                   spec["unit"], spec["status"], spec["note"])
        for k, spec in ordered.items() if k in new)

    document = {"schema_version": base_doc.get("schema_version", 1), "region": region, "price_set": price_set,
                "currency": base_doc.get("currency", "USD"), "rates": ordered}
    for extra in ("fargate_task_sizes", "ec2_instance_types"):
        if extra in base_doc:
            document[extra] = base_doc[extra]
    path = None
    if write:
        folder = Path(output_dir) if output_dir is not None else PRICING_DIR
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"aws-{region}-{price_set}.yaml"
        if path.exists() and not overwrite:
            raise InvalidParameterError("output file", str(path), "a new file name (pass --force to replace it)")
        text = _header(region, price_set, fetcher.origin, base_prices) + yaml.safe_dump(
            document, sort_keys=False, allow_unicode=True, width=120)
        path.write_text(text, encoding="utf-8")
        load_price_file(path)  # the written file must load
    return RefreshResult(
        region=region, price_set=price_set, base=f"{base_prices.region} {base_prices.price_set} ({base_path.name})",
        origin=fetcher.origin, refreshed=changes, kept=tuple(kept), document=document, path=path,
        api_calls=getattr(fetcher, "calls", 0),
    )
