"""Generators and discriminators: MLP and DCGAN, optionally conditional (label embedding).

Every discriminator returns logits ``(B,)`` and exposes ``features(x, y)``: its last hidden layer ``(B, F)``,
which the Discriminator page plots (``d_feature_dim=2`` makes it a plane, as in the classic TensorFlow tutorial).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from gan_core.checks import ConfigError
from gan_core.config import TrainConfig
from gan_core.device import device_rate, free_memory
from gan_core.seeding import SeededDropout


def activation(name: str, slope: float = 0.2) -> nn.Module:
    """The named activation; ``leaky_relu`` uses negative slope 0.2 (DCGAN's choice)."""
    return {"relu": lambda: nn.ReLU(), "leaky_relu": lambda: nn.LeakyReLU(slope), "tanh": lambda: nn.Tanh(),
            "elu": lambda: nn.ELU(), "gelu": lambda: nn.GELU()}[name]()


def _sn(layer: nn.Module, on: bool) -> nn.Module:
    return nn.utils.parametrizations.spectral_norm(layer) if on else layer


class MinibatchStd(nn.Module):
    """Appends the mean over features of the batch std (Karras et al. 2018): a collapsed batch has low std."""

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        # eps inside the root: a dead ReLU unit has zero spread, and sqrt'(0) = inf turns WGAN-GP's penalty to NaN
        std = (h.var(dim=0, unbiased=False) + 1e-8).sqrt().mean().expand(h.shape[0], 1)
        return torch.cat([h, std], dim=1)


class MLPGenerator(nn.Module):
    """z ``(B, latent_dim)`` [+ label] -> hidden layers -> data ``(B, *item_shape)``; tanh for images."""

    def __init__(self, cfg: TrainConfig, item_shape: tuple[int, ...], num_classes: int, images: bool):
        super().__init__()
        self.latent_dim, self.item_shape = cfg.latent_dim, tuple(item_shape)
        self.embed = nn.Embedding(num_classes, cfg.latent_dim) if cfg.conditional and num_classes else None
        layers: list[nn.Module] = []
        width = cfg.latent_dim * (2 if self.embed is not None else 1)
        for hidden in cfg.g_hidden:
            layers.append(nn.Linear(width, hidden))
            if cfg.batchnorm_g:
                layers.append(nn.BatchNorm1d(hidden))
            layers.append(activation(cfg.activation))
            width = hidden
        layers.append(nn.Linear(width, math.prod(item_shape)))
        if images:
            layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)
        # 2-D data: the net works in standardised coordinates, the output is in the data's own (see Trainer)
        self.register_buffer("data_mean", torch.zeros(math.prod(item_shape)))
        self.register_buffer("data_std", torch.ones(math.prod(item_shape)))

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if self.embed is not None:
            z = torch.cat([z, self.embed(y)], dim=1)               # (B, 2 latent_dim): noise and label
        out = self.net(z) * self.data_std + self.data_mean          # (B, prod(item_shape)), data coordinates
        return out.view(z.shape[0], *self.item_shape)              # (B, 2) points or (B, C, H, W) images


