"""Trainer: one synchronous GAN iteration per ``step()``; no threads, no I/O (the Keras ``train_step`` shape).

The hot path keeps everything on the device: batches are slices of one data tensor, metrics stay tensors
and are read back only when the caller asks (``sync=True``), optimisers update with foreach kernels.
"""
from __future__ import annotations

import copy
import math

import torch
from torch import nn

from gan_core import losses
from gan_core.config import LiveKnobs, TrainConfig
from gan_core.data.builtin import load_dataset
from gan_core.data.dataset import Batcher, Dataset
from gan_core.device import resolve_device
from gan_core.models import build_discriminator, build_generator, check_step_cost, match_layer_positions, standardise
from gan_core.seeding import bind_dropout, seeded

METRIC_KEYS = ("loss_d", "loss_g", "d_real", "d_fake", "grad_norm_d", "grad_norm_g", "lr_d", "lr_g")


def make_optimizer(name: str, params, cfg: TrainConfig, lr: float, device: torch.device | None = None
                   ) -> torch.optim.Optimizer:
    """Adam/RMSprop/SGD with the config's betas, momentum and L2 weight decay.

    Adam on CPU or CUDA uses the fused kernel (one pass over each tensor: measured 1.1-1.3x the foreach kernels
    for a whole step of the mnist-mlp-classic model on one CPU thread, see the README); else foreach kernels.
    """
    kernel = _kernel(name, device)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(cfg.beta1, cfg.beta2), weight_decay=cfg.weight_decay,
                                **kernel)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay, **kernel)
    return torch.optim.SGD(params, lr=lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay, **kernel)


def _kernel(name: str, device: torch.device | None) -> dict:
    if name == "adam" and device is not None and device.type in ("cpu", "cuda"):
        return {"fused": True}
    return {"foreach": True}


