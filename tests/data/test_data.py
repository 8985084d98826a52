"""gan_core.data: toy definitions, image sets from local files, user files, Batcher. CPU, no downloads."""
from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gan_core.config import DATASETS
from gan_core.data import builtin as data
from gan_core.data.builtin import load_dataset
from gan_core.data.dataset import Batcher, Dataset, DatasetUnavailable

TOYS = ("ring8", "grid25", "spiral", "quadratic", "two_curves")


@pytest.fixture(autouse=True)
def empty_data_home(tmp_path_factory, monkeypatch):
    """Point the default data dir at an empty folder so a developer's own cache never changes a result."""
    monkeypatch.setenv("GAN_DATA_DIR", str(tmp_path_factory.mktemp("home")))


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array in the IDX format (gzipped when the name ends in .gz)."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)


# ---- toy sets ---------------------------------------------------------------------------------------
def test_descriptions_cover_every_config_dataset():
    assert set(data.DESCRIPTIONS) == set(DATASETS)
    assert all(isinstance(v, str) and 10 < len(v) < 120 for v in data.DESCRIPTIONS.values())


def test_unknown_dataset_raises_naming_it():
    with pytest.raises(ValueError, match="nope"):
        load_dataset("nope")


@pytest.mark.parametrize("name", TOYS)
def test_toy_shape_dtype_bounds(name):
    d = load_dataset(name, n_points=3000, seed=1)
    assert d.kind == "points" and d.name == name and d.source == "generated"
    assert d.x.shape == (3000, 2) and d.x.dtype == torch.float32 and torch.isfinite(d.x).all()
    assert d.item_shape == (2,)
    xmin, xmax, ymin, ymax = d.bounds
    assert xmin < d.x[:, 0].min() and d.x[:, 0].max() < xmax
    assert ymin < d.x[:, 1].min() and d.x[:, 1].max() < ymax
    if d.y is not None:
        assert d.y.shape == (3000,) and d.y.dtype == torch.int64
        assert d.num_classes == len(d.class_names) == int(d.y.max()) + 1
    # O(10) at most: every toy set fits a box a small MLP can learn without normalisation.
    assert d.x.abs().max() < 25


@pytest.mark.parametrize("name", TOYS)
def test_toy_seeded_reproducible(name):
    a, b = load_dataset(name, n_points=500, seed=3), load_dataset(name, n_points=500, seed=3)
    assert torch.equal(a.x, b.x)
    assert not torch.equal(a.x, load_dataset(name, n_points=500, seed=4).x)
    assert not torch.equal(a.x, load_dataset(name, n_points=500, seed=3, train=False).x)


def test_ring8_radius_and_mode_std():
    d = load_dataset("ring8", n_points=16000, seed=0)
    assert d.mode_std == 0.02 and d.modes.shape == (8, 2) and d.num_classes == 8
    assert torch.allclose(d.modes.norm(dim=1), torch.full((8,), 2.0), atol=1e-6)
    angles = torch.atan2(d.modes[:, 1], d.modes[:, 0]).sort().values
    assert torch.allclose(angles.diff(), torch.full((7,), 2 * math.pi / 8), atol=1e-5)  # evenly spaced
    assert abs(float(d.x.norm(dim=1).mean()) - 2.0) < 0.005
    nearest = torch.cdist(d.x, d.modes).argmin(1)
    assert torch.equal(nearest, d.y)
    for k in range(8):
        offsets = d.x[nearest == k] - d.modes[k]
        assert 1800 < len(offsets) < 2200
        assert offsets.mean(0).abs().max() < 0.003
        assert torch.allclose(offsets.std(0), torch.full((2,), 0.02), rtol=0.08)


