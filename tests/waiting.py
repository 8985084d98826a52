"""The one polling helper of the tests: engine sessions, AppTest pages and the browser all answer through
snapshots or redraws, never by blocking, so every test waits with ``wait_for``."""
import time


def wait_for(cond, timeout=30.0, every=0.02, between=None):
    """Poll ``cond()`` until it is truthy (that value is returned) or ``timeout`` s have passed (its last value).

    ``between`` runs after each failed try (an AppTest's ``run()``, whose ``run_every`` never ticks by itself).
    """
    end = time.time() + timeout
    while time.time() < end:
        value = cond()
        if value:
            return value
        time.sleep(every)
        if between is not None:
            between()
    return cond()
