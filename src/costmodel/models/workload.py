"""Per-request work: duration distribution, CPU time per request, memory.

The duration of a request is a :class:`costmodel.models.duration.Duration`: lognormal
fitted to a mean and a p99 by default, fixed, or empirical samples. Lambda bills each
request's duration rounded up to 1 ms, so the model carries
:meth:`~costmodel.models.duration.Duration.billed_mean_ms` (the expected rounded-up
duration), not just the mean. Containers are sized from the CPU
time per request (``cpu_ms_per_request``), not from the wall-clock duration: a request that
waits 100 ms on a database uses little CPU.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from costmodel._validate import check_choice, check_non_negative, check_positive, check_range
from costmodel.models.duration import Duration

__all__ = [
    "Work",
    "work_from_dict",
]


@dataclass(frozen=True)
class Work:
    """What one request costs in compute.

    Attributes
    ----------
    duration : Duration
        Wall-clock duration per request (what Lambda bills), built from milliseconds.
    cpu_ms_per_request : float
        CPU time one request uses on a container [ms of one vCPU].
    memory_mb : float
        Lambda memory size [MB] (128-10,240).
    architecture : {"x86_64", "arm64"}
    """

    duration: Duration
    cpu_ms_per_request: float
    memory_mb: float
    architecture: str = "x86_64"

    def __post_init__(self) -> None:
        check_positive("cpu_ms_per_request", self.cpu_ms_per_request)
        check_range("memory_mb", self.memory_mb, 128, 10240, "MB")
        check_choice("architecture", self.architecture, ("x86_64", "arm64"))

    @property
    def mean_duration_s(self) -> float:
        """Mean duration [s] (for Little's law)."""
        return self.duration.mean_ms / 1000.0


def work_from_dict(block: Mapping[str, Any]) -> Work:
    """Build :class:`Work` from a scenario's ``work`` block.

    ``duration_ms`` is a number (fixed), ``{mean, p99}`` (lognormal) or ``{samples: [...]}``
    (empirical). ``cpu_ms_per_request`` defaults to the mean duration (CPU-bound work).
    """
    d = block.get("duration_ms", 100.0)
    if isinstance(d, Mapping):
        if "samples" in d:
            dist = Duration.empirical_ms(d["samples"])
        else:
            mean: Any = d.get("mean")  # unvalidated input: lognormal_ms names what is wrong
            p99 = d.get("p99", mean)
            dist = Duration.lognormal_ms(mean, p99)
    else:
        check_non_negative("work.duration_ms", d)
        dist = Duration.fixed_ms(d)
    return Work(
        duration=dist,
        cpu_ms_per_request=float(block.get("cpu_ms_per_request", dist.mean_ms)),
        memory_mb=float(block.get("memory_mb", 512)),
        architecture=str(block.get("architecture", "x86_64")),
    )
