"""What every lesson judge's result must look like (``gan_core.lessons.check``), shared by the lesson-check tests."""
import json
import math


def assert_passed(result: dict) -> None:
    """``result`` has the judge's shape (passed, seconds, effect on one line, JSON details) and passed."""
    assert set(result) == {"passed", "seconds", "effect", "details"}
    assert isinstance(result["passed"], bool) and isinstance(result["effect"], str) and "\n" not in result["effect"]
    assert result["seconds"] is None or (math.isfinite(result["seconds"]) and result["seconds"] >= 0)
    json.dumps(result["details"])       # the command's last line holds every detail
    assert result["passed"], result["effect"]
