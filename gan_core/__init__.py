"""GAN Classroom's engine: pure PyTorch, no UI imports.

``from gan_core import TrainConfig, Trainer, TrainingSession, RunRegistry``
"""
from .config import TrainConfig, list_presets, load_preset
from .registry import RunRegistry
from .session import Snapshot, TrainingSession
from .trainer import Trainer, resolve_device

__all__ = ["TrainConfig", "Trainer", "TrainingSession", "RunRegistry", "Snapshot", "resolve_device",
           "list_presets", "load_preset"]
