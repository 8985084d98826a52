"""A bounded in-memory metrics buffer: appends are cheap, reads return downsampled numpy copies."""
from __future__ import annotations

import bisect
import threading

import numpy as np

MAX_ROWS = 20_000
RESERVED = ("step", "time")  # column names of the buffer itself: a metric row may not shadow them


class SeriesBuffer:
    """Rows of ``{key: float}`` by step. Past ``MAX_ROWS`` the older half is thinned 2:1, so memory stays
    bounded on a run of any length while recent history keeps full resolution."""

    def __init__(self, max_rows: int = MAX_ROWS):
        self.max_rows = max_rows
        self._steps: list[int] = []
        self._rows: list[dict] = []
        self._keys: dict[str, None] = {}
        self._lock = threading.Lock()

    def append(self, step: int, row: dict[str, float]) -> None:
        # an evaluation result carries its own "step": kept, it would replace the step column with NaN
        # everywhere but at evaluation rows (no line could be drawn between finite x values)
        row = {k: v for k, v in row.items() if k not in RESERVED}
        with self._lock:
            i = bisect.bisect_left(self._steps, step)
            if i < len(self._steps) and self._steps[i] == step:
                self._rows[i].update(row)  # an evaluation at the same step joins the training metrics
            else:  # usually at the end; a late evaluation result slots in at its own step
                self._steps.insert(i, step)
                self._rows.insert(i, dict(row))
            self._keys.update(dict.fromkeys(row))
            if len(self._steps) > self.max_rows:
                half = len(self._steps) // 2
                self._steps[:half] = self._steps[:half:2]
                self._rows[:half] = self._rows[:half:2]

    def extend(self, columns: dict[str, np.ndarray]) -> None:
        """Load columns as returned by ``store.read_metrics`` (a resumed run keeps its history)."""
        steps = columns.get("step", np.array([]))
        keys = [k for k in columns if k not in ("step", "time")]
        for i, step in enumerate(steps):
            self.append(int(step), {k: float(columns[k][i]) for k in keys if np.isfinite(columns[k][i])})

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._keys)

    def __len__(self) -> int:
        return len(self._steps)

    def get(self, keys: list[str] | None = None, max_points: int = 2000,
            steps: tuple[float, float] | None = None) -> dict[str, np.ndarray]:
        """Columns ``step`` and ``keys`` (all by default) as float arrays, at most ``max_points`` rows
        (evenly strided; the newest row always included). Missing values are NaN. ``steps=(lo, hi)``: only the
        rows with ``lo <= step <= hi`` (a zoomed chart gets its window at full resolution)."""
        with self._lock:
            a, b = (0, len(self._steps)) if steps is None else (bisect.bisect_left(self._steps, steps[0]),
                                                                 bisect.bisect_right(self._steps, steps[1]))
            steps, rows, names = self._steps[a:b], self._rows[a:b], list(self._keys)
        keys = names if keys is None else list(keys)
        n = len(steps)
        idx = np.unique(np.r_[np.linspace(0, n - 1, min(n, max_points)).astype(int), n - 1]) if n else []
        # metrics logged only now and then (evaluations: fid, modes_covered, target accuracy) would mostly fall
        # between the strided rows and draw no line: keep every row that carries one (strided if too many)
        for key in keys:
            have = [i for i, row in enumerate(rows) if key in row]
            if 0 < len(have) < n:
                keep = np.asarray(have)[np.linspace(0, len(have) - 1, min(len(have), max_points)).astype(int)]
                idx = np.union1d(idx, keep)
        out = {"step": np.asarray([steps[i] for i in idx], dtype=np.int64)}
        for key in keys:
            out[key] = np.asarray([rows[i].get(key, np.nan) for i in idx], dtype=np.float64)
        return out
