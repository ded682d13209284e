"""The AWS Price List format: products, terms and price dimensions, parsed once.

Both sources AWS offers carry the same records:

* the **Query API** (``pricing:GetProducts``) returns ``PriceList``, a list of JSON
  *strings*, one per product: ``{"product": {"sku", "productFamily", "attributes"},
  "serviceCode", "terms": {"OnDemand": {"<sku>.<offerTermCode>": term}, "Reserved": {...}},
  "version", "publicationDate"}``;
* a **bulk offer file** (``offers/v1.0/aws/<ServiceCode>/current/<region>/index.json``)
  holds ``products`` keyed by SKU and ``terms.OnDemand[<sku>][<sku>.<offerTermCode>]``.

A term holds ``priceDimensions`` keyed by rate code, each with ``unit``, ``beginRange``,
``endRange`` (``"Inf"`` for the last tier), ``pricePerUnit`` (``{"USD": "0.0000166667"}``)
and ``description``; the term has an ``effectiveDate``. Tiered prices (Lambda duration,
API Gateway, data transfer out) are several dimensions of one term.

:func:`parse_price_list_item` and :func:`read_offer_file` turn either into
:class:`Product` records that the rest of :mod:`costmodel.prices` works on.
"""
from __future__ import annotations

import gzip
import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from costmodel.errors import PriceListError

__all__ = [
    "Offer",
    "PriceDimension",
    "Product",
    "Term",
    "parse_price_list_item",
    "products_from_offer",
    "read_offer_file",
]


@dataclass(frozen=True)
class PriceDimension:
    """One price of a term: ``usd`` per ``unit`` for the monthly quantity in [begin, end)."""

    rate_code: str
    unit: str
    begin: float
    end: float
    usd: float
    description: str = ""


@dataclass(frozen=True)
class Term:
    """A pricing term of a product (``OnDemand`` or ``Reserved``) with its dimensions sorted by ``begin``."""

    term_type: str
    offer_term_code: str
    effective_date: str
    attributes: Mapping[str, str]
    dimensions: tuple[PriceDimension, ...]


@dataclass(frozen=True)
class Product:
    """A SKU with its attributes and terms."""

    sku: str
    service_code: str
    product_family: str
    attributes: Mapping[str, str]
    terms: tuple[Term, ...]
    version: str = ""

    def attribute(self, name: str) -> str:
        """An attribute, or the product family for ``productFamily`` ("" when absent)."""
        if name == "productFamily":
            return self.product_family
        return str(self.attributes.get(name, ""))

    def terms_of(self, term_type: str) -> tuple[Term, ...]:
        """Terms of one type (``OnDemand``, ``Reserved``)."""
        return tuple(t for t in self.terms if t.term_type == term_type)


@dataclass(frozen=True)
class Offer:
    """A bulk offer file: its offer code (service code), version, publication date and products."""

    offer_code: str
    version: str
    publication_date: str
    products: tuple[Product, ...]
    path: str = ""


def _range(value: Any, where: str) -> float:
    if value in (None, "", "Inf", "inf"):
        return math.inf
    try:
        return float(value)
    except (TypeError, ValueError):
        raise PriceListError(f"{where}: range {value!r} is not a number or 'Inf'") from None


def _dimension(rate_code: str, spec: Mapping[str, Any], where: str) -> PriceDimension:
    if not isinstance(spec, Mapping):
        raise PriceListError(f"{where}: price dimension {rate_code!r} is not an object")
    price = spec.get("pricePerUnit") or {}
    if "USD" not in price:
        raise PriceListError(f"{where}: price dimension {rate_code!r} has no USD price (has {sorted(price)})")
    try:
        usd = float(price["USD"])
    except (TypeError, ValueError):
        raise PriceListError(f"{where}: price dimension {rate_code!r} has USD price {price['USD']!r}") from None
    return PriceDimension(
        rate_code=str(spec.get("rateCode", rate_code)),
        unit=str(spec.get("unit", "")),
        begin=_range(spec.get("beginRange", "0") or "0", where),
        end=_range(spec.get("endRange", "Inf"), where),
        usd=usd,
        description=str(spec.get("description", "")),
    )


