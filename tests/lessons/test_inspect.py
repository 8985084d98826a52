"""gan_core.lessons.features and gan_core.lessons.latent: D's features, projections, the probe, one update on a copy,
interpolation, the latent mesh and GIFs. Tiny seeded models on the CPU."""
import io

import numpy as np
import pytest
import torch

from gan_core import TrainConfig, Trainer, TrainingSession, load_preset
from gan_core.lessons import features as gi
from gan_core.lessons import latent as gl
from gan_core.models import build_discriminator


@pytest.fixture(scope="module")
def quad():
    """The lesson-1 setup (quadratic, D's last hidden layer of 2), shrunk and trained 300 steps."""
    cfg = load_preset("quadratic-classic").replace(device="cpu", n_points=2000, seed=3)
    tr = Trainer(cfg)
    for _ in range(300):
        tr.step(sync=False)
    return tr


def _x(shape, n=5):
    return torch.randn(n, *shape, generator=torch.Generator().manual_seed(0))


# ---- feature extraction ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kw, shape, width", [
    (dict(d_hidden=[16, 16], d_feature_dim=2), (2,), 2),          # lesson 1: a plottable plane
    (dict(d_hidden=[32, 24]), (2,), 24),                          # the last hidden layer
    (dict(d_hidden=[32], d_feature_dim=3, conditional=True), (1, 8, 8), 3),
    (dict(model="dcgan", dcgan_width=8), (1, 8, 8), 8 * 4 * 4),   # 8x8 -> one strided conv -> 4x4x8
    (dict(model="dcgan", dcgan_width=8), (1, 28, 28), 16 * 7 * 7),
    (dict(model="dcgan", dcgan_width=8, d_feature_dim=2), (1, 28, 28), 2),
])
def test_feature_shapes_mlp_and_dcgan(kw, shape, width):
    cfg = TrainConfig(**kw)
    classes = 10 if kw.get("conditional") else 0
    disc = build_discriminator(cfg, shape, classes).train()
    y = torch.arange(5) % 10 if classes else None
    feats = gi.d_features(disc, _x(shape), y, batch=2)  # several batches
    assert feats.shape == (5, width) and feats.dtype == np.float32
    assert disc.training, "train mode restored"
    assert all(p.grad is None for p in disc.parameters())


# ---- projection and probe -------------------------------------------------------------------------------
def test_pca_2d_orients_real_positive_and_is_orthonormal():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(200, 6)) + np.array([3, 0, 0, 0, 0, 0.5])
    fake = rng.normal(size=(100, 6))
    pr, pf, comps = gi.pca_2d(real, fake)
    assert pr.shape == (200, 2) and pf.shape == (100, 2) and comps.shape == (2, 6)
    np.testing.assert_allclose(comps @ comps.T, np.eye(2), atol=1e-9)
    assert (pr.mean(0) >= pf.mean(0)).all()        # real on the right and on top
    assert abs(comps[0, 0]) > 0.9                   # the first axis is the separating one
    pr2, _, _ = gi.pca_2d(-real, -fake)             # mirrored data: the same picture
    np.testing.assert_allclose(pr2, pr, atol=1e-9)


def test_linear_probe_separable_vs_mixed_and_deterministic():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(256, 32)), rng.normal(size=(256, 32))
    assert abs(gi.linear_probe_accuracy(a, b) - 0.5) < 0.1                   # same distribution
    assert gi.linear_probe_accuracy(a + 1.0, b) > 0.97                       # shifted: separable
    assert gi.linear_probe_accuracy(a + 0.3, b, seed=2) == gi.linear_probe_accuracy(a + 0.3, b, seed=2)
    dead = np.concatenate([a, np.zeros((256, 4))], 1), np.concatenate([b, np.zeros((256, 4))], 1)
    assert 0.0 <= gi.linear_probe_accuracy(*dead) <= 1.0                     # dead units do not break it
    with pytest.raises(ValueError, match="4 samples"):
        gi.linear_probe_accuracy(a[:3], b)


# ---- one update on a private copy -------------------------------------------------------------------------
def _state(tr):
    return ({k: v.clone() for k, v in {**tr.generator.state_dict(),
                                       **{"D." + k: v for k, v in tr.discriminator.state_dict().items()}}.items()},
            [None if p.grad is None else p.grad.clone() for p in [*tr.generator.parameters(),
                                                                  *tr.discriminator.parameters()]],
            tr.rng.get_state().clone(), tr.step_count, tr.generator.training, tr.discriminator.training,
            str(tr.opt_g.state_dict()["state"][0]["square_avg"].sum().item()))


def test_generator_update_moves_fake_centroid_towards_real_and_leaves_real_alone(quad):
    before = _state(quad)
    effect = gi.update_effect(quad, "g", steps=1)
    assert effect.real_before.shape == effect.fake_after.shape == (256, 2)
    assert effect.real_moved == 0.0                        # D did not change: real features are identical
    assert effect.gap_after < effect.gap_before            # the fake centroid moved towards the real one
    c = effect.centroids()
    assert np.linalg.norm(c["fake_after"] - c["fake_before"]) > 0
    ten = gi.update_effect(quad, "g", steps=10)
    assert ten.real_moved == 0.0 and ten.gap_after < effect.gap_after   # ten updates: further still
    after = _state(quad)                                   # the inspected trainer is untouched
    assert all(torch.equal(before[0][k], after[0][k]) for k in before[0])
    assert all((g0 is None and g1 is None) or torch.equal(g0, g1) for g0, g1 in zip(before[1], after[1], strict=True))
    assert torch.equal(before[2], after[2]) and before[3:] == after[3:]


