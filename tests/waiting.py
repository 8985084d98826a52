"""Polling helper shared by the engine tests (sessions answer through snapshots, never by blocking)."""
import time


def wait_for(predicate, timeout=20.0):
    """True as soon as ``predicate()`` holds, False after ``timeout`` seconds."""
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False
