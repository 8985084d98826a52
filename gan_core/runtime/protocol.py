"""What a ``TrainingSession`` needs of the trainer it drives and of that trainer's config: two protocols.

Four trainers implement them: the GAN (``gan_core.trainer.Trainer``), adversarial training
(``gan_core.lessons.adversarial.AdversarialTrainer``), DANN (``gan_core.lessons.dann.DANNTrainer``) and GAN
augmentation (``gan_core.lessons.augment.AugmentTrainer``). They conform structurally: none imports this module
(it sits above them), and the session checks a new trainer once with ``check_trainer``, so a missing method is
one clear error at Start instead of an ``AttributeError`` deep in the training thread.

A live change goes one way: ``session.update(**changes)`` validates the changes once against the config class
(``gan_core.config.live_change``, only keys in ``LIVE_KEYS``), the training thread merges the validated values
into the trainer's config and hands the result to ``trainer.apply_config``, which moves every live knob to
where the trainer uses it (optimiser groups, batchers, dropout layers) without validating again.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, ClassVar, Protocol, runtime_checkable


@runtime_checkable
class RunConfig(Protocol):
    """A session-driven config: a ``DictConfig`` dataclass with the run keys and its class's live knobs."""

    LIVE_KEYS: ClassVar[frozenset[str]]   # knobs a running session may change at the next step
    dataset: str
    batch_size: int
    max_steps: int
    max_seconds: float
    log_every: int
    snapshot_every: int
    eval_every: int
    checkpoint_every: int

    def validate(self) -> Any: ...
    def to_dict(self) -> dict[str, Any]: ...


@runtime_checkable
class SessionTrainer(Protocol):
    """A step-wise trainer. ``step`` must look at ``should_stop()`` between its inner updates and return early
    (``{}``, ``step_count`` unchanged) when it says so: the session's Stop then lands within one update."""

    config: Any                       # its RunConfig, with every live change applied
    step_count: int
    images_per_step: int
    should_stop: Callable[[], bool]   # set by the session; a trainer on its own never stops early

    @property
    def live_keys(self) -> frozenset[str]: ...
    def step(self, part: str = "both", *, sync: bool = True) -> dict[str, float]: ...
    def apply_config(self, config: Any) -> None: ...
    def view(self) -> Any: ...        # the frozen picture of this step (``.step``, ``.png`` bytes or None), or
                                      # None: the last one stays
    def state_dict(self) -> dict[str, Any]: ...
    def load_state_dict(self, state: dict[str, Any]) -> None: ...


class SlotGate(Protocol):
    """The registry's scheduler (``scheduler.FairScheduler``): a place among the active runs (memory; a paused
    run holds none), and time slices on the compute slots, taken in turn."""

    slice_s: float

    def acquire(self, session: Any, give_up: Callable[[], bool]) -> bool:
        """Block until ``session`` holds a place (True), or until ``give_up()`` is true (False)."""
        ...

    def release(self, session: Any) -> None: ...

    def turn(self, give_up: Callable[[], bool], first: bool = False) -> AbstractContextManager[bool]:
        """One time slice: True once the caller holds a compute slot, False if ``give_up()`` came first."""
        ...


_TRAINER_NAMES = ("config", "step_count", "images_per_step", "should_stop", "live_keys", "step", "apply_config",
                  "view", "state_dict", "load_state_dict")


def check_trainer(trainer: Any) -> SessionTrainer:
    """``trainer`` itself when it has everything ``SessionTrainer`` names; TypeError naming what it lacks."""
    missing = [name for name in _TRAINER_NAMES if not hasattr(trainer, name)]
    if missing:
        raise TypeError(f"{type(trainer).__name__} cannot be driven by a TrainingSession: it lacks "
                        f"{', '.join(missing)} (see gan_core/runtime/protocol.py)")
    if not isinstance(trainer.config, RunConfig):
        raise TypeError(f"{type(trainer).__name__}.config ({type(trainer.config).__name__}) lacks LIVE_KEYS or a "
                        "run key (see gan_core/runtime/protocol.py)")
    return trainer
