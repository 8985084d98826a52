"""GAN Classroom's engine: pure PyTorch, no UI imports.

``from gan_core import TrainConfig, Trainer, TrainingSession, RunRegistry``
"""
import os

# OpenMP threads that spin while waiting make torch several times slower whenever another thread or process
# shares the cores (a web server, a second run, the evaluator): measured 550-640 ms vs 42-64 ms per step on
# 2 shared cores. Must be set before torch first loads; a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from gan_core.config import TrainConfig, list_presets, load_preset
from gan_core.device import resolve_device
from gan_core.runtime.registry import RunRegistry
from gan_core.runtime.session import TrainingSession
from gan_core.runtime.snapshot import Snapshot
from gan_core.trainer import Trainer

__all__ = ["TrainConfig", "Trainer", "TrainingSession", "RunRegistry", "Snapshot", "resolve_device",
           "list_presets", "load_preset"]