def test_grid25_means_match_centres():
    d = load_dataset("grid25", n_points=25000, seed=0)
    centres = torch.tensor([(a, b) for a in (-4, -2, 0, 2, 4) for b in (-4, -2, 0, 2, 4)], dtype=torch.float32)
    assert d.mode_std == 0.05 and d.num_classes == 25
    assert torch.equal(d.modes[torch.argsort(d.modes[:, 0] * 100 + d.modes[:, 1])], centres)
    nearest = torch.cdist(d.x, d.modes).argmin(1)
    for k in range(25):
        pts = d.x[nearest == k]
        assert len(pts) > 800
        assert torch.allclose(pts.mean(0), d.modes[k], atol=0.01)
        assert torch.allclose(pts.std(0), torch.full((2,), 0.05), rtol=0.1)


def test_quadratic_and_two_curves_shapes():
    q = load_dataset("quadratic", n_points=2000)
    assert (q.x[:, 1] - 10 - q.x[:, 0] ** 2).abs().mean() < 0.3
    assert q.x[:, 1].min() > 9 and q.x[:, 1].max() < 21 and q.y is None and q.modes is None
    t = load_dataset("two_curves", n_points=2000)
    assert t.num_classes == 2 and set(t.y.tolist()) == {0, 1}
    assert abs(float(t.y.float().mean()) - 0.5) < 1e-6
    s = load_dataset("spiral", n_points=2000)
    assert 1.2 < float(s.x.norm(dim=1).max()) < 2.6


def test_dataset_to_and_frozen():
    d = load_dataset("ring8", n_points=100)
    moved = d.to("cpu")
    assert isinstance(moved, Dataset) and moved.x.device.type == "cpu" and moved.modes is not None
    with pytest.raises(AttributeError):
        d.name = "other"


# ---- user points -------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["x,y\n1,2\n3,4\n5,6\n", "1,2\n3,4\n5,6\n", "a;b\n1;2\n3;4\n5;6", "1 2\n3 4\n5\t6\n"])
def test_points_csv_with_and_without_header(tmp_path, text):
    path = tmp_path / "pts.csv"
    path.write_text(text)
    d = load_dataset("points", str(path))
    assert d.x.tolist() == [[1, 2], [3, 4], [5, 6]] and d.y is None and d.kind == "points"
    assert d.bounds[0] < 1 and d.bounds[1] > 5 and d.bounds[2] < 2 and d.bounds[3] > 6


def test_points_npy_and_bad_files(tmp_path):
    np.save(tmp_path / "ok.npy", np.random.default_rng(0).normal(size=(50, 2)))
    assert load_dataset("points", str(tmp_path / "ok.npy")).x.shape == (50, 2)
    np.save(tmp_path / "bad.npy", np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"bad\.npy.*\(5, 3\)"):
        load_dataset("points", str(tmp_path / "bad.npy"))
    (tmp_path / "bad.csv").write_text("x,y\n1,2\n3,oops\n")
    with pytest.raises(ValueError, match=r"bad\.csv"):
        load_dataset("points", str(tmp_path / "bad.csv"))
    (tmp_path / "three.csv").write_text("1,2,3\n4,5,6\n")
    with pytest.raises(ValueError, match=r"three\.csv.*two numeric columns"):
        load_dataset("points", str(tmp_path / "three.csv"))
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match=r"obj\.npy could not be read"):
        load_dataset("points", str(tmp_path / "obj.npy"))
    with pytest.raises(ValueError, match="data_root"):
        load_dataset("points", str(tmp_path / "missing.csv"))


# ---- digits and IDX/CIFAR files -----------------------------------------------------------------------
def test_digits_split_is_a_disjoint_partition():
    from sklearn.datasets import load_digits
    train, test = load_dataset("digits"), load_dataset("digits", train=False)
    for d in (train, test):
        assert d.kind == "images" and d.x.dtype == torch.float32 and d.x.shape[1:] == (1, 8, 8)
        assert d.x.min() == -1 and d.x.max() == 1
        assert d.num_classes == 10 and d.class_names == tuple("0123456789") and d.y.dtype == torch.int64
    assert len(train.x) == 1437 and len(test.x) == 360
    assert set(test.y.tolist()) == set(range(10))
    # train + test is exactly the full set (as a multiset of images): a disjoint partition.
    both = torch.cat([train.x, test.x]).reshape(-1, 64).add(1).mul(8).round().numpy()
    full = load_digits().data.astype(both.dtype)
    rows = lambda a: a[np.lexsort(a.T[::-1])]
    assert np.array_equal(rows(both), rows(full))
    assert load_dataset("digits") is train   # cached