def test_discriminator_update_moves_both_and_is_deterministic(quad):
    e1, e2 = gi.update_effect(quad, "d", seed=4), gi.update_effect(quad, "d", seed=4)
    assert e1.real_moved > 0                               # D changed: real features move too
    np.testing.assert_array_equal(e1.fake_after, e2.fake_after)
    with pytest.raises(ValueError, match="part="):
        gi.update_effect(quad, "x")
    with pytest.raises(ValueError, match="steps="):
        gi.update_effect(quad, "g", steps=0)


def test_update_effect_on_a_live_session(tmp_path):
    cfg = load_preset("quadratic-classic").replace(device="cpu", n_points=1000, max_steps=100_000, threads=1)
    sess = TrainingSession(cfg, run_dir=tmp_path / "run").start()
    try:
        deadline = __import__("time").time() + 20
        while sess.snapshot().step < 20 and __import__("time").time() < deadline:
            __import__("time").sleep(0.05)
        effect = gi.update_effect(sess, "g")              # copied under the step lock while it trains
        assert effect.real_moved == 0.0 and effect.step >= 20
        assert sess.snapshot().state == "running"
    finally:
        sess.stop()


def test_frozen_copy_needs_a_started_session(tmp_path):
    sess = TrainingSession(TrainConfig(device="cpu"), run_dir=tmp_path / "idle")
    with pytest.raises(ValueError, match="not started"):
        gi.frozen_copy(sess)


def test_probe_history_over_views(quad):
    steps, acc = gi.probe_history([quad.view(), quad.view()])
    assert steps.tolist() == [300, 300] and acc.shape == (2,) and ((0 <= acc) & (acc <= 1)).all()


# ---- interpolation ------------------------------------------------------------------------------------------
def test_lerp_and_slerp_endpoints_and_norms():
    g = torch.Generator().manual_seed(0)
    z0, z1 = torch.randn(64, generator=g), torch.randn(64, generator=g)
    z1 = z1 * z0.norm() / z1.norm()                        # equal norms
    t = torch.linspace(0, 1, 11)
    for f in (gl.lerp, gl.slerp):
        path = f(z0, z1, t)
        assert path.shape == (11, 64)
        torch.testing.assert_close(path[0], z0)
        torch.testing.assert_close(path[-1], z1)
    norms = gl.slerp(z0, z1, t).norm(dim=1)
    torch.testing.assert_close(norms, torch.full_like(norms, z0.norm().item()), rtol=1e-5, atol=1e-5)
    assert gl.lerp(z0, z1, t)[5].norm() < 0.8 * z0.norm()   # the straight line cuts through the low-norm middle
    for other in (z0 * 2.0, z0 + 1e-9, -z0):              # (anti)parallel: no NaN, endpoints kept
        path = gl.slerp(z0, other, t)
        assert torch.isfinite(path).all()
        torch.testing.assert_close(path[-1], other)


def test_interpolate_grid_mesh_and_gif(quad):
    z0, z1 = gl.latent_batch(quad, 2, seed=1)
    pts = gl.interpolate(quad, z0, z1, n=7, mode="lerp")
    assert pts.shape == (7, 2)
    torch.testing.assert_close(pts[0], gl.generate(quad, z0[None])[0])
    with pytest.raises(ValueError, match="mode="):
        gl.interpolate(quad, z0, z1, mode="cubic")
    z, x = gl.latent_mesh(quad, n=9)
    assert z.shape == x.shape == (9, 9, 2) and np.isfinite(x).all()
    frames = gl.points_frames(pts.numpy(), quad.data.x[:500].cpu().numpy(), quad.data.bounds, size=64)
    assert frames.shape == (7, 3, 64, 64) and frames.min() >= -1 and frames.max() <= 1
    gif = gl.gif_bytes(frames)
    assert gif[:6] == b"GIF89a"
    from PIL import Image

    assert Image.open(io.BytesIO(gif)).n_frames == 12     # 7 forwards, 5 back
    with pytest.raises(ValueError, match="class_noise_grid"):
        gl.class_noise_grid(quad)


def test_conditional_class_noise_grid_and_1d_mesh():
    cfg = TrainConfig.for_dataset("digits", conditional=True, g_hidden=[16], d_hidden=[16], latent_dim=4,
                                  device="cpu")
    tr = gi.frozen_copy(Trainer(cfg))
    grid = gl.class_noise_grid(tr, n_noise=3, seed=0)
    assert grid.shape == (30, 1, 8, 8) and grid.abs().max() <= 1
    with pytest.raises(ValueError, match="latent_mesh"):
        gl.latent_mesh(tr)
    strip = gl.interpolate(tr, *gl.latent_batch(tr, 2), n=5, mode="slerp", label=7)
    assert strip.shape == (5, 1, 8, 8)
    line = Trainer(TrainConfig(dataset="ring8", latent_dim=1, g_hidden=[8], d_hidden=[8], n_points=500,
                               device="cpu"))
    z, x = gl.latent_mesh(line, n=11)
    assert z.shape == (11, 1) and x.shape == (11, 2)
