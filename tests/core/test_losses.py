import math

import pytest
import torch
from torch import nn

from gan_core import losses
from gan_core.config import LOSSES


@pytest.mark.parametrize("loss", LOSSES)
def test_every_loss_is_finite_and_differentiable(loss):
    # logits between the targets, where every objective has an unambiguous direction
    d_real = (-0.5 + 0.2 * torch.rand(16)).requires_grad_(True)
    d_fake = (0.3 + 0.2 * torch.rand(16)).requires_grad_(True)
    ld = losses.d_loss(loss, d_real, d_fake)
    lg = losses.g_loss(loss, d_fake)
    assert torch.isfinite(ld) and torch.isfinite(lg)
    gr, gf = torch.autograd.grad(ld, [d_real, d_fake])
    # D wants real logits up and fake logits down
    assert gr.sum() < 0 and gf.sum() > 0
    (g,) = torch.autograd.grad(lg, d_fake)
    assert g.sum() < 0  # G wants D's logit on fakes up


def test_bce_values_at_zero_logits():
    zero = torch.zeros(4)
    assert math.isclose(losses.d_loss("nonsaturating", zero, zero).item(), 2 * math.log(2), rel_tol=1e-6)
    assert math.isclose(losses.g_loss("nonsaturating", zero).item(), math.log(2), rel_tol=1e-6)
    assert math.isclose(losses.g_loss("minimax", zero).item(), -math.log(2), rel_tol=1e-6)


def test_saturating_generator_gradient_vanishes_when_d_wins():
    # Lesson 2: with D confident that fakes are fake (logit -8), log(1 - D(G(z))) barely moves G
    d_fake = torch.full((8,), -8.0, requires_grad=True)
    (sat,) = torch.autograd.grad(losses.g_loss("minimax", d_fake), d_fake)
    (nonsat,) = torch.autograd.grad(losses.g_loss("nonsaturating", d_fake), d_fake)
    assert sat.abs().mean() < 1e-3 * nonsat.abs().mean()


def test_one_sided_label_smoothing_only_moves_real_target():
    big = torch.full((4,), 10.0)
    plain = losses.d_loss("nonsaturating", big, -big)
    smooth = losses.d_loss("nonsaturating", big, -big, label_smoothing=0.1)
    assert smooth > plain + 0.5  # a confident real logit is now penalised
    fake_only = losses.d_loss("nonsaturating", torch.zeros(4), -big, 0.1) - losses.d_loss(
        "nonsaturating", torch.zeros(4), -big)
    assert abs(fake_only.item()) < 1e-6  # at logit 0 both targets cost log 2: fakes unaffected


def test_gradient_penalty_is_zero_for_unit_gradient_critic():
    critic = nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[0.6, 0.8]]))  # |grad| == 1 everywhere
    gp = losses.gradient_penalty(lambda x: critic(x).squeeze(1), torch.randn(32, 2), torch.randn(32, 2))
    assert gp.item() < 1e-10
    with torch.no_grad():
        critic.weight.mul_(3)
    gp = losses.gradient_penalty(lambda x: critic(x).squeeze(1), torch.randn(32, 2), torch.randn(32, 2))
    assert math.isclose(gp.item(), 4.0, rel_tol=1e-5)


def test_instance_noise_and_d_output():
    x = torch.zeros(1000)
    assert torch.equal(losses.instance_noise(x, 0.0), x)
    assert 0.4 < losses.instance_noise(x, 0.5).std().item() < 0.6
    assert torch.allclose(losses.d_output("nonsaturating", torch.zeros(3)), torch.full((3,), 0.5))
    assert torch.equal(losses.d_output("wgan", torch.ones(3)), torch.ones(3))