def test_idx_files_gz_and_plain(tmp_path):
    rng = np.random.default_rng(0)
    train_x, train_y = rng.integers(0, 256, (5, 28, 28)), rng.integers(0, 10, 5)
    test_x, test_y = rng.integers(0, 256, (3, 28, 28)), rng.integers(0, 10, 3)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", train_x)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", train_y)
    write_idx(tmp_path / "MNIST" / "raw" / "t10k-images-idx3-ubyte", test_x)   # torchvision layout, not gz
    write_idx(tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte", test_y)
    train = load_dataset("mnist", str(tmp_path), download=False)
    assert train.x.shape == (5, 1, 28, 28) and train.x.dtype == torch.float32
    assert np.array_equal(((train.x[:, 0] + 1) * 127.5).round().numpy(), train_x)
    assert train.y.tolist() == train_y.tolist() and train.source == str(tmp_path)
    test = load_dataset("mnist", str(tmp_path), train=False, download=False)
    assert test.x.shape == (3, 1, 28, 28) and test.y.tolist() == test_y.tolist()
    assert -1 <= test.x.min() and test.x.max() <= 1
    assert load_dataset("mnist", str(tmp_path), download=False) is train   # cached in-process


def test_idx_bad_header_and_count_mismatch(tmp_path):
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x0d\x03garbage")
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(4))
    with pytest.raises(DatasetUnavailable, match="IDX"):
        load_dataset("fashion_mnist", str(tmp_path), download=False)
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((3, 28, 28)))
    with pytest.raises(DatasetUnavailable, match="3 images but 4 labels"):
        load_dataset("fashion_mnist", str(tmp_path), download=False)


