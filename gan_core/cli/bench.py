"""Speed benchmark: the classic tutorial loop vs ours on the same model, data and batch size, in one process.

Classic loop (as in the tutorials the course starts from): torchvision DataLoader over PIL images with
ToTensor + Normalize, Sigmoid + BCELoss, ``.item()`` every iteration. Ours: ``Trainer`` (one data tensor on the
device, with-logits losses, one D forward on real+fake, fused Adam, a host sync every ``log_every``).
Two bounds, both for one D+G step of the ``mnist-mlp-classic`` model, about 18.5 MFLOP per image (see
``step_flops``): the model's own bound times exactly the matrix multiplies of that step at the benchmark's batch
size, alone (``model_gemm_seconds``): no loop doing that step with this BLAS can beat it. The large-matmul bound
divides a timed 1024x1024 matmul's GFLOP/s by the same FLOPs; small matrices never reach that rate.
"""
from __future__ import annotations

import math
import time

import torch
from torch import nn


def step_flops(g_widths: list[int], d_widths: list[int]) -> float:
    """FLOPs per image of one D+G step of an MLP GAN, as the classic loop does it (F = 2 x MACs of a forward).

    G forward once (F_G), shared by both steps. D step: D forward on real and fake (2 F_D), backward (4 F_D).
    G step: D forward (F_D), backward through D (2 F_D), G backward (2 F_G). Total 3 F_G + 9 F_D: 18.5 MFLOP for
    the mnist-mlp-classic model. Ours skips D's weight gradients in G's step (F_D less), but both loops are
    measured against this same workload.
    """
    macs = lambda w: sum(a * b for a, b in zip(w[:-1], w[1:], strict=True))
    return 3 * 2 * macs(g_widths) + 9 * 2 * macs(d_widths)


def matmul_gflops(n: int = 1024, seconds: float = 2.0) -> float:
    """Sustained float32 GFLOP/s of an n x n matmul with the current thread count."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(3):
        a @ b
    count, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ b
        count += 1
    return 2 * n**3 * count / (time.perf_counter() - t0) / 1e9


def model_gemms(g_widths: list[int], d_widths: list[int], batch: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The operand pairs of every matrix multiply of one full D+G step of an MLP GAN, laid out as autograd issues
    them for ``nn.Linear`` (weight ``(out, in)``): per layer a forward ``x @ W.T``, an input gradient ``g @ W`` and
    a weight gradient ``g.T @ x``, all on ``batch`` rows; once for G, three times for D (real, fake, G's step).
    Their FLOPs are ``step_flops`` exactly."""
    pairs = []
    for widths, times in ((g_widths, 1), (d_widths, 3)):
        for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
            w, x, g = torch.randn(n_out, n_in), torch.randn(batch, n_in), torch.randn(batch, n_out)
            pairs += [(x, w.t()), (g, w), (g.t(), x)] * times
    return pairs


def model_gemm_seconds(pairs: list[tuple[torch.Tensor, torch.Tensor]], seconds: float = 2.0) -> float:
    """Seconds one pass over ``pairs`` takes (best of passes of about 0.1 s over ``seconds``)."""
    for a, b in pairs:
        a @ b
    best, t_end = math.inf, time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        count, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < 0.1:
            for a, b in pairs:
                a @ b
            count += 1
        best = min(best, (time.perf_counter() - t0) / count)
    return best


def classic_models():
    g = nn.Sequential(nn.Linear(100, 256), nn.LeakyReLU(0.2), nn.Linear(256, 512), nn.LeakyReLU(0.2),
                      nn.Linear(512, 1024), nn.LeakyReLU(0.2), nn.Linear(1024, 784), nn.Tanh())
    d = nn.Sequential(nn.Linear(784, 512), nn.LeakyReLU(0.2), nn.Linear(512, 256), nn.LeakyReLU(0.2),
                      nn.Linear(256, 1), nn.Sigmoid())
    return g, d


def classic_loop(images_uint8: torch.Tensor, batch_size: int, seconds: float) -> float:
    """Images per second of the tutorial loop on ``images_uint8`` ``(N, 28, 28)``."""
    from PIL import Image
    from torch.utils.data import DataLoader, Dataset
    from torchvision import transforms

    class PILImages(Dataset):  # what torchvision.datasets.FashionMNIST.__getitem__ does
        def __init__(self, data):
            self.data = data.numpy()
            self.transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])

        def __len__(self):
            return len(self.data)

        def __getitem__(self, i):
            return self.transform(Image.fromarray(self.data[i], mode="L")), 0

    torch.manual_seed(0)
    g, d = classic_models()
    loader = DataLoader(PILImages(images_uint8), batch_size=batch_size, shuffle=True, drop_last=True)
    criterion = nn.BCELoss()
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    images, t0, warm = 0, None, 5
    while True:
        for real, _ in loader:
            real = real.view(real.size(0), -1)
            ones, zeros = torch.ones(real.size(0), 1), torch.zeros(real.size(0), 1)
            opt_d.zero_grad()
            z = torch.randn(real.size(0), 100)
            fake = g(z)
            d_loss = criterion(d(real), ones) + criterion(d(fake.detach()), zeros)
            d_loss.backward()
            opt_d.step()
            opt_g.zero_grad()
            g_loss = criterion(d(fake), ones)
            g_loss.backward()
            opt_g.step()
            d_loss.item(), g_loss.item()
            if warm:
                warm -= 1
                t0 = time.perf_counter()
                continue
            images += real.size(0)
            if time.perf_counter() - t0 >= seconds:
                return images / (time.perf_counter() - t0)