def _term(term_type: str, key: str, spec: Mapping[str, Any], where: str) -> Term:
    if not isinstance(spec, Mapping) or not isinstance(spec.get("priceDimensions"), Mapping):
        raise PriceListError(f"{where}: {term_type} term {key!r} has no priceDimensions object")
    dims = [_dimension(rc, d, where) for rc, d in spec["priceDimensions"].items()]
    dims.sort(key=lambda d: (d.begin, d.end))
    return Term(
        term_type=term_type,
        offer_term_code=str(spec.get("offerTermCode", key.rsplit(".", 1)[-1])),
        effective_date=str(spec.get("effectiveDate", ""))[:10],
        attributes=dict(spec.get("termAttributes") or {}),
        dimensions=tuple(dims),
    )


def _product(product: Mapping[str, Any], terms_by_type: Mapping[str, Iterable[tuple[str, Any]]],
             service_code: str, version: str, where: str) -> Product:
    if not isinstance(product, Mapping) or "sku" not in product:
        raise PriceListError(f"{where}: 'product' must be an object with a 'sku'")
    terms = tuple(_term(tt, k, spec, where) for tt, items in terms_by_type.items() for k, spec in items)
    return Product(
        sku=str(product["sku"]),
        service_code=str(service_code or (product.get("attributes") or {}).get("servicecode", "")),
        product_family=str(product.get("productFamily", "")),
        attributes={str(k): str(v) for k, v in (product.get("attributes") or {}).items()},
        terms=terms,
        version=str(version),
    )


def parse_price_list_item(item: str | Mapping[str, Any], where: str = "PriceList item") -> Product:
    """One element of a ``GetProducts`` response's ``PriceList`` (a JSON string) as a :class:`Product`.

    Raises
    ------
    PriceListError
        Not JSON, or without the ``product``/``terms`` structure (``where`` names the item).
    """
    if isinstance(item, (str, bytes)):
        try:
            doc = json.loads(item)
        except json.JSONDecodeError as exc:
            raise PriceListError(f"{where}: not JSON ({exc.msg} at character {exc.pos})") from None
    else:
        doc = item
    if not isinstance(doc, Mapping) or "product" not in doc:
        raise PriceListError(f"{where}: expected an object with 'product' and 'terms'")
    terms = doc.get("terms") or {}
    if not isinstance(terms, Mapping):
        raise PriceListError(f"{where}: 'terms' must be an object")
    by_type = {tt: list((items or {}).items()) for tt, items in terms.items()}
    return _product(doc["product"], by_type, doc.get("serviceCode", ""), doc.get("version", ""), where)


def products_from_offer(doc: Mapping[str, Any], where: str = "offer file") -> Offer:
    """The products of a parsed bulk offer file (``{"offerCode", "products", "terms"}``)."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("products"), Mapping):
        raise PriceListError(f"{where}: not an AWS offer file (no 'products' object)")
    code = str(doc.get("offerCode", ""))
    terms = doc.get("terms") or {}
    out = []
    for sku, product in doc["products"].items():
        by_type = {tt: list(((per_sku or {}).get(sku) or {}).items()) for tt, per_sku in terms.items()}
        out.append(_product(product, by_type, code, doc.get("version", ""), f"{where}, SKU {sku}"))
    return Offer(offer_code=code, version=str(doc.get("version", "")),
                 publication_date=str(doc.get("publicationDate", "")), products=tuple(out), path=where)


def read_offer_file(path: str | os.PathLike) -> Offer:
    """Read a bulk offer file (``index.json``, or ``.json.gz``) from disk.

    Offer files are read whole: use a region's file (``.../current/<region>/index.json``);
    EC2's regional file is several hundred MB.
    """
    path = Path(path)
    if not path.is_file():
        raise PriceListError(f"offer file {str(path)!r} does not exist")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            doc = json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError, OSError) as exc:
        raise PriceListError(f"{path}: not a JSON offer file ({exc})") from None
    return products_from_offer(doc, str(path))
