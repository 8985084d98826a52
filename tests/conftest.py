"""Shared test setup: runs go to a temporary folder, torch uses few threads (2-core CI machines)."""
import os
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads: see gan_core/__init__.py
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True, scope="session")
def _isolated_runs(tmp_path_factory):
    os.environ["GAN_RUNS_DIR"] = str(tmp_path_factory.mktemp("runs"))
    import torch

    torch.set_num_threads(1)
    yield


@pytest.fixture
def runs_dir(tmp_path, monkeypatch):
    """A fresh, empty runs folder for one test."""
    folder = tmp_path / "runs"
    folder.mkdir()
    monkeypatch.setenv("GAN_RUNS_DIR", str(folder))
    return folder


SECRET = "GAN_TEACHER_TOKEN=s3cret-t0ken"   # what the server must never show a browser


@pytest.fixture
def secret(tmp_path):
    """A file outside every folder a browser may read (like /proc/self/environ), holding ``SECRET``."""
    path = tmp_path / "server" / "environ"
    path.parent.mkdir()
    path.write_text(f"HOME=/root\n{SECRET}\nPATH=/usr/bin\n")
    return path
