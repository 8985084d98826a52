"""GAN-made training data (lesson 9), done right, as a step-wise trainer a ``TrainingSession`` can drive.

For each of ``seeds`` repeats: draw ``labels_per_class`` labelled images per class from the training split;
train a *conditional* GAN (``trainer.Trainer``, ``conditional=True``) on that subset only; generate
``gen_per_class`` images for every class, each labelled with the class it was generated for; then train, on the
same real minibatches, a classifier on the real subset only, one on real + generated (every step: the real
batch plus an equally large generated batch), and, to show what *not* to do, one on real + the same generated
images with shuffled labels, and, as the control, one on real + a second batch of the same real images (as
many images per step as the augmented arm, nothing new in them: a gain of the augmented arm over this control
is the generated images' information, not the larger batches). All are tested on the full test split.
``run_augment`` is the headless comparison behind ``python -m gan_core augment``.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from gan_core.checks import DictConfig, choice, float_range, int_range, run_keys
from gan_core.classifiers import KINDS, build_classifier, evaluate_accuracy, load_split, to_unit
from gan_core.config import LiveKnobs, TrainConfig
from gan_core.data.builtin import CLASS_NAMES
from gan_core.data.dataset import Batcher, Dataset
from gan_core.device import resolve_device
from gan_core.seeding import seeded

LIVE_KEYS = frozenset({"eval_every", "log_every", "snapshot_every", "checkpoint_every", "max_seconds"})
ARMS = ("real_only", "augmented", "random_labels")
# The equal-number-of-images control: the pages and charts draw ARMS; the control is trained and reported
# (``duplicated_acc``, ``verdict``'s ``control_*``) beside them.
CONTROL_ARMS = ("duplicated",)
TRAINED_ARMS = ARMS + CONTROL_ARMS
EVAL_ITEMS = 1000   # test items behind the live curves (the final score of a seed uses the whole test split)


@dataclass
class AugmentConfig(DictConfig):
    """Every knob of one augmentation experiment. ``max_steps`` 0 means: stop when every seed is done."""

    dataset: str = "digits"
    data_root: str = ""
    labels_per_class: int = 10
    seeds: int = 3
    gan_steps: int = 2000         # conditional-GAN iterations per seed
    clf_steps: int = 400          # classifier updates per seed (every arm)
    gen_per_class: int = 100
    kind: str = "cnn"
    lr: float = 1e-3
    batch_size: int = 64
    gan_seconds: float = 0.0      # optional wall-clock cap per seed on the GAN phase (0 = steps only)
    clf_seconds: float = 0.0      # ... and on the classifier phase
    seed: int = 0
    device: str = "auto"
    max_steps: int = 0
    max_seconds: float = 0.0
    log_every: int = 10
    snapshot_every: int = 200
    eval_every: int = 50
    checkpoint_every: int = 10**6

    LIVE_KEYS = LIVE_KEYS

    @property
    def total_steps(self) -> int:
        return self.seeds * (self.gan_steps + self.clf_steps)

    def validate(self) -> AugmentConfig:
        """Raise ValueError naming the first bad key, its value and what is allowed; set ``max_steps`` 0 to
        the whole experiment (``total_steps``); return self."""
        choice("kind", self.kind, KINDS)
        if not isinstance(self.dataset, str) or not self.dataset:
            raise ValueError(f"dataset={self.dataset!r} is not allowed; name a labelled image dataset")
        int_range("labels_per_class", self.labels_per_class, 1, 10_000)
        int_range("seeds", self.seeds, 1, 20)
        int_range("gan_steps", self.gan_steps, 1, 10**7)
        int_range("clf_steps", self.clf_steps, 1, 10**7)
        int_range("gen_per_class", self.gen_per_class, 1, 10_000)
        int_range("batch_size", self.batch_size, 2, 4096)
        float_range("lr", self.lr, 1e-6, 1.0)
        for key in ("gan_seconds", "clf_seconds"):
            float_range(key, getattr(self, key), 0.0, 7 * 24 * 3600.0)
        run_keys(self)
        if self.max_steps == 0:
            self.max_steps = self.total_steps
        return self


def labelled_subset(y: torch.Tensor, per_class: int, num_classes: int, seed: int) -> torch.Tensor:
    """Indices of ``per_class`` items of every class, drawn at random (``seed``). Shape: (per_class * K,)."""
    gen = torch.Generator().manual_seed(seed)
    picks = []
    for c in range(num_classes):
        idx = torch.nonzero(y == c).squeeze(1)
        if len(idx) < per_class:
            raise ValueError(f"labels_per_class={per_class} is out of range; class {c} has only {len(idx)} "
                             "training images")
        picks.append(idx[torch.randperm(len(idx), generator=gen)[:per_class]])
    return torch.cat(picks)


def gan_config(dataset: str, n_items: int, seed: int, device: str) -> TrainConfig:
    """The conditional GAN for a small labelled subset: the dataset's tuned defaults, conditional, batch <= N."""
    known = dataset in ("digits", "mnist", "fashion_mnist", "cifar10")
    base = TrainConfig.for_dataset(dataset if known else "fashion_mnist")  # other sets: the DCGAN defaults
    return base.replace(conditional=True, seed=seed, device=device, batch_size=max(2, min(base.batch_size, n_items)))