class MLPDiscriminator(nn.Module):
    """x ``(B, *item_shape)`` [+ label] -> hidden layers -> (optional d_feature_dim layer) -> logit ``(B,)``."""

    def __init__(self, cfg: TrainConfig, item_shape: tuple[int, ...], num_classes: int):
        super().__init__()
        n_in = math.prod(item_shape)
        self.embed = nn.Embedding(num_classes, n_in) if cfg.conditional and num_classes else None
        widths = list(cfg.d_hidden) + ([cfg.d_feature_dim] if cfg.d_feature_dim else [])
        layers: list[nn.Module] = []
        width = n_in * (2 if self.embed is not None else 1)
        for hidden in widths:
            # Dropout even at p=0 (an identity then): dropout_d can be turned on while the run trains
            layers += [_sn(nn.Linear(width, hidden), cfg.spectral_norm), activation(cfg.activation),
                       SeededDropout(cfg.dropout_d)]
            width = hidden
        self.body = nn.Sequential(*layers)
        self.mbstd = MinibatchStd() if cfg.minibatch_std else None
        self.head = _sn(nn.Linear(width + (1 if self.mbstd else 0), 1), cfg.spectral_norm)
        self.register_buffer("data_mean", torch.zeros(n_in))
        self.register_buffer("data_std", torch.ones(n_in))

    def features(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = (x.flatten(1) - self.data_mean) / self.data_std         # (B, n_in), standardised
        if self.embed is not None:
            h = torch.cat([h, self.embed(y)], dim=1)               # (B, 2 n_in): input and label
        return self.body(h)                                        # (B, F): d_feature_dim or d_hidden[-1]

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.features(x, y)
        if self.mbstd is not None:
            h = self.mbstd(h)                                      # (B, F + 1): the batch's spread appended
        return self.head(h).squeeze(1)                             # (B,) logits


def _dcgan_plan(size: int) -> tuple[int, int]:
    """(base, n_up): base * 2**n_up == size with base in 3..7 (28 -> 7x2x2, 32 -> 4x2x2x2, 8 -> 4x2)."""
    n_up = 0
    while size % 2 == 0 and size // 2 >= 3 and (size > 7 or n_up == 0):
        size, n_up = size // 2, n_up + 1
    return size, n_up


class DCGANGenerator(nn.Module):
    """Radford et al. 2016: project z to ``(C0, base, base)``, then transposed convs doubling the size."""

    def __init__(self, cfg: TrainConfig, item_shape: tuple[int, int, int], num_classes: int):
        super().__init__()
        channels, size, _ = item_shape
        self.latent_dim, self.item_shape = cfg.latent_dim, tuple(item_shape)
        base, n_up = _dcgan_plan(size)
        width = cfg.dcgan_width * 2 ** (n_up - 1)
        self.embed = nn.Embedding(num_classes, cfg.latent_dim) if cfg.conditional and num_classes else None
        n_in = cfg.latent_dim * (2 if self.embed is not None else 1)
        bn = (lambda c: nn.BatchNorm2d(c)) if cfg.batchnorm_g else (lambda c: nn.Identity())
        self.project = nn.Sequential(nn.Linear(n_in, width * base * base, bias=not cfg.batchnorm_g))
        self.bn0 = bn(width)
        self.start = (width, base, base)
        layers: list[nn.Module] = [nn.ReLU()]
        for i in range(n_up):
            last = i == n_up - 1
            out = channels if last else width // 2
            layers.append(nn.ConvTranspose2d(width, out, 4, 2, 1, bias=last or not cfg.batchnorm_g))
            layers += [nn.Tanh()] if last else [bn(out), nn.ReLU()]
            width = out
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if self.embed is not None:
            z = torch.cat([z, self.embed(y)], dim=1)
        h = self.bn0(self.project(z).view(z.shape[0], *self.start))   # (B, width, base, base), e.g. 7x7
        return self.net(h)              # each ConvTranspose2d(4, 2, 1) doubles H and W: (B, C, H, W) in [-1, 1]


class DCGANDiscriminator(nn.Module):
    """Strided convs with LeakyReLU(0.2) halving the size, then a linear layer to one logit."""

    def __init__(self, cfg: TrainConfig, item_shape: tuple[int, int, int], num_classes: int):
        super().__init__()
        channels, size, _ = item_shape
        base, n_down = _dcgan_plan(size)
        self.embed = nn.Embedding(num_classes, size * size) if cfg.conditional and num_classes else None
        self.size = size
        width, c_in = cfg.dcgan_width, channels + (1 if self.embed is not None else 0)
        layers: list[nn.Module] = []
        for _ in range(n_down):
            layers.append(_sn(nn.Conv2d(c_in, width, 4, 2, 1), cfg.spectral_norm))
            layers += [nn.LeakyReLU(0.2), SeededDropout(cfg.dropout_d)]  # p=0: identity, turned on live
            c_in, width = width, width * 2
        self.conv = nn.Sequential(*layers, nn.Flatten())
        n_feat = c_in * base * base
        self.feature = (nn.Sequential(_sn(nn.Linear(n_feat, cfg.d_feature_dim), cfg.spectral_norm),
                                      nn.LeakyReLU(0.2)) if cfg.d_feature_dim else nn.Identity())
        n_feat = cfg.d_feature_dim or n_feat
        self.mbstd = MinibatchStd() if cfg.minibatch_std else None
        self.head = _sn(nn.Linear(n_feat + (1 if self.mbstd else 0), 1), cfg.spectral_norm)

    def features(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if self.embed is not None:
            x = torch.cat([x, self.embed(y).view(-1, 1, self.size, self.size)], dim=1)   # label as a channel
        # each Conv2d(4, 2, 1) halves H and W and doubles the channels: (B, C, H, W) -> (B, c_in * base * base)
        return self.feature(self.conv(x))                          # (B, F)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.features(x, y)
        if self.mbstd is not None:
            h = self.mbstd(h)                                      # (B, F + 1)
        return self.head(h).squeeze(1)                             # (B,) logits


def _init_weights(module: nn.Module) -> None:
    # DCGAN's N(0, 0.02) init for conv layers and batch-norm scales; PyTorch defaults elsewhere.
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def standardise(nets: tuple[nn.Module, ...], mean: torch.Tensor, std: torch.Tensor) -> None:
    """Give MLP networks the data's per-coordinate mean and std (2-D data such as y = 10 + x^2 lives far from
    the origin at scales far from 1; in standardised coordinates the same small nets learn it several times
    faster). Images are already in [-1, 1] and keep the identity."""
    for net in nets:
        if hasattr(net, "data_mean"):
            net.data_mean.copy_(mean.flatten())
            net.data_std.copy_(std.flatten())


def match_layer_positions(saved: dict, net: nn.Module) -> dict:
    """``saved`` (a state dict) with the positions inside ``net``'s Sequentials renumbered onto ``net``'s.

    Checkpoints from before D always held its Dropout layers (they were there only when dropout_d > 0) number
    their layers differently: the k-th saved layer with weights of a Sequential becomes its k-th one now.
    """
    own = net.state_dict()
    if saved.keys() == own.keys():
        return saved

    def positions(keys) -> dict[str, list[int]]:
        found: dict[str, set[int]] = {}
        for key in keys:
            head, _, rest = key.partition(".")
            index = rest.partition(".")[0]
            if index.isdigit():
                found.setdefault(head, set()).add(int(index))
        return {head: sorted(ix) for head, ix in found.items()}

    old_pos, new_pos = positions(saved), positions(own)
    moves = {(head, i): j for head, ix in old_pos.items() if len(ix) == len(new_pos.get(head, ()))
             for i, j in zip(ix, new_pos[head], strict=True)}
    out = {}
    for key, value in saved.items():
        head, _, rest = key.partition(".")
        index, _, tail = rest.partition(".")
        moved = moves.get((head, int(index))) if index.isdigit() else None
        out[f"{head}.{moved}.{tail}" if moved is not None else key] = value
    return out


def build_generator(cfg: TrainConfig, item_shape: tuple[int, ...], num_classes: int = 0) -> nn.Module:
    """Generator for ``cfg.model``; ``item_shape`` is ``(2,)`` or ``(C, H, W)``."""
    images = len(item_shape) == 3
    if cfg.model == "dcgan":
        if not images or item_shape[1] != item_shape[2]:
            raise ValueError(f"model='dcgan' needs square images, got item shape {item_shape}")
        net = DCGANGenerator(cfg, item_shape, num_classes)
        net.apply(_init_weights)
        return net
    return MLPGenerator(cfg, item_shape, num_classes, images)


def build_discriminator(cfg: TrainConfig, item_shape: tuple[int, ...], num_classes: int = 0) -> nn.Module:
    """Discriminator (critic for WGAN losses) for ``cfg.model``; returns logits ``(B,)``."""
    if cfg.model == "dcgan":
        if len(item_shape) != 3 or item_shape[1] != item_shape[2]:
            raise ValueError(f"model='dcgan' needs square images, got item shape {item_shape}")
        net = DCGANDiscriminator(cfg, item_shape, num_classes)
        net.apply(_init_weights)
        return net
    return MLPDiscriminator(cfg, item_shape, num_classes)


# ---- what one training step costs (refused before building when too much for the device) -----------------
MAX_STEP_S = 5.0     # one iteration (d_steps D updates + g_steps G updates), estimated on this device
MAX_UPDATE_S = 1.0   # one D or one G update: a Stop lands between two of them (Trainer.step)
MEMORY_SHARE = 0.8   # of the device's free memory one run may plan to use
EFFICIENCY = 0.5     # a training step reaches about half the rate of one large matmul: measured 0.35-0.74 on a
                     # 2-core CPU for MLPs (1024x3 to 2048x4) and DCGANs (width 32 and 64, 28x28)


def estimate_cost(cfg: TrainConfig, item_shape: tuple[int, ...], num_classes: int = 0) -> dict[str, float]:
    """Parameters, FLOPs and bytes of one training iteration, counted on the networks built on the ``meta``
    device (no memory, no weights: about 10 ms even for the largest allowed widths).

    Returns: ``params`` (G + D), ``flops`` (one iteration, forward and backward), ``update_flops`` (the larger
    of one D update and one G update), ``bytes`` (weights, gradients, Adam state, an EMA copy and the
    activations one update keeps for its backward pass, float32).
    """
    with torch.device("meta"):
        g, d = build_generator(cfg, item_shape, num_classes), build_discriminator(cfg, item_shape, num_classes)
    side = item_shape[-1] if len(item_shape) == 3 else 1
    g_flops, g_act = _net_cost(g, _dcgan_plan(side)[0] ** 2 if cfg.model == "dcgan" else 1)
    d_flops, d_act = _net_cost(d, side * side)
    b = cfg.batch_size
    # D update: G forward (no graph), D forward and backward (~2x forward) on real + fake; GP: one more pass
    # with a double backward on the interpolates. G update: G and D forward, backward through both.
    d_update = b * (g_flops + 3 * d_flops * 2 + (4 * d_flops if cfg.loss == "wgan_gp" and cfg.gp_weight > 0 else 0))
    g_update = b * 3 * (g_flops + d_flops)
    n_g, n_d = (sum(p.numel() for p in net.parameters()) for net in (g, d))
    weights = 4 * (n_g + n_d) + (n_g if cfg.ema > 0 else 0)       # + gradients, two Adam moments; EMA copy
    activations = 2 * b * (2 * d_act + g_act)                      # kept for backward, and their gradients
    return {"params": float(n_g + n_d), "flops": cfg.d_steps * d_update + cfg.g_steps * g_update,
            "update_flops": max(d_update, g_update), "bytes": 4.0 * (weights + activations)}


def _net_cost(net: nn.Module, pixels: int) -> tuple[float, float]:
    """(FLOPs, activation values) of one item's forward pass: its layers in order (the networks above are
    sequences), ``pixels`` the spatial size the first convolution sees (halved per side by a strided conv,
    doubled by a transposed one)."""
    flops = values = 0.0
    for m in net.modules():
        if isinstance(m, nn.Linear):
            flops, values = flops + 2 * m.in_features * m.out_features, values + m.out_features
        elif isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            taps = m.in_channels * m.out_channels // m.groups * math.prod(m.kernel_size)
            scale = m.stride[0] * m.stride[1]
            in_pixels, pixels = pixels, pixels // scale if isinstance(m, nn.Conv2d) else pixels * scale
            # a conv does its taps once per output pixel; a transposed conv once per input pixel
            flops += 2 * taps * (pixels if isinstance(m, nn.Conv2d) else in_pixels)
            values += m.out_channels * pixels
    return flops, values


def check_step_cost(cfg: TrainConfig, item_shape: tuple[int, ...], num_classes: int, device: torch.device) -> None:
    """Raise ValueError naming the knobs when one iteration of ``cfg`` would take more than ``MAX_STEP_S`` (or
    one update more than ``MAX_UPDATE_S``) on ``device`` or need more than ``MEMORY_SHARE`` of its free memory."""
    cost = estimate_cost(cfg, item_shape, num_classes)
    rate = device_rate(str(device), torch.get_num_threads())
    seconds, update_s = (cost[k] / (EFFICIENCY * rate) for k in ("flops", "update_flops"))
    free = free_memory(device)
    too_slow = seconds > MAX_STEP_S or update_s > MAX_UPDATE_S
    too_big = free is not None and cost["bytes"] > MEMORY_SHARE * free
    if not (too_slow or too_big):
        return
    size = (f"dcgan_width={cfg.dcgan_width}" if cfg.model == "dcgan"
            else f"g_hidden={cfg.g_hidden}, d_hidden={cfg.d_hidden}")
    knobs = f"{size}, latent_dim={cfg.latent_dim}, batch_size={cfg.batch_size}"
    if seconds > MAX_STEP_S:
        knobs += f", d_steps={cfg.d_steps}, g_steps={cfg.g_steps}"
    why = (f"one training step would take about {seconds:.3g} s on {device} (at the {rate / 1e9:.0f} GFLOP/s "
           f"measured here; allowed: {MAX_STEP_S:g} s a step, {MAX_UPDATE_S:g} s a D or G update)") if too_slow \
        else ""
    figures = {"step_s": f"{seconds:.3g}", "max_step_s": f"{MAX_STEP_S:g}"} if too_slow else {}
    if too_big:
        need = f"need about {cost['bytes'] / 2**30:.1f} GB of memory ({free / 2**30:.1f} GB free on {device})"
        why = f"{why} and {need}" if why else need
        figures.update(need_gb=f"{cost['bytes'] / 2**30:.1f}", free_gb=f"{free / 2**30:.1f}")
    raise ConfigError(f"this model is too large for this machine: {why}; make these smaller: {knobs}", None, None,
                      "too_large", knobs=knobs, **figures)
