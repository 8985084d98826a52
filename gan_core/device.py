"""Where a run computes: ``resolve_device`` (cuda > mps > cpu, or an explicit choice), the CPU thread count, and
what a device can do: its measured FLOP rate and its free memory (``models.check_step_cost`` uses both)."""
from __future__ import annotations

import functools
import math
import os
import time

import torch


def _mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def resolve_device(name: str | torch.device | None = "auto") -> torch.device:
    """``auto``/``None`` picks cuda > mps > cpu; ``cuda:N`` one GPU of several; a ``torch.device`` is kept.

    Raises:
        ValueError: naming the device if it is unknown or not available on this machine.
    """
    if isinstance(name, torch.device):
        return name
    name = "auto" if name is None else str(name)
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ValueError(f"device={name!r} is not available on this machine; allowed: auto, cpu")
        index = name[5:]
        if index and not (index.isdigit() and int(index) < torch.cuda.device_count()):
            raise ValueError(f"device={name!r} is not on this machine; allowed: cuda:0 to "
                             f"cuda:{torch.cuda.device_count() - 1}")
        return torch.device(name)
    if name == "mps" and not _mps_available():
        raise ValueError("device='mps' is not available on this machine; allowed: auto, cpu")
    if name not in ("cpu", "mps"):
        raise ValueError(f"device={name!r} is unknown; allowed: auto, cpu, cuda, cuda:N, mps")
    return torch.device(name)


def default_threads(serving: bool = False) -> int:
    """Intra-op threads: all cores headless; one core left to the web server when a UI shares the machine."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores - 1) if serving and cores >= 2 else cores


@functools.lru_cache(maxsize=8)
def device_rate(device: str, threads: int) -> float:
    """Float32 FLOP/s of ``device`` on a matmul the size of a big layer, measured once per process: the best of
    at least 6 tries in 0.3 s (a busy machine has quiet moments; one try on 2 loaded cores measured 5 to 140
    GFLOP/s). ``threads`` is part of the key: the CPU's rate follows torch's thread count."""
    dev = torch.device(device)
    n = 512 if dev.type == "cpu" else 2048
    a, b = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev)
    best, tries, end = math.inf, 0, time.perf_counter() + 0.3
    while tries < 6 or time.perf_counter() < end and tries < 200:  # the first try warms the kernels up
        start = time.perf_counter()
        (a @ b).sum().item()
        best, tries = min(best, time.perf_counter() - start), tries + 1
    return 2 * n**3 / best


def free_memory(device: torch.device) -> float | None:
    """Bytes free on ``device`` (CUDA: the driver's count; CPU: the kernel's MemAvailable), None if unknown."""
    if device.type == "cuda":
        return float(torch.cuda.mem_get_info(device)[0])
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    return None
