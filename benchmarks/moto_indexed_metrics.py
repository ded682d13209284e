"""An indexed stand-in for moto's CloudWatch ``get_metric_data`` (benchmarks at fleet scale).

moto 5.2.5 answers GetMetricData by scanning every stored datapoint for every period of
every query: O(queries x periods x datapoints). For 1,000 seeded functions that is hours
per call, so moto itself, not the importer, would be measured. :func:`indexed_get_metric_data`
computes the same MetricStat results (Sum, Average, Minimum, Maximum, SampleCount over
single values and statistic sets, with moto's matching rules: namespace and name without
dimensions, name and exact dimension set with them) from a per-metric numpy index.
Requests still go through boto3, botocore and moto's request parsing and response
serialisation. ``tests/functional/test_import_fleet.py`` checks it against moto's own
implementation on a small account.

Use ``with patched_moto_metrics(): ...`` around the mocked code.
"""
from __future__ import annotations

import contextlib
from collections import defaultdict
from datetime import timedelta

import numpy as np

__all__ = ["indexed_get_metric_data", "patched_moto_metrics"]


def _index(backend):
    data = backend.get_all_metrics()
    cache = getattr(backend, "_costmodel_index", None)
    if cache is not None and cache[0] == len(data):
        return cache[1]
    from moto.cloudwatch.models import MetricAggregatedDatum

    groups = defaultdict(list)
    for md in data:
        dims = tuple(sorted((d.name, d.value) for d in md.dimensions))
        if isinstance(md, MetricAggregatedDatum):
            rec = (md.timestamp.timestamp(), md.sum, md.sample_count, md.min, md.max)
        else:
            rec = (md.timestamp.timestamp(), md.value, 1.0, md.value, md.value)
        groups[(md.namespace, md.name, dims)].append(rec)
    index = {}
    for key, recs in groups.items():
        arr = np.array(recs, dtype=float)
        order = np.argsort(arr[:, 0], kind="stable")
        index[key] = arr[order]
    backend._costmodel_index = (len(data), index)
    return index


def indexed_get_metric_data(self, queries, start_time, end_time, scan_by="TimestampAscending"):
    start_time = start_time.replace(microsecond=0)
    end_time = end_time.replace(microsecond=0)
    index = _index(self)
    t0, t1 = start_time.timestamp(), end_time.timestamp()
    out = []
    for q in queries:
        if "MetricStat" not in q:
            raise NotImplementedError("the indexed stand-in serves MetricStat queries only")
        ms = q["MetricStat"]
        ns, name = ms["Metric"]["Namespace"], ms["Metric"]["MetricName"]
        dims = tuple(sorted((d["Name"], d["Value"]) for d in ms["Metric"].get("Dimensions", [])))
        period = int(ms["Period"])
        stat = ms["Stat"]
        if dims:
            parts = [v for (kns, kname, kdims), v in index.items() if kname == name and kdims == dims]
        else:
            parts = [v for (kns, kname, _), v in index.items() if kns == ns and kname == name]
        values, stamps = [], []
        if parts:
            arr = np.concatenate(parts) if len(parts) > 1 else parts[0]
            sel = arr[(arr[:, 0] >= t0) & (arr[:, 0] < t1)]
            if sel.size:
                b = ((sel[:, 0] - t0) // period).astype(np.int64)
                nb = int(b.max()) + 1
                cnt = np.bincount(b, weights=sel[:, 2], minlength=nb)
                present = np.bincount(b, minlength=nb) > 0
                if stat == "Sum":
                    v = np.bincount(b, weights=sel[:, 1], minlength=nb)
                elif stat == "SampleCount":
                    v = cnt
                elif stat == "Average":
                    v = np.bincount(b, weights=sel[:, 1], minlength=nb) / np.where(cnt > 0, cnt, 1)
                elif stat == "Minimum":
                    v = np.full(nb, np.inf)
                    np.minimum.at(v, b, sel[:, 3])
                elif stat == "Maximum":
                    v = np.full(nb, -np.inf)
                    np.maximum.at(v, b, sel[:, 4])
                else:
                    raise NotImplementedError(f"statistic {stat!r} (moto computes none beyond the five basic ones)")
                for i in np.flatnonzero(present):
                    stamps.append(start_time + timedelta(seconds=int(i) * period))
                    values.append(float(v[i]))
        if scan_by == "TimestampDescending":
            stamps.reverse()
            values.reverse()
        if q.get("ReturnData", True):
            out.append({"id": q["Id"], "label": q.get("Label") or f"{name} {stat}", "values": values,
                        "timestamps": stamps, "status_code": "Complete"})
    return out


@contextlib.contextmanager
def patched_moto_metrics():
    """Serve moto's GetMetricData from the index while the block runs."""
    from moto.cloudwatch.models import CloudWatchBackend

    original = CloudWatchBackend.get_metric_data
    CloudWatchBackend.get_metric_data = indexed_get_metric_data
    try:
        yield
    finally:
        CloudWatchBackend.get_metric_data = original
