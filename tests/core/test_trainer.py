import math

import pytest
import torch

from gan_core.config import TrainConfig
from gan_core.trainer import METRIC_KEYS, Trainer


def tiny(dataset="ring8", **kw) -> TrainConfig:
    base = dict(g_hidden=[32, 32], d_hidden=[32, 32], n_points=2000, batch_size=64, loss="nonsaturating",
                d_steps=1, lr_g=1e-3, lr_d=1e-3, beta2=0.999)
    return TrainConfig.for_dataset(dataset, **{**base, **kw})


def test_step_returns_every_metric_as_float():
    metrics = Trainer(tiny()).step()
    assert set(METRIC_KEYS) <= set(metrics)
    assert all(isinstance(v, float) and math.isfinite(v) for v in metrics.values())
    assert 0 <= metrics["d_real"] <= 1 and 0 <= metrics["d_fake"] <= 1


def test_same_seed_same_first_losses_and_other_seed_differs():
    a = [Trainer(tiny(seed=3)).step()["loss_d"] for _ in range(2)]
    assert a[0] == a[1]
    t1, t2 = Trainer(tiny(seed=3)), Trainer(tiny(seed=3))
    assert [t1.step() for _ in range(5)] == [t2.step() for _ in range(5)]
    assert Trainer(tiny(seed=4)).step()["loss_d"] != a[0]


def test_discriminator_alone_learns_to_separate():
    tr = Trainer(tiny())
    first = tr.step(part="d")["loss_d"]
    for _ in range(150):
        last = tr.step(part="d")
    assert last["loss_d"] < 0.6 * first
    assert last["d_real"] > 0.7 and last["d_fake"] < 0.3


def test_generator_step_leaves_discriminator_untouched():
    tr = Trainer(tiny())
    before = [p.detach().clone() for p in tr.discriminator.parameters()]
    tr.step(part="g")
    assert all(torch.equal(a, b) for a, b in zip(before, tr.discriminator.parameters(), strict=True))
    assert all(p.grad is None for p in tr.discriminator.parameters())


@pytest.mark.parametrize("loss", ["minimax", "nonsaturating", "wgan", "wgan_gp", "hinge", "lsgan"])
def test_every_loss_trains_without_nan(loss):
    tr = Trainer(tiny(loss=loss, d_steps=2))
    for _ in range(20):
        m = tr.step()
    assert all(math.isfinite(v) for v in m.values())


def test_wgan_weight_clipping_holds():
    tr = Trainer(tiny(loss="wgan", clip_value=0.05, lr_d=0.1, optimizer_d="rmsprop"))
    for _ in range(5):
        tr.step()
    assert max(p.abs().max().item() for p in tr.discriminator.parameters()) <= 0.05 + 1e-7


def test_live_changes_reach_the_optimiser():
    tr = Trainer(tiny())
    diff = tr.apply_changes(lr_d=5e-4, beta1=0.9, batch_size=32, dropout_d=0.2)
    assert diff["lr_d"] == (1e-3, 5e-4)
    assert tr.opt_d.param_groups[0]["lr"] == 5e-4
    assert tr.opt_d.param_groups[0]["betas"][0] == 0.9
    assert tr.batcher.batch_size == 32
    with pytest.raises(ValueError, match="latent_dim cannot change"):
        tr.apply_changes(latent_dim=8)
    with pytest.raises(ValueError, match="lr_g"):
        tr.apply_changes(lr_g=-1.0)
    assert tr.config.lr_g == 1e-3  # nothing applied


def test_lr_decay_every_thousand_steps():
    tr = Trainer(tiny(lr_decay=0.5, n_points=200, batch_size=8, g_hidden=[4], d_hidden=[4]))
    for _ in range(1000):
        tr.step(sync=False)
    assert tr.opt_g.param_groups[0]["lr"] == pytest.approx(5e-4)


def test_ema_generator_and_state_round_trip():
    tr = Trainer(tiny(ema=0.9))
    for _ in range(3):
        tr.step()
    state = tr.state_dict()
    other = Trainer(tiny(ema=0.9, seed=9))
    other.load_state_dict(state)
    assert other.step_count == 3
    z = torch.randn(4, tr.config.latent_dim)
    assert torch.allclose(tr.generate(z), other.generate(z))


def test_conditional_needs_labels_and_honours_them():
    with pytest.raises(ValueError, match="labelled"):
        Trainer(tiny("quadratic", conditional=True))
    tr = Trainer(tiny("digits", conditional=True, batch_size=16))
    tr.step()
    x = tr.sample(10, seed=0, labels=torch.arange(10))
    assert x.shape == (10, 1, 8, 8)


def test_ring8_default_covers_the_ring_sharply_and_quickly():
    """The default ring8 setup with the default seed: every mode and most samples high quality within 2,000
    steps (~12 s of one CPU thread; the old WGAN-GP default had 0.34 high quality there, and with Adam's beta1 0.5
    this seed held only 6 of the 8 modes)."""
    from gan_core.metrics import mode_stats

    tr = Trainer(TrainConfig.for_dataset("ring8"))
    for _ in range(2000):
        tr.step(sync=False)
    stats = mode_stats(tr.sample(2000, seed=0).numpy(), tr.data.modes.numpy(), tr.data.mode_std)
    assert stats["modes_covered"] == 8, stats
    assert stats["hq_fraction"] >= 0.6, stats