def test_cifar10_binary_batches(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        records = rng.integers(0, 256, (2, 3073), dtype=np.uint8)
        records[:, 0] %= 10
        records.tofile(folder / name)
    d = load_dataset("cifar10", str(tmp_path), download=False)
    assert d.x.shape == (10, 3, 32, 32) and d.num_classes == 10 and d.class_names[0] == "airplane"
    last = np.fromfile(folder / "data_batch_5.bin", np.uint8).reshape(2, 3073)
    assert np.array_equal(((d.x[-1] + 1) * 127.5).round().numpy().reshape(-1), last[1, 1:])
    assert load_dataset("cifar10", str(tmp_path), train=False, download=False).x.shape == (2, 3, 32, 32)


def test_fashion_mnist_from_debian_package():
    if not all((data.FASHION_MNIST_SYSTEM_DIR / f).is_file() for f in ("train-images-idx3-ubyte.gz",
                                                                       "t10k-labels-idx1-ubyte.gz")):
        pytest.skip(f"Debian package dataset-fashion-mnist not installed ({data.FASHION_MNIST_SYSTEM_DIR})")
    assert data.FASHION_MNIST_SYSTEM_DIR in data.fashion_mnist_locations()
    train = load_dataset("fashion_mnist", download=False)
    test = load_dataset("fashion_mnist", train=False, download=False)
    assert train.x.shape == (60000, 1, 28, 28) and test.x.shape == (10000, 1, 28, 28)
    assert train.source == str(data.FASHION_MNIST_SYSTEM_DIR)
    assert train.x.min() == -1 and train.x.max() == 1 and train.class_names[0] == "T-shirt/top"
    assert torch.bincount(test.y).tolist() == [1000] * 10


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist", "cifar10"])
def test_missing_set_raises_with_instructions(tmp_path, monkeypatch, name):
    monkeypatch.setattr(data, "FASHION_MNIST_SYSTEM_DIR", tmp_path / "not-installed")
    with pytest.raises(DatasetUnavailable) as info:
        load_dataset(name, str(tmp_path), download=False)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert "data_root" in message and "Put " in message
    public = message.replace(str(data.FASHION_MNIST_SYSTEM_DIR), "")   # the Debian package's folder may show
    assert str(tmp_path) not in public and str(data.default_data_dir()) not in public   # no server folder
    assert "dataset-fashion-mnist" in message
    assert ("idx3-ubyte" in message) != (name == "cifar10")


# ---- user images: folders and .npz ---------------------------------------------------------------------
def save_png(path: Path, size=(28, 28), mode="L", value=0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, value).save(path)


def test_folder_flat_grayscale_28(tmp_path):
    for i in range(4):
        save_png(tmp_path / f"img{i}.png", value=i * 60)
    (tmp_path / "broken.png").write_bytes(b"not an image")
    (tmp_path / "notes.txt").write_text("ignored")
    d = load_dataset("folder", str(tmp_path))
    assert d.x.shape == (4, 1, 28, 28) and d.y is None and d.num_classes == 0 and d.kind == "images"
    assert torch.allclose(d.x[:, 0, 0, 0], torch.tensor([0, 60, 120, 180]) / 127.5 - 1)


def test_folder_imagefolder_rgb_resized(tmp_path):
    save_png(tmp_path / "cats" / "a.png", (40, 30), "RGB", (255, 0, 0))
    save_png(tmp_path / "cats" / "b.jpg", (64, 64), "L", 200)
    save_png(tmp_path / "dogs" / "c.png", (28, 28), "RGBA", (0, 0, 255, 255))
    d = load_dataset("folder", str(tmp_path))
    assert d.x.shape == (3, 3, 32, 32) and d.class_names == ("cats", "dogs") and d.num_classes == 2
    assert d.y.tolist() == [0, 0, 1]
    assert torch.allclose(d.x[0, :, 16, 16], torch.tensor([1.0, -1.0, -1.0]), atol=0.02)
    assert d.x.min() >= -1 and d.x.max() <= 1


def test_folder_without_readable_images_raises(tmp_path):
    (tmp_path / "a.png").write_bytes(b"junk")
    with pytest.raises(ValueError, match="no readable images"):
        load_dataset("folder", str(tmp_path))


@pytest.mark.parametrize("shape,dtype,expected", [
    ((6, 28, 28), np.uint8, (6, 1, 28, 28)),
    ((6, 32, 32, 3), np.float32, (6, 3, 32, 32)),
    ((6, 3, 32, 32), np.uint8, (6, 3, 32, 32)),
    ((6, 48, 64, 1), np.uint8, (6, 1, 32, 32)),
])
def test_npz_layouts(tmp_path, shape, dtype, expected):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, shape).astype(np.uint8) if dtype == np.uint8 else rng.random(shape, dtype=dtype)
    np.savez(tmp_path / "imgs.npz", x=x, y=np.array([3, 5, 3, 5, 7, 7]))
    d = load_dataset("folder", str(tmp_path / "imgs.npz"))
    assert d.x.shape == expected and d.x.dtype == torch.float32 and d.x.min() >= -1 and d.x.max() <= 1
    assert d.class_names == ("3", "5", "7") and d.y.tolist() == [0, 1, 0, 1, 2, 2]
    if shape[1:3] in ((28, 28), (32, 32)):
        channels_last = x if len(shape) == 3 or shape[-1] == 3 else x.transpose(0, 2, 3, 1)
        scale = 127.5 if dtype == np.uint8 else 0.5
        back = (d.x.numpy() + 1) * scale
        assert np.allclose(back.transpose(0, 2, 3, 1).squeeze(), channels_last.squeeze(), atol=1e-3)


