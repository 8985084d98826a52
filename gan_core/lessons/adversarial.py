"""Adversarial training (lesson 7) as a step-wise trainer a ``TrainingSession`` can drive, and the
standard-vs-adversarial robustness comparison quoted in README.

Methods: ``standard`` (clean cross-entropy), ``pgd`` (Madry et al. 2018: train on PGD examples with a random
start) and ``fgsm_rs`` (Wong, Rice and Kolter 2020: one FGSM step of 1.25 * eps from a random start).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from gan_core.attacks import fgsm, pgd
from gan_core.checks import DictConfig, choice, float_range, int_range, run_keys
from gan_core.classifiers import KINDS, build_classifier, evaluate_accuracy, load_split
from gan_core.config import LiveKnobs
from gan_core.device import resolve_device
from gan_core.seeding import seeded

METHODS = ("pgd", "fgsm_rs", "standard")
OPTIMIZERS = ("adam", "sgd")
LIVE_KEYS = frozenset({"lr", "eps", "alpha", "attack_steps", "adv_fraction", "method", "momentum",
                       "batch_size", "eval_every", "log_every", "snapshot_every", "checkpoint_every",
                       "max_steps", "max_seconds"})
EVAL_ITEMS = 500   # fixed held-out batch of the live curves
EVAL_STEPS = 20    # PGD steps of every evaluation (alpha = eps / 4, random start)


@dataclass
class AdvTrainConfig(DictConfig):
    """Every knob of one adversarial-training run (inputs in [0, 1]; eps, alpha in that scale)."""

    dataset: str = "digits"
    data_root: str = ""
    kind: str = "cnn"
    method: str = "pgd"
    eps: float = 0.1
    alpha: float = 0.025          # PGD step; 0 = eps / 4 (fgsm_rs always steps 1.25 * eps)
    attack_steps: int = 7
    adv_fraction: float = 1.0     # share of each batch replaced by adversarial examples
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9         # SGD momentum; Adam's beta1
    batch_size: int = 128
    seed: int = 0
    device: str = "auto"
    eval_every: int = 50
    max_steps: int = 0
    max_seconds: float = 0.0
    log_every: int = 10
    snapshot_every: int = 100
    checkpoint_every: int = 1000

    LIVE_KEYS = LIVE_KEYS

    def validate(self) -> AdvTrainConfig:
        """Raise ValueError naming the first bad key, its value and what is allowed; return self."""
        choice("method", self.method, METHODS)
        choice("kind", self.kind, KINDS)
        choice("optimizer", self.optimizer, OPTIMIZERS)
        if not isinstance(self.dataset, str) or not self.dataset:
            raise ValueError(f"dataset={self.dataset!r} is not allowed; name a labelled image dataset")
        float_range("eps", self.eps, 0.0, 1.0)
        float_range("alpha", self.alpha, 0.0, 1.0)
        float_range("adv_fraction", self.adv_fraction, 0.0, 1.0)
        float_range("lr", self.lr, 1e-8, 10.0)
        float_range("momentum", self.momentum, 0.0, 0.999)
        int_range("attack_steps", self.attack_steps, 1, 1000)
        int_range("batch_size", self.batch_size, 2, 8192)
        run_keys(self)
        return self

    @property
    def step_size(self) -> float:
        """The PGD step actually used: ``alpha``, or ``eps / 4`` when alpha is 0."""
        return self.alpha if self.alpha > 0 else self.eps / 4


class AdversarialTrainer(LiveKnobs):
    """One classifier, one optimiser and a minibatch stream; ``step()`` is one synchronous update.

    Attributes: ``config``, ``model``, ``optimizer``, ``device``, ``step_count``, ``images_per_step``,
    ``num_classes``, ``eval_x``/``eval_y`` (the fixed held-out batch in [0, 1]).
    """

    def __init__(self, config: AdvTrainConfig, device: torch.device | str | None = None):
        self.config = config.validate()
        self.device = torch.device(device) if device is not None else resolve_device(config.device)
        x, y, self.num_classes = load_split(config.dataset, config.data_root, train=True)
        x_test, y_test, _ = load_split(config.dataset, config.data_root, train=False)
        self.x, self.y = x.to(self.device), y.to(self.device)
        pick = torch.randperm(len(x_test), generator=torch.Generator().manual_seed(config.seed))[:EVAL_ITEMS]
        self.eval_x, self.eval_y = x_test[pick].to(self.device), y_test[pick].to(self.device)
        with seeded(config.seed):  # seeded initial weights; the global RNG is left as it was
            self.model = build_classifier(config.kind, tuple(x.shape[1:]), self.num_classes).to(self.device)
        params = self.model.parameters()
        if config.optimizer == "adam":
            self.optimizer: torch.optim.Optimizer = torch.optim.Adam(params, lr=config.lr,
                                                                     betas=(config.momentum, 0.999))
        else:
            self.optimizer = torch.optim.SGD(params, lr=config.lr, momentum=config.momentum)
        self.rng = torch.Generator().manual_seed(config.seed)          # batch order (CPU: portable state)
        self.attack_rng = torch.Generator(device=self.device).manual_seed(config.seed + 1)
        self._order, self._pos = torch.randperm(len(self.x), generator=self.rng), 0
        self.step_count = 0
        self.images_per_step = config.batch_size

    # ---- one step -------------------------------------------------------------------------------------
    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next shuffled minibatch; a new permutation each epoch. Shape: (B, C, H, W), (B,)."""
        if self._pos >= len(self.x):
            self._order, self._pos = torch.randperm(len(self.x), generator=self.rng), 0
        idx = self._order[self._pos:self._pos + self.config.batch_size].to(self.device)
        self._pos += self.config.batch_size
        return self.x[idx], self.y[idx]

    def adversarial_batch(self, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        """Replace the first ``round(adv_fraction * B)`` items of ``xb`` by attacks on the current model."""
        cfg = self.config
        k = int(round(cfg.adv_fraction * len(xb)))
        if cfg.method == "standard" or k == 0 or cfg.eps == 0:
            return xb
        if cfg.method == "pgd":
            x_adv = pgd(self.model, xb[:k], yb[:k], eps=cfg.eps, alpha=cfg.step_size, steps=cfg.attack_steps,
                        random_start=True, generator=self.attack_rng)
        else:
            x_adv = pgd(self.model, xb[:k], yb[:k], eps=cfg.eps, alpha=1.25 * cfg.eps, steps=1,
                        random_start=True, generator=self.attack_rng)
        return torch.cat([x_adv, xb[k:]])

    def step(self, part: str = "both", *, sync: bool = True) -> dict[str, float]:
        """One minibatch update. ``part`` exists for the session's interface and must be both, d or g.

        Returns ``loss``, ``train_acc``, ``grad_norm``, ``lr`` (``{}`` when not ``sync``, except on evaluation
        steps), plus ``clean_acc`` and ``pgd_acc`` on the held-out batch every ``eval_every`` steps and at step 1.
        """
        if part not in ("both", "d", "g"):
            raise ValueError(f"part={part!r} is not allowed; choose one of: both, d, g")
        xb, yb = self.next_batch()
        x_in = self.adversarial_batch(xb, yb)
        if self.should_stop():   # the attack is most of a step: a Stop that came meanwhile skips the update
            return {}
        self.model.train()
        logits = self.model(x_in)
        loss = F.cross_entropy(logits, yb)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), math.inf)
        self.optimizer.step()
        self.step_count += 1
        evaluate = self.step_count == 1 or self.step_count % self.config.eval_every == 0
        if not sync and not evaluate:
            return {}
        metrics = {"loss": loss.item(), "train_acc": (logits.argmax(1) == yb).float().mean().item(),
                   "grad_norm": grad_norm.item(), "lr": self.optimizer.param_groups[0]["lr"]}
        if evaluate:
            metrics.update(self.evaluate())
        return metrics

    def evaluate(self, eps: float | None = None) -> dict[str, float]:
        """``clean_acc`` and ``pgd_acc`` (eps, alpha eps/4, 20 steps, fixed random start) on the held-out batch."""
        eps = self.config.eps if eps is None else eps
        clean = evaluate_accuracy(self.model, self.eval_x, self.eval_y)
        if eps == 0:
            return {"clean_acc": clean, "pgd_acc": clean}
        gen = torch.Generator(device=self.device).manual_seed(1234)
        x_adv = pgd(self.model, self.eval_x, self.eval_y, eps=eps, alpha=eps / 4, steps=EVAL_STEPS, generator=gen)
        return {"clean_acc": clean, "pgd_acc": evaluate_accuracy(self.model, x_adv, self.eval_y)}

    # ---- live changes and state -----------------------------------------------------------------------
    def apply_config(self, new: AdvTrainConfig) -> None:
        """Make ``new`` (validated, differing only in ``LIVE_KEYS``) the config, at a step boundary; the batch
        size, eps, alpha, attack steps and method are read from it by the next step."""
        self.config = new
        for group in self.optimizer.param_groups:
            group["lr"] = new.lr
            if new.optimizer == "adam":
                group["betas"] = (new.momentum, group["betas"][1])
            else:
                group["momentum"] = new.momentum
        self.images_per_step = new.batch_size

    def view(self) -> None:
        """No picture yet for classifier runs (the session keeps its last view)."""
        return None

    def state_dict(self) -> dict[str, Any]:
        return {"config": self.config.to_dict(), "step": self.step_count, "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(), "rng": self.rng.get_state(),
                "attack_rng": self.attack_rng.get_state(),
                "order": self._order.clone(), "pos": self._pos}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.step_count = int(state["step"])
        if "rng" in state:
            self.rng.set_state(state["rng"])
            self._order, self._pos = state["order"].clone(), int(state["pos"])
        if "attack_rng" in state:
            self.attack_rng.set_state(state["attack_rng"])


