"""The exercise index (book/exercises.md) lists every exercise of the chapters as they are now."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import exercise_index  # noqa: E402


def test_the_index_is_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "exercise_index.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_chapter_has_three_checked_exercises_of_each_kind():
    for name in exercise_index.chapters():
        found = exercise_index.exercises(name)
        assert len(found) >= 3 and all(e["checked"] for e in found), (name, found)
        assert {"code", "derivation", "exploration"} <= {e["kind"] for e in found}, (name, found)


def test_kinds_and_openings():
    assert exercise_index.opening("Use the sliders. Find the best rate $$x$$ here. Then more.", 20) == \
        "Use the sliders. Find the best rate … here."
