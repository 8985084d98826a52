"""One dataclass with every knob of a GAN run: the single source of truth.

Widget defaults read it, the command line sets it (``--set key=value``), it serialises to JSON and into every
checkpoint. ``validate()`` raises ``ValueError`` naming the key, the bad value and what is allowed.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from gan_core.checks import ConfigError, DictConfig, choice, coerce_value, float_range, int_range, run_keys, shown
from gan_core.paths import PRESETS_DIR

DATASETS = ("ring8", "grid25", "spiral", "quadratic", "two_curves", "points",
            "digits", "mnist", "fashion_mnist", "cifar10", "folder")
POINT_DATASETS = ("ring8", "grid25", "spiral", "quadratic", "two_curves", "points")
MODELS = ("mlp", "dcgan")
LOSSES = ("minimax", "nonsaturating", "wgan", "wgan_gp", "hinge", "lsgan")
PROBABILITY_LOSSES = ("minimax", "nonsaturating")   # D outputs a probability, sigmoid(logit)
WASSERSTEIN_LOSSES = ("wgan", "wgan_gp")   # a critic: its mean score gap real - fake estimates W
OPTIMIZERS = ("adam", "rmsprop", "sgd")
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "elu", "gelu")

# Knobs a running session may change at the next step; every other knob needs new models or data.
LIVE_KEYS = frozenset({
    "lr_g", "lr_d", "beta1", "beta2", "momentum", "d_steps", "g_steps", "batch_size", "loss",
    "label_smoothing", "instance_noise", "gp_weight", "clip_value", "grad_clip", "weight_decay",
    "dropout_d", "ema", "lr_decay", "eval_every", "snapshot_every", "log_every", "max_steps",
    "max_seconds", "checkpoint_every",
})
MAX_BATCH = 8192


@dataclass
class TrainConfig(DictConfig):
    """Every knob of one GAN run. Field names are a public contract (DESIGN.md): never rename them."""

    LIVE_KEYS = LIVE_KEYS  # a class attribute, not a field: what session.update may change

    # data
    dataset: str = "ring8"
    data_root: str = ""          # folder/npz/csv for `folder` and `points`, or where torchvision sets live
    n_points: int = 20000        # size of a generated 2-D toy set
    # networks
    model: str = "mlp"
    latent_dim: int = 2
    g_hidden: list[int] = field(default_factory=lambda: [128, 128])
    d_hidden: list[int] = field(default_factory=lambda: [128, 128])
    activation: str = "relu"
    d_feature_dim: int = 0       # >0: D's last hidden layer has this many units (2 = plottable feature space)
    dcgan_width: int = 32        # base channel count of the DCGAN (64 in the paper; 32 trains on a laptop)
    batchnorm_g: bool = False
    dropout_d: float = 0.0
    spectral_norm: bool = False
    minibatch_std: bool = False  # append the batch's feature std to D's input of its last layer (anti-collapse)
    conditional: bool = False
    # objective
    loss: str = "nonsaturating"
    label_smoothing: float = 0.0  # one-sided: real targets become 1 - label_smoothing
    instance_noise: float = 0.0   # std of Gaussian noise added to D's inputs (real and fake)
    gp_weight: float = 10.0       # WGAN-GP gradient penalty weight
    clip_value: float = 0.01      # WGAN weight clipping
    # optimisers
    optimizer_g: str = "adam"
    optimizer_d: str = "adam"
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    beta1: float = 0.5
    beta2: float = 0.999
    momentum: float = 0.0         # SGD momentum / RMSprop momentum
    lr_decay: float = 1.0         # multiply both learning rates by this every 1000 steps
    d_steps: int = 1
    g_steps: int = 1
    batch_size: int = 256
    grad_clip: float = 0.0        # clip the global gradient norm of each network (0 = off)
    weight_decay: float = 0.0     # L2 regularisation through the optimiser
    ema: float = 0.0              # decay of an exponential moving average of G's weights (0 = off)
    # run
    seed: int = 0
    device: str = "auto"
    threads: int = 0              # intra-op CPU threads (0 = chosen for you)
    max_steps: int = 0            # 0 = until stopped
    max_seconds: float = 0.0      # 0 = no time budget
    log_every: int = 10
    snapshot_every: int = 100
    eval_every: int = 500
    checkpoint_every: int = 2000

    # ---- construction -------------------------------------------------------------------------
    @classmethod
    def for_dataset(cls, dataset: str, **overrides: Any) -> TrainConfig:
        """The defaults that learn best on a laptop CPU for ``dataset``, then ``overrides``."""
        if dataset not in DATASETS:
            raise ConfigError(f"dataset={shown(dataset)} is unknown; allowed: {', '.join(DATASETS)}", "dataset",
                              dataset, "choice", allowed=", ".join(DATASETS))
        values = {**DATASET_DEFAULTS.get(dataset, {}), "dataset": dataset, **overrides}
        return cls.from_dict(values)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str) -> TrainConfig:
        try:
            values = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"config is not valid JSON: {exc}") from None
        except RecursionError:   # json's decoder recurses once per level: 32,000 nested brackets
            raise ValueError("config JSON is nested too deeply; allowed: an object of key: value pairs as the "
                             "dashboard downloads it") from None
        except ValueError as exc:   # e.g. an integer of more than 4,300 digits
            raise ValueError(f"config is not valid JSON: {str(exc)[:120]}") from None
        if not isinstance(values, dict):
            raise ValueError("config JSON must be an object of key: value pairs")
        return cls.from_dict(values)

    @property
    def is_points(self) -> bool:
        return self.dataset in POINT_DATASETS

    @property
    def is_wgan(self) -> bool:
        return self.loss in WASSERSTEIN_LOSSES

    # ---- validation ---------------------------------------------------------------------------
    def validate(self) -> TrainConfig:
        """Raise ValueError naming the first bad key, its value and what is allowed; return self."""
        choice("dataset", self.dataset, DATASETS)
        choice("model", self.model, MODELS)
        choice("loss", self.loss, LOSSES)
        choice("optimizer_g", self.optimizer_g, OPTIMIZERS)
        choice("optimizer_d", self.optimizer_d, OPTIMIZERS)
        choice("activation", self.activation, ACTIVATIONS)
        if self.model == "dcgan" and self.is_points:
            raise ConfigError(f"model='dcgan' needs an image dataset, not dataset={self.dataset!r}; use model='mlp'",
                              "model", self.model, "dcgan_images", dataset=self.dataset)
        if self.dataset in ("folder", "points") and not self.data_root:
            raise ConfigError(f"dataset={self.dataset!r} needs data_root: the file or folder to read", "data_root",
                              self.data_root, "needs_data_root", dataset=self.dataset)
        int_range("latent_dim", self.latent_dim, 1, 1024)
        int_range("n_points", self.n_points, 64, 1_000_000)
        for key in ("g_hidden", "d_hidden"):
            widths = getattr(self, key)
            if not 1 <= len(widths) <= 8 or any(not 1 <= w <= 4096 for w in widths):
                raise ConfigError(f"{key}={shown(widths)} is not allowed; give 1 to 8 layer widths, each 1..4096",
                                  key, widths, "widths")
        int_range("d_feature_dim", self.d_feature_dim, 0, 4096)
        int_range("dcgan_width", self.dcgan_width, 4, 256)
        float_range("dropout_d", self.dropout_d, 0.0, 0.95)
        float_range("label_smoothing", self.label_smoothing, 0.0, 0.5)
        float_range("instance_noise", self.instance_noise, 0.0, 10.0)
        float_range("gp_weight", self.gp_weight, 0.0, 1e4)
        float_range("clip_value", self.clip_value, 1e-6, 10.0)
        for key in ("lr_g", "lr_d"):
            float_range(key, getattr(self, key), 1e-8, 10.0)
        float_range("beta1", self.beta1, 0.0, 0.9999)
        float_range("beta2", self.beta2, 0.0, 0.99999)
        float_range("momentum", self.momentum, 0.0, 0.999)
        float_range("lr_decay", self.lr_decay, 0.01, 1.0)
        int_range("d_steps", self.d_steps, 1, 100)
        int_range("g_steps", self.g_steps, 1, 100)
        int_range("batch_size", self.batch_size, 2, MAX_BATCH)
        float_range("grad_clip", self.grad_clip, 0.0, 1e6)
        float_range("weight_decay", self.weight_decay, 0.0, 1.0)
        float_range("ema", self.ema, 0.0, 0.99999)
        int_range("threads", self.threads, 0, 256)
        run_keys(self)
        return self


def live_change(config: Any, changes: dict[str, Any], live_keys) -> tuple[Any, dict[str, tuple[Any, Any]]]:
    """``config`` with the live ``changes`` applied and validated, and ``{key: (old, new)}`` of those that changed.

    Any config class with ``to_dict``/``from_dict``/``validate`` (GAN, adversarial, shift, augment). Raises
    ValueError, with nothing applied, for a bad value or a knob outside ``live_keys``.
    """
    frozen = sorted(k for k in changes if k not in live_keys)
    if frozen:
        raise ConfigError(f"{frozen[0]} cannot change while a run trains (it needs new models or data); "
                          f"live knobs: {', '.join(sorted(live_keys))}", frozen[0], changes[frozen[0]], "frozen",
                          allowed=", ".join(sorted(live_keys)))
    new = type(config).from_dict({**config.to_dict(), **changes}).validate()
    return new, {k: (getattr(config, k), getattr(new, k)) for k in changes if getattr(config, k) != getattr(new, k)}


class LiveKnobs:
    """Mixin of every session-driven trainer (the protocol in ``gan_core/runtime/protocol.py``): ``live_keys``
    from its config class, ``apply_changes`` for callers without a session, and ``should_stop`` (never, until a
    session sets it). A trainer brings ``config`` and ``apply_config``."""

    config: Any
    apply_config: Callable[[Any], None]

    @property
    def live_keys(self) -> frozenset[str]:
        return type(self.config).LIVE_KEYS

    def should_stop(self) -> bool:
        return False

    def apply_changes(self, **changes: Any) -> dict[str, tuple[Any, Any]]:
        """Validate live ``changes`` (``live_change``) and apply them now; ``{key: (old, new)}`` of those that
        changed. Raises ValueError, with nothing applied, for an unknown, frozen or bad key."""
        new, diff = live_change(self.config, changes, self.live_keys)
        self.apply_config(new)
        return diff


def coerce(key: str, value: Any) -> Any:
    """Convert ``value`` (maybe a string from the command line or a URL) to the type of field ``key``."""
    known = [f.name for f in fields(TrainConfig)]
    if key not in known:
        raise ConfigError(f"unknown config key {shown(key)}; allowed keys: {', '.join(known)}", str(key)[:60], value,
                          "unknown_key", allowed=", ".join(known))
    return coerce_value(key, value, getattr(TrainConfig(), key))


# Per-dataset defaults: what trains best in a few minutes of laptop CPU (measured; see README).
_IMAGE_MLP = dict(model="mlp", latent_dim=64, g_hidden=[256, 512], d_hidden=[512, 256],
                  activation="leaky_relu", lr_g=2e-4, lr_d=2e-4, beta1=0.5, batch_size=128,
                  snapshot_every=200, eval_every=1000)
_IMAGE_DCGAN = dict(model="dcgan", latent_dim=64, dcgan_width=32, activation="leaky_relu", batchnorm_g=True,
                    lr_g=2e-4, lr_d=2e-4, beta1=0.5, batch_size=64, snapshot_every=100, eval_every=500)
_WGAN_GP = dict(loss="wgan_gp", gp_weight=10.0, d_steps=5, lr_g=5e-4, lr_d=5e-4, beta1=0.5, beta2=0.9)
DATASET_DEFAULTS: dict[str, dict[str, Any]] = {
    # ring8: the non-saturating loss with minibatch std, an EMA generator and Adam without momentum (beta1 0): in
    # 30 s of one CPU thread all 8 modes at 0.85-0.92 high quality in 12 seeds of 12; with beta1 0.5, 6 of 8 seeds
    # held only 6 modes; WGAN-GP covered 8 modes in 2 seeds of 4 at 0.2-0.25 (README, bench/ring8_quality.py)
    "ring8": dict(loss="nonsaturating", minibatch_std=True, ema=0.99, lr_g=1e-3, lr_d=1e-3, beta1=0.0,
                  beta2=0.999),
    "grid25": dict(_WGAN_GP, g_hidden=[256, 256, 256], d_hidden=[256, 256, 256]),
    "spiral": dict(g_hidden=[128, 128, 128], d_hidden=[128, 128, 128]),
    "quadratic": dict(g_hidden=[16, 16], d_hidden=[16, 16], d_feature_dim=2, optimizer_g="rmsprop",
                      optimizer_d="rmsprop", lr_g=1e-3, lr_d=1e-3, latent_dim=2, activation="leaky_relu"),
    "two_curves": dict(g_hidden=[128, 128], d_hidden=[128, 128]),
    "points": dict(g_hidden=[128, 128], d_hidden=[128, 128]),
    "digits": dict(_IMAGE_MLP, latent_dim=32, g_hidden=[256, 256], d_hidden=[256, 256], batch_size=64,
                   lr_g=5e-4, lr_d=5e-4),
    "mnist": _IMAGE_DCGAN,
    "fashion_mnist": _IMAGE_DCGAN,
    "cifar10": dict(_IMAGE_DCGAN, dcgan_width=48),
    "folder": _IMAGE_DCGAN,
}

def list_presets() -> dict[str, dict[str, Any]]:
    """All presets under assets/presets: name -> {"description", "lesson", "config": {...}} and, for a lesson
    that compares two runs, "contrast": the name of the paired preset (see ``preset_contrast``)."""
    out = {}
    for path in sorted(PRESETS_DIR.glob("*.json")):
        out[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    return out


def load_preset(name: str) -> TrainConfig:
    """The config of preset ``name`` (dataset defaults, then the preset's own values)."""
    presets = list_presets()
    if name not in presets:
        raise ValueError(f"preset={name!r} is unknown; allowed: {', '.join(presets) or '(none found)'}")
    values = dict(presets[name]["config"])
    return TrainConfig.for_dataset(values.pop("dataset", "ring8"), **values)


def preset_contrast(name: str) -> str | None:
    """The preset that lesson preset ``name`` is compared with (its ``contrast`` key), or None when it has none.

    Raises ValueError for an unknown ``name``, or a contrast that is not another existing preset.
    """
    presets = list_presets()
    if name not in presets:
        raise ValueError(f"preset={name!r} is unknown; allowed: {', '.join(presets) or '(none found)'}")
    other = presets[name].get("contrast")
    if other is None:
        return None
    if not isinstance(other, str) or other == name or other not in presets:
        raise ValueError(f"preset {name!r} has contrast={other!r}, which is not allowed; allowed: the name of "
                         f"another preset ({', '.join(n for n in presets if n != name)})")
    return other