def robustness(dataset: str, eps: float, seconds: float, data_root: str = "", seed: int = 0,
               eval_items: int = 1000, eval_steps: int = EVAL_STEPS, clock: str = "wall", kind: str = "cnn",
               device: str = "auto", **overrides: Any) -> dict[str, Any]:
    """Train a standard and a PGD-adversarially-trained classifier for ``seconds`` each and attack both.

    Args:
        dataset, data_root: a labelled image dataset. eps: the L-inf radius (inputs in [0, 1]).
        seconds: wall-clock training budget per model. seed: weights, batches and the evaluation subset.
        eval_items: test items evaluated (a fixed seeded subset when the test split is larger).
        eval_steps: PGD steps of the evaluation (alpha = eps / 4, random start).
        clock: ``"wall"`` (seconds of wall-clock time) or ``"cpu"`` (seconds of this process's CPU time, all
            threads: a fair budget on a machine shared with other jobs).
        kind, device: the classifier (``cnn``, ``mlp``) and where both models train.
        overrides: further ``AdvTrainConfig`` fields for the adversarial model (e.g. ``attack_steps``).
    Returns:
        ``{"standard": {...}, "adversarial": {...}, "eps", "seconds", "dataset", "eval_items"}`` where each
        model entry holds ``clean_acc``, ``fgsm_acc``, ``pgd_acc``, ``steps``.
    """
    choice("clock", clock, ("wall", "cpu"))
    float_range("seconds", seconds, 1e-3, 7 * 24 * 3600.0)
    int_range("eval_items", eval_items, 1, 10**7)
    int_range("eval_steps", eval_steps, 1, 10**4)
    timer = time.perf_counter if clock == "wall" else time.process_time
    out: dict[str, Any] = {"dataset": dataset, "eps": eps, "seconds": seconds, "clock": clock}
    x_test, y_test, _ = load_split(dataset, data_root, train=False)
    pick = torch.randperm(len(x_test), generator=torch.Generator().manual_seed(seed))[:eval_items]
    for name, method in (("standard", "standard"), ("adversarial", overrides.pop("method", "pgd"))):
        extra = overrides if name == "adversarial" else {}
        cfg = AdvTrainConfig.from_dict(dict(dataset=dataset, data_root=data_root, method=method, eps=eps,
                                            seed=seed, kind=kind, device=device, eval_every=10**7, **extra))
        trainer = AdversarialTrainer(cfg)
        start = timer()
        while timer() - start < seconds:
            trainer.step(sync=False)
        x, y = x_test[pick].to(trainer.device), y_test[pick].to(trainer.device)
        gen = torch.Generator(device=trainer.device).manual_seed(seed)
        x_pgd = torch.cat([pgd(trainer.model, x[i:i + 500], y[i:i + 500], eps=eps, alpha=eps / 4,
                               steps=eval_steps, generator=gen) for i in range(0, len(x), 500)])
        x_fgsm = torch.cat([fgsm(trainer.model, x[i:i + 500], y[i:i + 500], eps=eps) for i in range(0, len(x), 500)])
        out[name] = {"clean_acc": evaluate_accuracy(trainer.model, x, y),
                     "fgsm_acc": evaluate_accuracy(trainer.model, x_fgsm, y),
                     "pgd_acc": evaluate_accuracy(trainer.model, x_pgd, y), "steps": trainer.step_count}
    out["eval_items"] = int(len(pick))
    return out