def test_ring8_collapse_preset_drops_modes_the_default_keeps():
    """Lesson 5: the collapse preset loses modes that the default keeps (same number of G updates)."""
    from gan_core.config import load_preset
    from gan_core.metrics import mode_stats

    tr = Trainer(load_preset("ring8-collapse"))
    for _ in range(3000):
        tr.step(sync=False)
    stats = mode_stats(tr.sample(2000, seed=0).numpy(), tr.data.modes.numpy(), tr.data.mode_std)
    assert stats["modes_covered"] <= 7, stats


def test_views_for_points_and_images():
    v = Trainer(tiny()).view()
    assert v.kind == "points" and v.real.shape[1] == 2 and v.logits.shape == (v.grid_y.size, v.grid_x.size)
    assert v.grad.shape == v.fake.shape
    v = Trainer(tiny("digits", batch_size=16)).view()
    assert v.kind == "images" and v.png.startswith(b"\x89PNG")


def test_wgan_gp_with_minibatch_std_stays_finite():
    """A dead ReLU unit has zero spread over the batch: the std's root needs its eps, or the penalty is NaN."""
    tr = Trainer(tiny(loss="wgan_gp", minibatch_std=True, d_steps=2))
    with torch.no_grad():
        last = [m for m in tr.discriminator.body if isinstance(m, torch.nn.Linear)][-1]
        last.bias.fill_(-50.0)   # every unit of the last hidden layer dead on the batch
    for _ in range(5):
        metrics = tr.step()
    assert all(math.isfinite(v) for v in metrics.values()), metrics
    assert all(torch.isfinite(p).all() for p in tr.discriminator.parameters())


def test_live_momentum_on_rmsprop_and_dropout_switched_on_while_training():
    tr = Trainer(tiny("quadratic", optimizer_g="rmsprop", optimizer_d="rmsprop", momentum=0.0))
    tr.step()
    tr.apply_changes(momentum=0.9, dropout_d=0.5)  # RMSprop was built without momentum buffers
    before = [p.detach().clone() for p in tr.generator.parameters()]
    assert all(math.isfinite(v) for v in tr.step().values())
    assert any(not torch.equal(a, b) for a, b in zip(before, tr.generator.parameters(), strict=True))
    assert all("momentum_buffer" in tr.opt_d.state[p] for p in tr.discriminator.parameters())
    x = tr.data.x[:256]
    tr.discriminator.train()
    assert not torch.equal(tr.discriminator(x), tr.discriminator(x))  # dropout now acts in train mode


def test_ema_copy_follows_the_generators_batch_norm_statistics():
    tr = Trainer(tiny("digits", batch_size=16, batchnorm_g=True, ema=0.99))
    for _ in range(3):
        tr.step()
    pairs = list(zip(tr.ema_generator.buffers(), tr.generator.buffers(), strict=True))
    assert pairs and all(torch.equal(e, g) for e, g in pairs)
    assert any(float(b.float().abs().sum()) > 0 for b, _ in pairs if b.dtype.is_floating_point)


def test_a_checkpoint_brings_back_the_live_settings_it_was_saved_with():
    tr = Trainer(tiny(ema=0.9))
    tr.step()
    tr.apply_changes(lr_g=3e-4, ema=0.0)  # changed while training: config.json still says ema 0.9
    tr.step()
    other = Trainer(tiny(ema=0.9, seed=9))
    other.load_state_dict(tr.state_dict())
    assert other.config.lr_g == 3e-4 and other.opt_g.param_groups[0]["lr"] == 3e-4
    assert other.ema_generator is None
    z = torch.randn(8, tr.config.latent_dim)
    assert torch.allclose(tr.generate(z), other.generate(z))


def test_conditional_points_view():
    v = Trainer(tiny(conditional=True)).view()  # ring8's labels are its modes
    assert v.kind == "points" and v.feat_fake.shape[0] == v.feat_real.shape[0]


def test_checkpoints_numbered_before_d_always_held_dropout_layers_still_load():
    for dataset, seq in (("ring8", "body"), ("digits", "conv")):
        tr = Trainer(tiny(dataset, batch_size=16, **({"model": "dcgan"} if seq == "conv" else {})))
        tr.step()
        state = tr.state_dict()
        layers = sorted({int(k.split(".")[1]) for k in state["discriminator"] if k.startswith(seq + ".")})
        old = dict(zip(layers, range(0, 2 * len(layers), 2), strict=True))  # Linear/Conv, activation, next...
        state["discriminator"] = {(f"{seq}.{old[int(k.split('.')[1])]}." + k.split(".", 2)[2]
                                   if k.startswith(seq + ".") else k): v for k, v in state["discriminator"].items()}
        other = Trainer(tiny(dataset, batch_size=16, seed=5, **({"model": "dcgan"} if seq == "conv" else {})))
        other.load_state_dict(state)
        x = tr.data.x[:8]
        tr.discriminator.eval(), other.discriminator.eval()
        assert torch.allclose(tr.discriminator(x), other.discriminator(x))
