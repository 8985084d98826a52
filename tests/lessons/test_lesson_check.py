"""The lesson check's command line: seeds, the 9-of-10 bar, bad arguments, and one real lesson end to end."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gan_core.lessons.check import needed, parse_seeds

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gan_core", "lessons", "check", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_seeds_and_the_bar():
    assert parse_seeds("0-9") == list(range(10)) and parse_seeds("2,0,2") == [0, 2] and parse_seeds("4") == [4]
    assert [needed(n) for n in (1, 2, 3, 10, 20)] == [1, 2, 3, 9, 18]
    for bad in ("x-", "9-0", "0-500", "-1", "1,,2", ""):
        with pytest.raises(ValueError, match="--seeds"):
            parse_seeds(bad)


@pytest.mark.parametrize("args, word", [(("--lesson", "12"), "--lesson 12"), (("--seeds", "x-"), "--seeds"),
                                        (("--threads", "-1"), "--threads")])
def test_bad_arguments_exit_2_with_one_line(args, word):
    out = _cli(*args)
    assert out.returncode == 2 and word in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr


def test_attacks_lesson_passes_end_to_end():
    out = _cli("--lesson", "6", "--seeds", "0-1", "--fast")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    row = result["lessons"][0]
    assert result["status"] == "finished" and row["lesson"] == 6 and row["passed"] == 2 and row["ok"]
    assert "6      2/2" in out.stdout   # the table is printed before the JSON line