class AugmentTrainer(LiveKnobs):
    """Runs the experiment one unit at a time: a GAN iteration, or one update of every classifier arm.

    ``phase`` is ``gan``, ``classify`` or ``done``; ``results`` holds one dict per finished seed
    (``real_only_acc``, ``augmented_acc``, ``random_labels_acc``, ``duplicated_acc``, ``label_agreement``,
    ``seed``).
    """

    def __init__(self, config: AugmentConfig, device: torch.device | str | None = None):
        self.config = config.validate()
        self.device = resolve_device(device if device is not None else config.device)
        self.x, self.y, self.num_classes = load_split(config.dataset, config.data_root, train=True)
        self.x_test, self.y_test, _ = load_split(config.dataset, config.data_root, train=False)
        self.x_test, self.y_test = self.x_test.to(self.device), self.y_test.to(self.device)
        self.class_names = CLASS_NAMES.get(config.dataset, tuple(str(i) for i in range(self.num_classes)))
        labelled_subset(self.y, config.labels_per_class, self.num_classes, config.seed)  # validates
        self.step_count, self.images_per_step = 0, config.batch_size
        self.results: list[dict[str, float]] = []
        self.round, self.phase = -1, "gan"
        self.gan: Any = None
        self._png: bytes | None = None
        self._next_round()

    # ---- phases ---------------------------------------------------------------------------------
    def _next_round(self) -> None:
        cfg = self.config
        self.round += 1
        if self.round >= cfg.seeds:
            self.phase = "done"
            return
        seed = cfg.seed + self.round
        idx = labelled_subset(self.y, cfg.labels_per_class, self.num_classes, seed)
        self.real_x, self.real_y = self.x[idx].to(self.device), self.y[idx].to(self.device)
        subset = Dataset(cfg.dataset, "images", self.x[idx] * 2 - 1, self.y[idx], self.num_classes,   # [-1, 1]
                         tuple(self.class_names), source=f"{len(idx)} labelled training images")
        from gan_core.trainer import Trainer

        self.gan = Trainer(gan_config(cfg.dataset, len(idx), seed, cfg.device), data=subset, device=self.device)
        self.gan.should_stop = lambda: self.should_stop()   # the session's Stop reaches inside a GAN step
        self.phase, self.phase_step, self.phase_start = "gan", 0, time.perf_counter()

    def _phase_over(self, steps: int, seconds: float) -> bool:
        return self.phase_step >= steps or (seconds > 0 and time.perf_counter() - self.phase_start >= seconds)

    def _start_classifiers(self) -> None:
        cfg, k = self.config, self.num_classes
        seed = cfg.seed + self.round
        labels = torch.arange(k, device=self.device).repeat_interleave(cfg.gen_per_class)
        self.gen_x = torch.cat([to_unit(self.gan.sample(len(chunk), seed=seed + 17 * i, labels=chunk))
                                for i, chunk in enumerate(labels.split(1000))])       # (k * n, C, H, W) in [0, 1]
        self.gen_y = labels                                                          # the class asked for
        shuffled = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed)).to(self.device)
        self.gen_y_random = labels[shuffled]                                         # what not to do
        with seeded(seed):
            first = build_classifier(cfg.kind, tuple(self.real_x.shape[1:]), k).to(self.device)
            self.models = {"real_only": first}
            for arm in TRAINED_ARMS[1:]:
                self.models[arm] = build_classifier(cfg.kind, tuple(self.real_x.shape[1:]), k).to(self.device)
                self.models[arm].load_state_dict(first.state_dict())               # the same start for every arm
        self.opts = {a: torch.optim.Adam(m.parameters(), lr=cfg.lr) for a, m in self.models.items()}
        bs = min(cfg.batch_size, len(self.real_x))
        self.real_batches = Batcher(self.real_x, self.real_y, bs, seed=seed + 1)
        self.gen_batches = Batcher(torch.arange(len(self.gen_x), device=self.device), None, bs, seed=seed + 2)
        self.dup_batches = Batcher(self.real_x, self.real_y, bs, seed=seed + 3)   # the control's second batch
        self.phase, self.phase_step, self.phase_start = "classify", 0, time.perf_counter()

    # ---- one step -------------------------------------------------------------------------------
    def step(self, part: str = "both", *, sync: bool = True) -> dict[str, float]:
        """One GAN iteration (phase ``gan``) or one update of each classifier arm (phase ``classify``).

        Returns ``loss_d``, ``loss_g`` ... in the GAN phase; ``loss_real_only``, ``loss_augmented``,
        ``loss_random_labels``, ``loss_duplicated`` and every ``eval_every`` steps ``acc_<arm>`` (on a test subset)
        in the classifier phase; at the end of a seed ``seed_<arm>_acc`` (whole test split) and ``label_agreement``.
        """
        if part not in ("both", "d", "g"):
            raise ValueError(f"part={part!r} is not allowed; choose one of: both, d, g")
        if self.phase == "done":
            self.step_count += 1
            return {}
        cfg = self.config
        out: dict[str, float] = {"round": float(self.round)}
        if self.phase == "gan":
            metrics = self.gan.step(sync=sync)
            if self.should_stop():   # the GAN step returned early: this step does not count
                return {}
            self.step_count += 1
            self.phase_step += 1
            out.update({k: v for k, v in metrics.items() if k in ("loss_d", "loss_g", "d_real", "d_fake")})
            if self._phase_over(cfg.gan_steps, cfg.gan_seconds):
                self._start_classifiers()
            return out if sync else {}
        xb, yb = self.real_batches.next()
        gi, _ = self.gen_batches.next()
        xd, yd = self.dup_batches.next()
        batches = {"real_only": (xb, yb),
                   "augmented": (torch.cat([xb, self.gen_x[gi]]), torch.cat([yb, self.gen_y[gi]])),
                   "random_labels": (torch.cat([xb, self.gen_x[gi]]), torch.cat([yb, self.gen_y_random[gi]])),
                   "duplicated": (torch.cat([xb, xd]), torch.cat([yb, yd]))}
        losses = {}
        for arm, (bx, by) in batches.items():
            if self.should_stop():
                return {}
            model = self.models[arm].train()
            loss = F.cross_entropy(model(bx), by)
            self.opts[arm].zero_grad(set_to_none=True)
            loss.backward()
            self.opts[arm].step()
            losses[f"loss_{arm}"] = loss.detach()
        self.step_count += 1
        self.phase_step += 1
        if sync:
            out.update(dict(zip(losses, torch.stack(list(losses.values())).tolist(), strict=True)))
        if self.phase_step % cfg.eval_every == 0:
            n = min(EVAL_ITEMS, len(self.x_test))
            out.update({f"acc_{a}": evaluate_accuracy(m, self.x_test[:n], self.y_test[:n])
                        for a, m in self.models.items()})
        if self._phase_over(cfg.clf_steps, cfg.clf_seconds):
            out.update(self._finish_round())
        return out if sync or len(out) > 1 else {}

    def _finish_round(self) -> dict[str, float]:
        result = {f"{a}_acc": evaluate_accuracy(m, self.x_test, self.y_test) for a, m in self.models.items()}
        # do the generated images show the class they were generated for? judged by the real-only classifier
        result["label_agreement"] = evaluate_accuracy(self.models["real_only"], self.gen_x, self.gen_y)
        result.update(seed=float(self.config.seed + self.round), gan_steps=float(self.gan.step_count))
        self.results.append(result)
        self._next_round()
        return {f"seed_{k}": v for k, v in result.items() if k not in ("seed", "gan_steps")}

    # ---- summary, pictures, state ---------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Mean and standard deviation over the finished seeds, and the per-seed results."""
        out: dict[str, Any] = {"seeds_done": len(self.results), "per_seed": list(self.results)}
        for key in [f"{a}_acc" for a in TRAINED_ARMS] + ["label_agreement"]:
            values = np.array([r[key] for r in self.results if key in r], dtype=np.float64)
            out[key] = float(values.mean()) if len(values) else float("nan")
            out[f"{key}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        return out

    def samples_png(self, per_class: int = 8) -> bytes | None:
        """The current seed's generator: one row per class (``per_class`` columns), as a PNG grid."""
        if self.gan is None:
            return None
        if self.phase != "done":   # after the last seed: the last generator's picture stays
            from gan_core.views import png_grid

            labels = torch.arange(self.num_classes, device=self.device).repeat_interleave(per_class)
            self._png = png_grid(self.gan.sample(len(labels), seed=0, labels=labels), nrow=per_class)
        return self._png

    def view(self) -> Any:
        from gan_core.views import View

        return View("images", self.step_count, self.samples_png(),
                    extras={"phase": self.phase, "round": self.round, "summary": self.summary()})

    def apply_config(self, new: AugmentConfig) -> None:
        """Make ``new`` the config (its live knobs are the session's: budgets and how often it reports)."""
        self.config = new

    def state_dict(self) -> dict[str, Any]:
        """Config, progress and finished results (the models of a seed in progress are not kept)."""
        return {"config": self.config.to_dict(), "step": self.step_count,
                "results": [dict(r) for r in self.results]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.step_count = int(state["step"])
        self.results = [dict(r) for r in state.get("results", [])]


def verdict(per_seed: list[dict]) -> dict[str, Any]:
    """Does augmentation help? Paired per seed: ``gain`` = mean of augmented - real only (accuracy points / 100),
    ``lo``/``hi`` the smallest and largest per-seed gain, ``kind`` ``helps`` (every seed gained), ``hurts``
    (every seed lost) or ``mixed``; ``none`` without finished seeds. Seeds that ran the equal-number-of-images
    control add ``control_gain``/``control_lo``/``control_hi`` (augmented - duplicated real) and ``control_kind``
    in the same words (``none`` without such seeds): a gain over real only that is not also a gain over the
    control comes from the larger batches, not from the generated images."""
    out = _paired([r["augmented_acc"] - r["real_only_acc"] for r in per_seed])
    control = _paired([r["augmented_acc"] - r["duplicated_acc"] for r in per_seed if "duplicated_acc" in r])
    out.update({f"control_{k}": v for k, v in control.items() if k != "n"})
    return out


def _paired(gains_list: list[float]) -> dict[str, Any]:
    gains = np.array(gains_list, dtype=np.float64)
    if not len(gains):
        return {"kind": "none", "gain": float("nan"), "lo": float("nan"), "hi": float("nan"), "n": 0}
    kind = "helps" if (gains > 0).all() else "hurts" if (gains < 0).all() else "mixed"
    return {"kind": kind, "gain": float(gains.mean()), "lo": float(gains.min()), "hi": float(gains.max()),
            "n": int(len(gains))}


def run_augment(dataset: str = "digits", labels_per_class: int = 10, seconds: float = 60.0, *,
                seeds: int = 3, data_root: str = "", seed: int = 0, device: Any = None,
                **overrides: Any) -> dict[str, Any]:
    """The whole experiment within about ``seconds`` (loading included): each seed gets an equal share of what
    is left, 55% of it for the GAN and 35% for the classifiers (a phase also stops at ``gan_steps`` /
    ``clf_steps`` when those are given).

    Returns ``{"real_only_acc", "augmented_acc", "random_labels_acc", "duplicated_acc", "label_agreement"``
    (means over seeds), the same keys with ``_std``, ``"gain"`` (augmented - real only), ``"control_gain"``
    (augmented - duplicated real), ``"verdict"``, ``"control_verdict"``, ``"per_seed"``, ...}``.
    """
    if not (isinstance(seconds, (int, float)) and math.isfinite(seconds) and 0 < seconds <= 86_400):
        raise ValueError(f"seconds={seconds!r} is out of range; allowed: a number above 0, at most 86400")
    start = time.perf_counter()
    values = dict(dataset=dataset, labels_per_class=labels_per_class, seeds=seeds, data_root=data_root, seed=seed,
                  gan_steps=10**6, clf_steps=10**6, eval_every=10**7, gan_seconds=1.0, clf_seconds=1.0)
    values.update(overrides)
    trainer = AugmentTrainer(AugmentConfig.from_dict(values), device=device)
    # what loading left of the budget, per seed: 55% GAN, 35% classifiers, the rest generating and testing
    share = max(seconds - (time.perf_counter() - start), 0.0) / max(int(seeds), 1)
    trainer.config = trainer.config.replace(**{k: v for k, v in (("gan_seconds", 0.55 * share),
                                                                 ("clf_seconds", 0.35 * share)) if k not in overrides})
    while trainer.phase != "done":
        trainer.step(sync=False)
    out = trainer.summary()
    judged = verdict(out["per_seed"])
    out.update(gain=judged["gain"], verdict=judged["kind"], control_gain=judged["control_gain"],
               control_verdict=judged["control_kind"])
    cfg = trainer.config
    out.update(dataset=dataset, labels_per_class=labels_per_class, seeds=seeds, test_items=len(trainer.y_test),
               gen_per_class=cfg.gen_per_class, seconds=round(time.perf_counter() - start, 2))
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}