class Trainer(LiveKnobs):
    """A GAN with its data, optimisers and fixed noise; ``step()`` runs ``d_steps`` D and ``g_steps`` G updates.

    Raises ValueError, before building any network, for a model whose step would take longer than a few seconds
    on its device or not fit its memory (``models.check_step_cost``)."""

    def __init__(self, cfg: TrainConfig, data: Dataset | None = None, device: torch.device | str | None = None):
        self.config = cfg.validate()
        self.device = torch.device(device) if device is not None else resolve_device(cfg.device)
        if data is None:
            data = load_dataset(cfg.dataset, cfg.data_root, n_points=cfg.n_points, seed=cfg.seed)
        self.data = data.to(self.device)
        self.num_classes = data.num_classes if cfg.conditional else 0
        if cfg.conditional and not data.num_classes:
            raise ValueError(f"conditional=true needs a labelled dataset; dataset={cfg.dataset!r} has no labels")
        shape = data.item_shape
        check_step_cost(cfg, shape, self.num_classes, self.device)
        with seeded(cfg.seed):  # the initial weights; every later draw comes from this run's own generators
            self.generator = build_generator(cfg, shape, self.num_classes).to(self.device)
            self.discriminator = build_discriminator(cfg, shape, self.num_classes).to(self.device)
        if data.kind == "points":
            mean, std = self.data.x.mean(0), self.data.x.std(0).clamp_min(1e-3)
            # only data far from the origin or at an odd scale (y = 10 + x^2, canvas drawings): centred sets of
            # unit scale train better as they are (ring8 with WGAN-GP: 8 modes standardised lose all but 1)
            if bool((mean.abs() > 2 * std.max()).any()) or not 0.25 <= float(std.min()) <= float(std.max()) <= 4:
                standardise((self.generator, self.discriminator), mean, std)
        if cfg.model == "dcgan" and self.device.type == "cpu":
            # channels_last speeds up oneDNN convolutions on the CPU (measured in bench/)
            self.generator.to(memory_format=torch.channels_last)
            self.discriminator.to(memory_format=torch.channels_last)
        self.ema_generator: nn.Module | None = None
        self.opt_g = make_optimizer(cfg.optimizer_g, self.generator.parameters(), cfg, cfg.lr_g, self.device)
        self.opt_d = make_optimizer(cfg.optimizer_d, self.discriminator.parameters(), cfg, cfg.lr_d, self.device)
        self.rng = torch.Generator(device=self.device).manual_seed(cfg.seed + 1)      # z and labels
        self.aux_rng = torch.Generator(device=self.device).manual_seed(cfg.seed + 3)  # dropout, GP, instance noise
        bind_dropout(self.discriminator, self.aux_rng)
        self.batcher = Batcher(self.data.x, self.data.y, cfg.batch_size, seed=cfg.seed + 2)
        self.fixed_noise = torch.randn(64, cfg.latent_dim, generator=self.rng, device=self.device)
        self.fixed_labels = (torch.arange(64, device=self.device) % max(self.num_classes, 1)
                             if self.num_classes else None)
        self.step_count = 0
        self._want_norm = True
        self.images_per_step = cfg.batch_size * (cfg.d_steps + cfg.g_steps)
        self._set_ema(cfg.ema)
        self._set_lr()

    # ---- one iteration ----------------------------------------------------------------------
    def noise(self, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``z`` ``(n, latent_dim)`` and, for conditional models, uniformly drawn labels ``(n,)``."""
        z = torch.randn(n, self.config.latent_dim, generator=self.rng, device=self.device)
        y = (torch.randint(0, self.num_classes, (n,), generator=self.rng, device=self.device)
             if self.num_classes else None)
        return z, y

    def _d(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        return self.discriminator(losses.instance_noise(x, self.config.instance_noise, self.aux_rng), y)

    def d_update(self, fake: torch.Tensor | None = None, fake_y: torch.Tensor | None = None) -> dict:
        """One discriminator update on a real batch and (given or fresh) fakes; returns tensor metrics.

        D's half of the game: max_D E[log D(x)] + E[log(1 - D(G(z)))] for the BCE losses (Goodfellow et al. 2014),
        max_D E[D(x)] - E[D(G(z))] for the Wasserstein critic; ``losses.d_loss`` is the negative, minimised.
        """
        cfg = self.config
        real, real_y = self.batcher.next()
        if fake is None:
            with torch.no_grad():
                z, fake_y = self.noise(real.shape[0])
                fake = self.generator(z, fake_y)
        fake = fake.detach()
        if not self.num_classes and not cfg.minibatch_std:
            # one D forward on the concatenated batch: fewer, larger matmuls (not with minibatch std, whose
            # statistic must describe a real or a fake batch, not their mixture)
            logits = self._d(torch.cat([real, fake]), None)
            d_real, d_fake = logits[: real.shape[0]], logits[real.shape[0]:]
        else:
            d_real, d_fake = self._d(real, real_y), self._d(fake, fake_y)
        loss = losses.d_loss(cfg.loss, d_real, d_fake, cfg.label_smoothing)
        if cfg.loss == "wgan_gp" and cfg.gp_weight > 0:
            penalty = losses.gradient_penalty(self.discriminator, real, fake, real_y, self.aux_rng)
            loss = loss + cfg.gp_weight * penalty
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        norm = self._clip(self.discriminator)
        self.opt_d.step()
        if cfg.loss == "wgan":
            with torch.no_grad():
                torch._foreach_clamp_min_(list(self.discriminator.parameters()), -cfg.clip_value)
                torch._foreach_clamp_max_(list(self.discriminator.parameters()), cfg.clip_value)
        d_real, d_fake = (losses.d_output(cfg.loss, d.detach()).mean() for d in (d_real, d_fake))  # mean D(x)
        return {"loss_d": loss.detach(), "d_real": d_real, "d_fake": d_fake, "grad_norm_d": norm}

    def g_update(self, fake: torch.Tensor | None = None, fake_y: torch.Tensor | None = None) -> dict:
        """One generator update through the current D; ``fake`` may carry its graph from ``d_update``.

        G's half: min_G E[log(1 - D(G(z)))] (``minimax``, saturating) or, in practice, max_G E[log D(G(z))]
        (``nonsaturating``); max_G E[D(G(z))] against a Wasserstein critic. D is held fixed during this step.
        """
        if fake is None:
            z, fake_y = self.noise(self.batcher.batch_size)
            fake = self.generator(z, fake_y)
        loss = losses.g_loss(self.config.loss, self._d(fake, fake_y))
        self.opt_g.zero_grad(set_to_none=True)
        self.discriminator.requires_grad_(False)  # G's step must not leave gradients in D
        loss.backward()
        self.discriminator.requires_grad_(True)
        norm = self._clip(self.generator)
        self.opt_g.step()
        if self.ema_generator is not None:
            with torch.no_grad():
                torch._foreach_lerp_(list(self.ema_generator.parameters()), list(self.generator.parameters()),
                                     1.0 - self.config.ema)
                buffers = list(self.ema_generator.buffers())
                if buffers:  # batch-norm statistics are not averaged: the EMA copy uses G's own
                    torch._foreach_copy_(buffers, list(self.generator.buffers()))
        return {"loss_g": loss.detach(), "grad_norm_g": norm}

    def step(self, part: str = "both", *, sync: bool = True) -> dict[str, float]:
        """One iteration: ``d_steps`` D updates then ``g_steps`` G updates (``part`` = both, d or g).

        Returns the metrics as floats when ``sync`` (one host sync); ``{}`` otherwise, to keep a GPU busy. When
        ``should_stop()`` turns true between two updates, returns ``{}`` at once and the step does not count.
        """
        if part not in ("both", "d", "g"):
            raise ValueError(f"part={part!r} is not allowed; choose one of: both, d, g")
        cfg, out = self.config, {}
        self._want_norm = sync
        reuse = part == "both" and cfg.d_steps == 1 and cfg.g_steps == 1
        fake = fake_y = None
        if part in ("both", "d"):
            for _ in range(cfg.d_steps):
                if self.should_stop():
                    return {}
                if reuse:
                    # the classic loop's saving: G's forward serves D's step (detached) and G's step (with graph)
                    z, fake_y = self.noise(self.batcher.batch_size)
                    fake = self.generator(z, fake_y)
                out.update(self.d_update(fake, fake_y))
        if part in ("both", "g"):
            for i in range(cfg.g_steps):
                if self.should_stop():
                    return {}
                out.update(self.g_update(fake if reuse and i == 0 else None, fake_y))
        self.step_count += 1
        if self.step_count % 1000 == 0 and cfg.lr_decay != 1.0:
            self._set_lr()
        if not sync:
            return {}
        return self.read_metrics(out)

    def read_metrics(self, out: dict) -> dict[str, float]:
        keys = [k for k in METRIC_KEYS[:6] if k in out]
        values = torch.stack([out[k].float() for k in keys]).tolist() if keys else []
        metrics = dict(zip(keys, values, strict=True))
        metrics["lr_d"], metrics["lr_g"] = self.opt_d.param_groups[0]["lr"], self.opt_g.param_groups[0]["lr"]
        return metrics

    def _clip(self, net: nn.Module) -> torch.Tensor:
        """Clip the global gradient norm when asked; the norm itself only on steps that report it."""
        if self.config.grad_clip > 0:
            return torch.nn.utils.clip_grad_norm_(net.parameters(), self.config.grad_clip, foreach=True)
        if not self._want_norm:
            return torch.zeros(())
        return torch.nn.utils.clip_grad_norm_(net.parameters(), math.inf, foreach=True)

    # ---- live changes -----------------------------------------------------------------------
    def apply_config(self, new: TrainConfig) -> None:
        """Make ``new`` (validated, differing from ``config`` only in ``LIVE_KEYS``) this trainer's config, at a
        step boundary: every live knob moves to where the step reads it. ``apply_changes`` validates first."""
        self.config = new
        for opt, name in ((self.opt_d, new.optimizer_d), (self.opt_g, new.optimizer_g)):
            for group in opt.param_groups:
                group["weight_decay"] = new.weight_decay
                if name == "adam":
                    group["betas"] = (new.beta1, new.beta2)
                else:
                    group["momentum"] = new.momentum
            if name == "rmsprop" and new.momentum > 0:  # RMSprop makes its buffers only when built with momentum
                for p in opt.param_groups[0]["params"]:
                    state = opt.state[p]
                    if state and "momentum_buffer" not in state:
                        state["momentum_buffer"] = torch.zeros_like(p, memory_format=torch.preserve_format)
        for module in self.discriminator.modules():
            if isinstance(module, nn.Dropout):
                module.p = new.dropout_d
        self.batcher.batch_size = new.batch_size
        self.images_per_step = new.batch_size * (new.d_steps + new.g_steps)
        self._set_ema(new.ema)
        self._set_lr()

    def _set_lr(self) -> None:
        """The one place a learning rate reaches the optimisers: the config's, decayed every 1000 steps."""
        decay = self.config.lr_decay ** (self.step_count // 1000)
        for opt, lr in ((self.opt_d, self.config.lr_d), (self.opt_g, self.config.lr_g)):
            for group in opt.param_groups:
                group["lr"] = lr * decay

    def _set_ema(self, decay: float) -> None:
        if decay > 0 and self.ema_generator is None:
            self.ema_generator = copy.deepcopy(self.generator).requires_grad_(False)
        elif decay == 0:
            self.ema_generator = None

    # ---- sampling and state -----------------------------------------------------------------
    @property
    def sampler(self) -> nn.Module:
        """The generator used for samples: the EMA copy when enabled."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    @torch.no_grad()
    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Samples for latent ``z`` ``(n, latent_dim)`` in eval mode; train mode restored."""
        net = self.sampler
        was_training = net.training
        net.eval()
        try:
            return net(z.to(self.device), labels.to(self.device) if labels is not None else None).float()
        finally:
            net.train(was_training)

    def sample(self, n: int, seed: int | None = None, labels: torch.Tensor | None = None) -> torch.Tensor:
        """``n`` fresh samples (seeded when ``seed`` is given); labels default to a uniform draw."""
        gen = torch.Generator(device=self.device).manual_seed(seed) if seed is not None else self.rng
        z = torch.randn(n, self.config.latent_dim, generator=gen, device=self.device)
        if self.num_classes and labels is None:
            labels = torch.randint(0, self.num_classes, (n,), generator=gen, device=self.device)
        return self.generate(z, labels)

    def view(self):
        """The frozen ``View`` (sample grid or 2-D plane) of the current step."""
        from gan_core.views import make_view
        return make_view(self)

    def state_dict(self) -> dict:
        state = {"config": self.config.to_dict(), "step": self.step_count,
                 "generator": self.generator.state_dict(), "discriminator": self.discriminator.state_dict(),
                 "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                 "fixed_noise": self.fixed_noise.cpu()}
        if self.ema_generator is not None:
            state["ema_generator"] = self.ema_generator.state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore a checkpoint, with the live settings it was saved with (changes made while it trained)."""
        saved = state.get("config") or {}
        live = {k: v for k, v in saved.items() if k in self.live_keys and v != getattr(self.config, k, v)}
        if live:
            self.apply_changes(**live)
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(match_layer_positions(state["discriminator"], self.discriminator))
        for opt, key, name in ((self.opt_g, "opt_g", self.config.optimizer_g),
                               (self.opt_d, "opt_d", self.config.optimizer_d)):
            opt.load_state_dict(state[key])
            kernel = {"fused": None, "foreach": None, **_kernel(name, self.device)}
            for group in opt.param_groups:   # a checkpoint from another device keeps this device's kernel
                group.update({k: v for k, v in kernel.items() if k in group})
        self.fixed_noise = state["fixed_noise"].to(self.device)
        self.step_count = int(state["step"])
        if "ema_generator" in state:
            self._set_ema(self.config.ema or 0.999)
            self.ema_generator.load_state_dict(state["ema_generator"])
        self._set_lr()
