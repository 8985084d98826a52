"""Image uploads decoded off the page's thread: one server thread decodes one upload at a time (a class's
uploads queue behind each other instead of taking every core), and each browser has at most one job, which the
page follows with a progress bar and may cancel."""
from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from gan_core.data.user import Cancelled
from gan_core.runtime import uploads

from . import server


@dataclass
class DecodeJob:
    """One browser's upload being stored and decoded: ``done`` of ``total`` images so far (0 of 0: waiting for
    the decoder, or unpacking)."""

    names: str
    future: Future = field(default_factory=Future)
    cancel: threading.Event = field(default_factory=threading.Event)
    done: int = 0
    total: int = 0

    def progress(self, done: int, total: int) -> None:
        if self.cancel.is_set():
            raise Cancelled
        self.done, self.total = done, total

    @property
    def waiting(self) -> bool:
        """Queued behind another browser's upload."""
        return not self.future.running() and not self.future.done()


def _decoder():
    """The server's one decoding thread and each browser's newest job."""
    return server.worker("decode-upload")


def start(files: list[tuple[str, bytes]], root: str | Path, browser: str) -> DecodeJob:
    """Queue ``files`` (name, bytes) for ``uploads.save_images`` in ``browser``'s uploads folder; a job this
    browser already has is cancelled first. The job's future gives ``(path, data)`` or raises what
    ``save_images`` raises (``ValueError``: refused; ``Cancelled``)."""
    pool, jobs, lock = _decoder()
    job = DecodeJob(files[0][0] if len(files) == 1 else f"{len(files)} files")
    job.future = pool.submit(_run, job, files, root, browser)   # queued behind the old one, if it still runs
    with lock:
        old = jobs.get(browser)
        if old is not None:
            old.cancel.set()
        jobs[browser] = job
    return job


def _run(job: DecodeJob, files, root, browser):
    if job.cancel.is_set():          # cancelled while it waited
        raise Cancelled
    return uploads.save_images(files, root, browser, progress=job.progress)


def current(browser: str) -> DecodeJob | None:
    """This browser's newest job (running, waiting, or done and not yet taken)."""
    _, jobs, lock = _decoder()
    with lock:
        return jobs.get(browser)


def take(browser: str, job: DecodeJob) -> None:
    """Forget ``job`` once the page has shown its outcome (a newer job of the same browser stays)."""
    _, jobs, lock = _decoder()
    with lock:
        if jobs.get(browser) is job:
            del jobs[browser]
