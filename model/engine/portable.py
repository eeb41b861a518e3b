"""The natural logarithm with the same bits on every x86-64 machine.

numpy's elementary functions run SIMD kernels chosen at run time by the CPU (on AVX-512 machines, SVML's), which for
some arguments differ in the last bit from the C library's. Where such a bit reaches an output directly (the cost
ledger's split of the employers' cost between levers, and the log pay uplifts), the model takes the C library's
logarithm through numba instead, the same on every machine with the same C library: the reference digests
(tests/reference) then hold on any CPU.
"""

import math

import numpy as np
from numba import njit


@njit(cache=True)
def log(x):
    """Elementwise natural logarithm of a float64 array (any shape), by the C library's `log`."""
    out = np.empty_like(x)
    flat, values = out.reshape(-1), np.ascontiguousarray(x).reshape(-1)
    for i in range(values.shape[0]):
        flat[i] = math.log(values[i])
    return out
