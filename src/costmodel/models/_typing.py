"""Type aliases shared by the models (annotations only)."""
from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt

#: A float64 array (rates per step, durations, quantities).
FloatArray: TypeAlias = npt.NDArray[np.float64]
#: An int64 array (counts, indices).
IntArray: TypeAlias = npt.NDArray[np.int64]
#: What element-wise functions return: a float for scalar inputs, an array otherwise.
FloatOrArray: TypeAlias = float | npt.NDArray[np.float64]
#: A seed or a generator (``numpy.random.default_rng`` accepts either; None draws fresh entropy).
Seed: TypeAlias = int | np.random.Generator | None