@pytest.mark.parametrize("x,match", [
    (np.zeros((4, 2), np.uint8), r"\(4, 2\)"),
    (np.zeros((4, 8, 8, 5), np.uint8), r"\(4, 8, 8, 5\)"),
    (np.full((4, 8, 8), 2.0), "float 0..1"),
    (np.array(["a", "b"]), "shape"),
])
def test_npz_bad_arrays_raise(tmp_path, x, match):
    np.savez(tmp_path / "bad.npz", x=x)
    with pytest.raises(ValueError, match=match):
        load_dataset("folder", str(tmp_path / "bad.npz"))


def test_npz_refuses_pickles_and_needs_x(tmp_path):
    np.savez(tmp_path / "obj.npz", x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="pickled"):
        load_dataset("folder", str(tmp_path / "obj.npz"))
    np.savez(tmp_path / "noy.npz", images=np.zeros((2, 8, 8)))
    with pytest.raises(ValueError, match="'x'"):
        load_dataset("folder", str(tmp_path / "noy.npz"))
    np.savez(tmp_path / "ylen.npz", x=np.zeros((3, 8, 8), np.uint8), y=np.arange(2))
    with pytest.raises(ValueError, match="one label per image"):
        load_dataset("folder", str(tmp_path / "ylen.npz"))


# ---- Batcher ------------------------------------------------------------------------------------------
def test_batcher_covers_each_index_once_per_epoch_with_changing_sizes():
    n = 23
    x, y = torch.arange(n, dtype=torch.float32)[:, None], torch.arange(n)
    batcher = Batcher(x, y, 5, seed=7)
    stream = []
    for size in [5, 3, 11, 1, 50, 7, 2, 23, 4, 9, 13, 6] * 2:
        batcher.batch_size = size
        xb, yb = batcher.next()
        assert len(xb) == min(size, n) and torch.equal(xb[:, 0].long(), yb)
        stream += yb.tolist()
    epochs = len(stream) // n
    assert epochs >= 8 and batcher.epoch >= epochs
    for e in range(epochs):
        assert sorted(stream[e * n:(e + 1) * n]) == list(range(n))
    assert stream[:n] != stream[n:2 * n]   # reshuffled


def test_batcher_seeded_and_unlabelled():
    x = torch.randn(100, 2)
    a, b, c = Batcher(x, None, 16, seed=1), Batcher(x, None, 16, seed=1), Batcher(x, None, 16, seed=2)
    xa, ya = a.next()
    assert ya is None and xa.shape == (16, 2)
    assert torch.equal(xa, b.next()[0]) and not torch.equal(xa, c.next()[0])
    with pytest.raises(ValueError):
        Batcher(torch.empty(0, 2), None, 4)


def test_browser_data_root_stays_inside_its_folders(tmp_path):
    from gan_core.data.user import browser_data_root

    uploads, data = tmp_path / "runs" / "_uploads", tmp_path / "data"
    (uploads / "mine").mkdir(parents=True)
    data.mkdir()
    (tmp_path / "secret").mkdir()
    (uploads / "escape").symlink_to(tmp_path / "secret")
    roots = [uploads, data]
    assert browser_data_root("", roots) == ""
    assert browser_data_root("mine", roots) == str((uploads / "mine").resolve())      # relative: in uploads
    assert browser_data_root(str(data / "faces"), roots) == str((data / "faces").resolve())
    for bad in ("../../secret", str(tmp_path / "secret"), "/etc", "mine/../../../secret", "escape", "~"):
        with pytest.raises(ValueError, match="outside the files this browser may read") as err:
            browser_data_root(bad, roots)
        assert repr(bad) in str(err.value) and str(uploads) not in str(err.value)   # never the server's folders


def test_a_missing_data_root_falls_back_to_the_known_places_and_is_never_created(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_DATA_DIR", str(tmp_path / "home"))
    typo = tmp_path / "typo"
    if Path(data.FASHION_MNIST_SYSTEM_DIR).is_dir():  # another machine's config still finds the system's copy
        assert load_dataset("fashion_mnist", str(typo)).x.shape[1:] == (1, 28, 28)
    with pytest.raises(DatasetUnavailable, match="data_root"):
        load_dataset("mnist", str(typo))
    assert not typo.exists()
