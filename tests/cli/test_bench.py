"""The speed benchmark's bound: its FLOP count and the matrix multiplies it times are those of a real D+G step."""
import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode  # noqa: PLC2701 (torch has no public dispatch-mode import)

from gan_core.cli.bench import classic_models, model_gemms, step_flops

G_WIDTHS, D_WIDTHS = [100, 256, 512, 1024, 784], [784, 512, 256, 1]


class MatmulShapes(TorchDispatchMode):
    """Records (m, k, n) of every mm/addmm dispatched."""

    def __init__(self):
        super().__init__()
        self.shapes = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func in (torch.ops.aten.mm.default, torch.ops.aten.addmm.default):
            a, b = args[-2], args[-1]
            self.shapes.append((a.shape[0], a.shape[1], b.shape[1]))
        return func(*args, **(kwargs or {}))


def test_step_flops_is_the_issues_figure_and_the_timed_matmuls_add_up_to_it():
    flops = step_flops(G_WIDTHS, D_WIDTHS)
    assert abs(flops / 1e6 - 18.5) < 0.05
    pairs = model_gemms(G_WIDTHS, D_WIDTHS, batch=64)
    assert sum(2 * a.shape[0] * a.shape[1] * b.shape[1] for a, b in pairs) == 64 * flops


def test_the_bound_times_every_matmul_a_classic_step_issues():
    """The classic loop's own step, recorded: each of its matmul shapes is among the timed ones, and the timed set
    does at least its work (it also counts the input gradients autograd skips)."""
    torch.manual_seed(0)
    g, d = classic_models()
    batch, bce = 8, nn.BCELoss()
    real = torch.rand(batch, 784) * 2 - 1
    opt_d, opt_g = torch.optim.Adam(d.parameters()), torch.optim.Adam(g.parameters())
    with MatmulShapes() as rec:
        fake = g(torch.randn(batch, 100))
        loss_d = bce(d(real), torch.ones(batch, 1)) + bce(d(fake.detach()), torch.zeros(batch, 1))
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = bce(d(fake), torch.ones(batch, 1))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
    timed = [(a.shape[0], a.shape[1], b.shape[1]) for a, b in model_gemms(G_WIDTHS, D_WIDTHS, batch)]
    assert rec.shapes and set(rec.shapes) <= set(timed)
    work = lambda shapes: sum(2 * m * k * n for m, k, n in shapes)
    assert work(rec.shapes) <= work(timed)
    assert work(rec.shapes) > 0.8 * work(timed)