def our_loop(config, data, seconds: float, foreach: bool = False) -> float:
    """Images per second of ``Trainer`` (real images consumed per second, like the classic loop).

    ``foreach``: the optimisers use foreach kernels instead of the fused Adam ``Trainer`` picks on CPU/CUDA."""
    from gan_core.trainer import Trainer

    tr = Trainer(config, data=data, device="cpu" if config.device == "auto" else None)
    if foreach:
        for opt in (tr.opt_d, tr.opt_g):
            for group in opt.param_groups:
                group.update(fused=None, foreach=True)
    for _ in range(5):
        tr.step(sync=False)
    steps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        tr.step(sync=(steps + 1) % config.log_every == 0)
        steps += 1
    return steps * config.batch_size / (time.perf_counter() - t0)


def run_bench(seconds: float = 8.0, batch_size: int = 64, threads: int = 0, model: str = "both") -> dict:
    """The benchmark behind ``python -m gan_core bench``; returns the JSON result."""
    from gan_core.config import load_preset
    from gan_core.data.builtin import load_dataset
    from gan_core.data.dataset import DatasetUnavailable
    from gan_core.device import default_threads

    torch.set_num_threads(threads or default_threads())
    try:
        data = load_dataset("fashion_mnist", download=False)
    except DatasetUnavailable:
        data = None
    if data is None or data.x.shape[-1] != 28:
        raise ValueError("bench needs Fashion-MNIST offline: install Debian's dataset-fashion-mnist or put the "
                         "IDX files in a data_root")
    raw = ((data.x[:20000, 0] + 1) * 127.5).round().to(torch.uint8)
    small = type(data)(**{**data.__dict__, "x": data.x[:20000], "y": data.y[:20000]})
    result: dict = {"dataset": data.name, "threads": torch.get_num_threads(), "batch_size": batch_size,
                    "seconds_each": seconds}
    gflops = matmul_gflops()
    result["matmul_gflops"] = round(gflops, 1)
    if model in ("mlp", "both"):
        cfg = load_preset("mnist-mlp-classic").replace(dataset="fashion_mnist", batch_size=batch_size, device="cpu")
        g_widths, d_widths = [cfg.latent_dim, *cfg.g_hidden, 784], [784, *cfg.d_hidden, 1]
        flops = step_flops(g_widths, d_widths)
        pairs = {b: model_gemms(g_widths, d_widths, b) for b in (batch_size, 256)}
        gemm_s = {b: model_gemm_seconds(p) for b, p in pairs.items()}
        classic = classic_loop(raw, batch_size, seconds)
        ours = our_loop(cfg, small, seconds)
        foreach = our_loop(cfg, small, seconds, foreach=True)
        big = our_loop(cfg.replace(batch_size=256), small, seconds)
        # the bound is timed before and after the loops: the faster time counts
        bound = {b: b / min(t, model_gemm_seconds(pairs[b])) for b, t in gemm_s.items()}
        large_bound = gflops * 1e9 / flops
        result["mlp"] = {"mflop_per_image": round(flops / 1e6, 2), "classic_images_per_second": round(classic),
                         "ours_images_per_second": round(ours), "speedup": round(ours / classic, 2),
                         "model_matmul_gflops": round(flops * bound[batch_size] / 1e9, 1),
                         "bound_images_per_second": round(bound[batch_size]),
                         "classic_fraction_of_bound": round(classic / bound[batch_size], 3),
                         "ours_fraction_of_bound": round(ours / bound[batch_size], 3),
                         "ours_fraction_of_large_matmul_bound": round(ours / large_bound, 3),
                         "ours_foreach_adam_images_per_second": round(foreach),
                         "ours_batch256_images_per_second": round(big),
                         "model_matmul_gflops_batch256": round(flops * bound[256] / 1e9, 1),
                         "ours_batch256_fraction_of_bound": round(big / bound[256], 3),
                         "ours_batch256_fraction_of_large_matmul_bound": round(big / large_bound, 3)}
    if model in ("dcgan", "both"):
        cfg = load_preset("fashion-dcgan").replace(device="cpu")
        result["dcgan"] = {"batch_size": cfg.batch_size, "dcgan_width": cfg.dcgan_width,
                           "images_per_second": round(our_loop(cfg, small, seconds))}
    return result
