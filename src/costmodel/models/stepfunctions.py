"""AWS Step Functions bills: Standard, Express and Distributed Map, as pure functions.

Same conventions as :mod:`costmodel.models.bills`: each ``*_bill`` function prices one month and
returns a :class:`~costmodel.models.bills.Bill` of :class:`~costmodel.models.bills.LineItem` s, each line
rounded half-up to cents and the total the sum of the rounded lines. Rates come from the
price file (``stepfunctions.*`` and ``s3.*`` keys; ``prices=None`` loads the default set).

Billing rules (AWS Step Functions pricing page, us-east-1; see ``docs/long-running.md``):

* **Standard**: $0.025 per 1,000 state transitions. A transition is counted each time a
  step of a workflow executes, **retries included**. 4,000 transitions a month are free
  (per account, never expiring).
* **Express**: $1.00 per million requests (one per execution started) plus duration:
  each execution's time rounded up to 100 ms, times its memory billed in 64 MB chunks,
  priced per GB-hour on monthly tiers (first 1,000 GB-hours $0.06, next 4,000 $0.03,
  beyond $0.01642; AWS's own example computes in GB-hours at these hourly rates, and so
  does this module). Memory used is ``50 MB + definition size + payload x Map/Parallel
  steps`` (AWS's estimate; its example counts 1 MB = 1,000 KB). No free tier.
* **Distributed Map**: every child workflow execution is a workflow execution of its own
  type: Standard children bill their own state transitions, Express children bill one
  request and their duration. The parent bills the Map state's transition. Item readers
  bill S3 requests (GetObject per file read, ListObjectsV2 per 1,000 keys listed) and the
  result writer bills S3 PutObject requests. ``ItemBatcher`` groups items into fewer child
  executions. (AWS publishes no worked Distributed Map example; this follows the
  per-workflow rules above.)

Examples
--------
>>> express_bill(100e6, 10_000).total_usd          # AWS pricing page: 100M workflows x 10 s, 64 MB
482.97
>>> express_billed_memory_mb(express_memory_mb(definition_kb=50, payload_kb=32, map_or_parallel_steps=400))
64.0
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from costmodel._validate import as_float_array, check_choice, check_int, check_non_negative, check_positive
from costmodel.errors import InvalidParameterError
from costmodel.models._typing import FloatOrArray
from costmodel.models.bills import Bill, _fmt_qty, _prices, line_item, tier_quantities
from costmodel.models.pricing import Prices

__all__ = [
    "STANDARD_MAX_DURATION_S",
    "EXPRESS_MAX_DURATION_S",
    "INLINE_MAP_MAX_CONCURRENCY",
    "DISTRIBUTED_MAP_MAX_CONCURRENCY",
    "ITEM_READERS",
    "CHILD_TYPES",
    "standard_transitions",
    "standard_bill",
    "express_memory_mb",
    "express_billed_memory_mb",
    "express_billed_duration_ms",
    "express_gb_hours",
    "express_bill",
    "DistributedMapUsage",
    "distributed_map_usage",
    "distributed_map_bill",
]

#: Longest Standard execution [s] (one year; Step Functions quotas).
STANDARD_MAX_DURATION_S = 365 * 86_400
#: Longest Express execution [s] (five minutes; pricing page and quotas).
EXPRESS_MAX_DURATION_S = 300
#: Concurrent iterations of an Inline Map state (Step Functions developer guide).
INLINE_MAP_MAX_CONCURRENCY = 40
#: Concurrent child executions of a Distributed Map state (Step Functions developer guide).
DISTRIBUTED_MAP_MAX_CONCURRENCY = 10_000
#: Where a Distributed Map reads its items from.
ITEM_READERS = ("state_input", "s3_file", "s3_list")
#: Child workflow types of a Distributed Map.
CHILD_TYPES = ("express", "standard")

_MS_PER_S = 1000.0
_MB_PER_GB = 1024.0
_S_PER_H = 3600.0
_KB_PER_MB_AWS_ESTIMATE = 1000.0


def _out(x: npt.ArrayLike) -> FloatOrArray:
    a = np.asarray(x, dtype=float)
    return a.item() if a.ndim == 0 else a


# ==========================================================================================
# Standard workflows
# ==========================================================================================
def standard_transitions(executions: npt.ArrayLike, states_per_execution: npt.ArrayLike,
                         retries_per_execution: npt.ArrayLike = 0.0) -> FloatOrArray:
    """State transitions of Standard executions [count].

    ``executions * (states_per_execution + retries_per_execution)``, element-wise.

    Parameters
    ----------
    executions : float or array_like
        Workflow executions [count].
    states_per_execution : float or array_like
        States entered per execution (Task, Choice, Pass, Map, Wait, Succeed... each one
        entered counts, and so does every Map iteration's states) [count].
    retries_per_execution : float or array_like
        Retry attempts per execution (each is one more transition) [count].
    """
    check_non_negative("executions", executions)
    check_non_negative("states_per_execution", states_per_execution)
    check_non_negative("retries_per_execution", retries_per_execution)
    return _out(np.asarray(executions, float) * (np.asarray(states_per_execution, float)
                                                 + np.asarray(retries_per_execution, float)))


def standard_bill(state_transitions: npt.ArrayLike, *, free_tier: bool = True, prices: Prices | None = None) -> Bill:
    """One month of Standard workflows: state transitions beyond the free 4,000.

    Parameters
    ----------
    state_transitions : float or array_like
        Transitions in the month across all Standard state machines of the account,
        retries included [count]; an array is summed.
    free_tier : bool
        Take the 4,000 free transitions off (per account: apply it once).
    prices : Prices, optional

    Returns
    -------
    Bill
        One line, ``"Step Functions Standard state transitions"``.
    """
    prices = _prices(prices)
    check_non_negative("state_transitions", state_transitions)
    total = float(np.sum(state_transitions))
    free = min(total, prices.value("stepfunctions.standard_free_transitions")) if free_tier else 0.0
    note = f"{_fmt_qty(total)} - {_fmt_qty(free)} free" if free_tier else ""
    return Bill((line_item("Step Functions Standard state transitions", total - free, "transitions",
                           prices.usd("stepfunctions.standard_state_transition"), note),))


# ==========================================================================================
# Express workflows
# ==========================================================================================
def express_memory_mb(definition_kb: npt.ArrayLike = 0.0, payload_kb: npt.ArrayLike = 0.0,
                      map_or_parallel_steps: npt.ArrayLike = 1, *, prices: Prices | None = None) -> FloatOrArray:
    """AWS's estimate of an Express execution's memory [MB].

    ``50 MB + definition_kb / 1000 + payload_kb * map_or_parallel_steps / 1000`` (the
    pricing page's formula; its worked example counts 1 MB = 1,000 KB).

    Parameters
    ----------
    definition_kb : float or array_like
        Size of the state machine definition [KB].
    payload_kb : float or array_like
        Execution (payload) data size per step [KB].
    map_or_parallel_steps : float or array_like
        Number of Map iterations or Parallel branches holding a payload (1 for a workflow
        without Map or Parallel states).
    """
    prices = _prices(prices)
    for n, v in (("definition_kb", definition_kb), ("payload_kb", payload_kb),
                 ("map_or_parallel_steps", map_or_parallel_steps)):
        check_non_negative(n, v)
    base = prices.value("stepfunctions.express_memory_base_mb")
    return _out(base + (np.asarray(definition_kb, float)
                        + np.asarray(payload_kb, float) * np.asarray(map_or_parallel_steps, float))
                / _KB_PER_MB_AWS_ESTIMATE)


def express_billed_memory_mb(memory_mb: npt.ArrayLike, *, prices: Prices | None = None) -> FloatOrArray:
    """Memory billed for an Express execution [MB]: ``memory_mb`` rounded up to 64 MB chunks.

    At least one chunk (every execution uses the 50 MB base).
    """
    prices = _prices(prices)
    check_positive("memory_mb", memory_mb)
    chunk = prices.value("stepfunctions.express_memory_chunk_mb")
    m = np.asarray(memory_mb, float)
    return _out(np.maximum(np.ceil(m / chunk - 1e-9), 1.0) * chunk)


def express_billed_duration_ms(duration_ms: npt.ArrayLike, *, prices: Prices | None = None) -> FloatOrArray:
    """Duration billed for an Express execution [ms]: rounded up to the next 100 ms."""
    prices = _prices(prices)
    check_non_negative("duration_ms", duration_ms)
    step = prices.value("stepfunctions.express_duration_rounding_ms")
    d = np.asarray(duration_ms, float)
    return _out(np.ceil(d / step - 1e-9) * step)


def express_gb_hours(requests: npt.ArrayLike, duration_ms: npt.ArrayLike, billed_memory_mb: npt.ArrayLike = 64.0, *,
                     prices: Prices | None = None) -> FloatOrArray:
    """Billed Express duration [GB-hours].

    ``requests * billed_duration_ms / 1000 * billed_memory_mb / 1024 / 3600`` element-wise,
    with the duration rounded up to 100 ms (``billed_memory_mb`` is taken as given: use
    :func:`express_billed_memory_mb` for a memory estimate).
    """
    prices = _prices(prices)
    check_non_negative("requests", requests)
    check_positive("billed_memory_mb", billed_memory_mb)
    d = np.asarray(express_billed_duration_ms(duration_ms, prices=prices), float)
    r = as_float_array("requests", requests)
    m = np.asarray(billed_memory_mb, float)
    try:
        np.broadcast_shapes(r.shape, d.shape, m.shape)
    except ValueError:
        raise InvalidParameterError("duration_ms", f"array of shape {d.shape}",
                                    f"a scalar or an array broadcastable with requests {r.shape}") from None
    return _out(r * d / _MS_PER_S * m / _MB_PER_GB / _S_PER_H)


def express_bill(requests: npt.ArrayLike, duration_ms: npt.ArrayLike, *, memory_mb: npt.ArrayLike | None = None,
                 prices: Prices | None = None) -> Bill:
    """One month of Express workflows: requests plus tiered duration.

    Parameters
    ----------
    requests : float or array_like
        Executions started [count]. Arrays (e.g. one entry per workflow or per group of
        executions of equal duration) are aligned with ``duration_ms`` and ``memory_mb``;
        their GB-hours are summed and priced on one tier ladder, as AWS aggregates them
        per account and month.
    duration_ms : float or array_like
        Duration of each execution [ms], rounded up to 100 ms.
    memory_mb : float, array_like or None
        Memory used per execution [MB] (e.g. from :func:`express_memory_mb`), billed in
        64 MB chunks. None: the 50 MB base alone, billed as 64 MB.
    prices : Prices, optional

    Returns
    -------
    Bill
        ``"Step Functions Express requests"`` and one ``"Step Functions Express duration
        tier k"`` line per tier used [GB-hours].
    """
    prices = _prices(prices)
    if memory_mb is None:
        memory_mb = prices.value("stepfunctions.express_memory_base_mb")
    billed_mb = express_billed_memory_mb(memory_mb, prices=prices)
    gbh = float(np.sum(express_gb_hours(requests, duration_ms, billed_mb, prices=prices)))
    n = float(np.sum(requests))
    items = [line_item("Step Functions Express requests", n, "requests", prices.usd("stepfunctions.express_request"))]
    tiers = prices.tiers("stepfunctions.express_duration")
    per_tier = tier_quantities(gbh, tiers)
    mem_note = _fmt_qty(float(np.max(billed_mb))) + " MB" if np.ndim(billed_mb) else f"{billed_mb:g} MB"
    for k, ((_, rate), q) in enumerate(zip(tiers, per_tier), start=1):
        if k > 1 and q <= 0:
            continue
        note = f"{_fmt_qty(gbh)} GB-hours: duration rounded up to 100 ms x {mem_note} billed" if k == 1 else ""
        items.append(line_item(f"Step Functions Express duration tier {k}", float(q), "GB-hours", rate, note))
    return Bill(tuple(items))


# ==========================================================================================
# Distributed Map
# ==========================================================================================
@dataclass(frozen=True)
class DistributedMapUsage:
    """Billing quantities of a month of Distributed Map runs (before prices).

    Attributes
    ----------
    map_runs : float
        Map Runs (one per parent execution reaching the Distributed Map state).
    child_executions : float
        Child workflow executions: ``map_runs * ceil(items / items per child)``.
    items_per_child : float
        Items each child processes (the ``ItemBatcher`` batch, 1 without batching).
    standard_transitions : float
        Parent transitions plus, for Standard children, every child transition (retries included).
    express_requests : float
        Express child executions (0 for Standard children).
    express_duration_ms : float
        Duration of one Express child [ms] (before rounding).
    express_memory_mb : float
        Memory used by one Express child [MB] (before 64 MB chunks).
    s3_get_requests, s3_list_requests, s3_put_requests : float
        Item reader and result writer requests.
    """

    map_runs: float
    child_executions: float
    items_per_child: float
    standard_transitions: float
    express_requests: float
    express_duration_ms: float
    express_memory_mb: float
    s3_get_requests: float
    s3_list_requests: float
    s3_put_requests: float

    def to_dict(self) -> dict:
        return asdict(self)


def distributed_map_usage(
    map_runs: float,
    items: float,
    *,
    child_type: str = "express",
    max_items_per_batch: int = 1,
    item_kb: float = 1.0,
    max_input_kb_per_batch: float | None = None,
    child_states: float = 1.0,
    child_retries: float = 0.0,
    child_duration_ms: float = 0.0,
    child_memory_mb: float | None = None,
    parent_states: float = 1.0,
    item_reader: str = "s3_file",
    reader_files: int = 1,
    result_files: int = 0,
    prices: Prices | None = None,
) -> DistributedMapUsage:
    """The billing quantities of ``map_runs`` Distributed Map runs of ``items`` items each.

    Parameters
    ----------
    map_runs : float
        Map Runs in the month [count].
    items : float
        Items per Map Run [count].
    child_type : {"express", "standard"}
        Workflow type of the child executions (``ProcessorConfig.ExecutionType``).
    max_items_per_batch : int
        ``ItemBatcher.MaxItemsPerBatch`` (1: no batching; each child gets one item).
    item_kb : float
        Size of one item [KB] (for ``max_input_kb_per_batch`` and the Express payload).
    max_input_kb_per_batch : float or None
        ``ItemBatcher.MaxInputBytesPerBatch`` in KB (at most 256): a batch also closes
        when its items reach this size.
    child_states : float
        States each child enters [count] (Standard children pay one transition each).
    child_retries : float
        Retries per child [count] (Standard: one transition each; Express: in the duration).
    child_duration_ms : float
        Duration of one child execution [ms] (Express children pay it, rounded up to 100 ms).
    child_memory_mb : float or None
        Memory one Express child uses [MB]; None: AWS's estimate for the batch payload
        (50 MB + batch size x ``item_kb``).
    parent_states : float
        Parent-workflow states per Map Run that belong to the map [count] (the Map state: 1).
    item_reader : {"state_input", "s3_file", "s3_list"}
        ``state_input``: a JSON array in the state input (no S3 request); ``s3_file``: one
        CSV/JSON/JSONL file (or manifest) per run, one GetObject each; ``s3_list``: the
        objects under a prefix, one ListObjectsV2 per 1,000 keys (``items`` keys).
    reader_files : int
        Files the ``s3_file`` reader reads per run.
    result_files : int
        Objects the ``ResultWriter`` writes per run (0: no result writer; AWS writes a
        manifest plus one file per status that has results).
    prices : Prices, optional

    Returns
    -------
    DistributedMapUsage
    """
    prices = _prices(prices)
    check_non_negative("map_runs", map_runs)
    check_non_negative("items", items)
    check_choice("child_type", child_type, CHILD_TYPES)
    batch = check_int("max_items_per_batch", max_items_per_batch, minimum=1)
    check_positive("item_kb", item_kb)
    check_non_negative("child_states", child_states)
    check_non_negative("child_retries", child_retries)
    check_non_negative("child_duration_ms", child_duration_ms)
    check_non_negative("parent_states", parent_states)
    check_choice("item_reader", item_reader, ITEM_READERS)
    reader_files = check_int("reader_files", reader_files, minimum=0)
    result_files = check_int("result_files", result_files, minimum=0)
    if max_input_kb_per_batch is not None:
        check_positive("max_input_kb_per_batch", max_input_kb_per_batch)
        if max_input_kb_per_batch > 256:
            raise InvalidParameterError("max_input_kb_per_batch", max_input_kb_per_batch,
                                        "at most 256 KB (ItemBatcher MaxInputBytesPerBatch)")
        by_size = max(1, int(math.floor(max_input_kb_per_batch / item_kb + 1e-9)))
        batch = min(batch, by_size)
    children_per_run = math.ceil(float(items) / batch - 1e-9) if items else 0
    items_per_child = min(float(batch), float(items)) if items else 0.0
    children = float(map_runs) * children_per_run
    transitions = float(map_runs) * parent_states
    express_requests = 0.0
    memory = 0.0
    if child_type == "standard":
        transitions += float(standard_transitions(children, child_states, child_retries))
    else:
        if child_duration_ms > EXPRESS_MAX_DURATION_S * _MS_PER_S:
            raise InvalidParameterError("child_duration_ms", child_duration_ms,
                                        f"at most {EXPRESS_MAX_DURATION_S * 1000:,} ms for an Express child "
                                        "(5-minute maximum): use Standard children or smaller batches")
        express_requests = children
        memory = (float(child_memory_mb) if child_memory_mb is not None
                  else float(express_memory_mb(0.0, item_kb * items_per_child, 1, prices=prices)))
    gets = lists = 0.0
    if item_reader == "s3_file":
        gets = float(map_runs) * reader_files
    elif item_reader == "s3_list":
        lists = float(map_runs) * max(1, math.ceil(float(items) / prices.value("s3.list_keys_per_request") - 1e-9))
    return DistributedMapUsage(
        map_runs=float(map_runs), child_executions=children, items_per_child=items_per_child,
        standard_transitions=float(transitions), express_requests=express_requests,
        express_duration_ms=float(child_duration_ms) if child_type == "express" else 0.0,
        express_memory_mb=float(memory), s3_get_requests=gets, s3_list_requests=lists,
        s3_put_requests=float(map_runs) * result_files,
    )


def distributed_map_bill(map_runs: float, items: float, *, free_tier: bool = True,
                         prices: Prices | None = None, **usage_kwargs: Any) -> Bill:
    """One month of Distributed Map runs: transitions, Express children and S3 requests.

    Takes the parameters of :func:`distributed_map_usage`, plus ``free_tier`` (the 4,000
    free Standard transitions).

    Returns
    -------
    Bill
        Standard transitions; Express requests and duration tiers (Express children);
        S3 GET, LIST and PUT lines when non-zero.
    """
    prices = _prices(prices)
    u = distributed_map_usage(map_runs, items, prices=prices, **usage_kwargs)
    bill = standard_bill(u.standard_transitions, free_tier=free_tier, prices=prices)
    if u.express_requests:
        bill += express_bill(u.express_requests, u.express_duration_ms, memory_mb=u.express_memory_mb,
                             prices=prices).named("child workflows: ")
    extra = []
    if u.s3_get_requests:
        extra.append(line_item("S3 GET requests (item reader)", u.s3_get_requests, "requests",
                               prices.usd("s3.get_request")))
    if u.s3_list_requests:
        extra.append(line_item("S3 LIST requests (item reader)", u.s3_list_requests, "requests",
                               prices.usd("s3.put_request"), "ListObjectsV2, 1,000 keys per request"))
    if u.s3_put_requests:
        extra.append(line_item("S3 PUT requests (result writer)", u.s3_put_requests, "requests",
                               prices.usd("s3.put_request")))
    return bill + Bill(tuple(extra))
