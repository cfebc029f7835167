"""Choosing the best `k` of many scores, exactly, ties going to the smaller key (passage number):
compiled loops that the search kernels in `sparse_ops` call."""

from __future__ import annotations

import numpy as np

from .compiled import compiled


@compiled
def select(values, keys, k):  # pragma: no cover - compiled
    """Positions of the `k` largest values, ties broken by smaller key; in no particular order.

    From many values, those at or above a threshold read off a sample are taken first (about 4k
    of them; fewer than 16k), so the exact selection sorts those alone: numba's partition of all of
    them would cost several times numpy's."""
    n = values.size
    if n <= k:
        return np.arange(n)
    if n > 16 * k and n > 2048:
        sample = values[:: n // 256].copy()
        sample.sort()
        rank = max(sample.size - 1 - (4 * k * sample.size) // n, 0)
        # Most often the first threshold does: its values are taken in the pass that counts them.
        first_pick = np.empty(n, dtype=np.int64)
        count = 0
        threshold = sample[rank]
        for i in range(n):
            if values[i] >= threshold:
                first_pick[count] = i
                count += 1
        if k <= count <= 16 * k:
            first_pick = first_pick[:count]
            return first_pick[_select_exactly(values[first_pick], keys[first_pick], k)]
        # Too many (the sample's value is shared by many): try the sample's larger values in turn.
        best, best_count, strict = values[0], -1, False
        while count >= k:
            best, best_count = threshold, count
            if count <= 16 * k:
                break
            while rank < sample.size and sample[rank] == threshold:
                rank += 1
            if rank == sample.size:
                break
            threshold = sample[rank]
            count = _count_from(values, threshold, False)
        if best_count > 16 * k:
            # Still many, sharing one value: those strictly above it, if there are k of them.
            above_count = _count_from(values, best, True)
            if above_count < k:
                # Fewer than k above it, at least k at it or above: it is the k-th largest value.
                return _take_from(values, keys, k, best)
            best_count, strict = above_count, True
        # With at least k values at (or above) `best`, the k largest are all among them.
        if k <= best_count < n:
            above = _positions_from(values, best, strict, best_count)
            return above[_select_exactly(values[above], keys[above], k)]
    return _select_exactly(values, keys, k)


@compiled
def _count_from(values, threshold, strictly):  # pragma: no cover - compiled
    """How many values are at least (`strictly`: above) the threshold."""
    count = 0
    if strictly:
        for i in range(values.size):
            if values[i] > threshold:
                count += 1
    else:
        for i in range(values.size):
            if values[i] >= threshold:
                count += 1
    return count


@compiled
def _positions_from(values, threshold, strictly, count):  # pragma: no cover - compiled
    """The positions of the `count` values at least (`strictly`: above) the threshold."""
    found = np.empty(count, dtype=np.int64)
    taken = 0
    for i in range(values.size):
        if values[i] > threshold or (not strictly and values[i] == threshold):
            found[taken] = i
            taken += 1
    return found


@compiled
def _select_exactly(values, keys, k):  # pragma: no cover - compiled
    """`select` by a partition of all the values; of the values tied with the k-th largest, those
    with the smallest keys (keys are distinct: passage numbers)."""
    n = values.size
    if n <= k:
        return np.arange(n)
    return _take_from(values, keys, k, np.partition(values.copy(), n - k)[n - k])


@compiled
def _take_from(values, keys, k, threshold):  # pragma: no cover - compiled
    """The k positions of the values above `threshold` (fewer than k) and, of those equal to it, the
    ones with the smallest keys: `threshold` being the k-th largest value."""
    n = values.size
    chosen = np.empty(k, dtype=np.int64)
    taken = 0
    for i in range(n):
        if values[i] > threshold:
            chosen[taken] = i
            taken += 1
    tied = np.flatnonzero(values == threshold)
    need = k - taken
    if tied.size > need:
        tied_keys = keys[tied]
        cut = np.partition(tied_keys.copy(), need - 1)[need - 1]
        for i in range(tied.size):
            if taken < k and tied_keys[i] <= cut:
                chosen[taken] = tied[i]
                taken += 1
    else:
        for i in range(tied.size):
            chosen[taken] = tied[i]
            taken += 1
    return chosen
