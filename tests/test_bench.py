"""Behaviour of tools/bench.py (`make bench`) at tiny sizes: what it measures and reports, never how fast."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import bench  # noqa: E402


@pytest.mark.parametrize("method", list(bench.REFERENCES))
def test_each_reference_loop_takes_the_same_steps_as_optlib(method):
    """The in-place reference is the same update rule, so the ratio compares like with like."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal(50)
    opt, ref = method(), method()
    x_ref = x.copy()
    state = bench.SimpleNamespace(**{name: np.zeros(50) for name in bench.STATE.get(method, "").split()})
    w1, w2 = np.empty(50), np.empty(50)
    for k in range(5):
        g = rng.standard_normal(50)
        x = opt.step(x, g)
        bench.REFERENCES[method](ref, x_ref, g, state, ref.lr_at(k), k + 1, w1, w2)
        assert np.allclose(x, x_ref, rtol=1e-12, atol=1e-15), f"{method.__name__} step {k}"


def test_the_report_has_every_row_marked(tmp_path):
    rows = bench.bench_optimizers(sizes=(1000,), repeats=1)
    rows += [bench.Row("sliders", "ch: fast", "1.0 / 2.0 ms", 1.0),
             bench.Row("sliders", "ch: slow", "40.0 / 50.0 ms", 31.0),
             bench.Row("book", "make book", "not measured", None)]
    text = bench.write_report(rows, tmp_path)
    assert (tmp_path / "report.md").read_text() == text
    summary = [line for line in text.splitlines() if line.startswith("| ")][2:2 + len(bench.SECTIONS)]
    assert [line.split(" | ")[0][2:] for line in summary] == [t for t, *_ in bench.SECTIONS.values()]
    assert all(line.rstrip(" |").endswith(("✔", "✘", "–")) for line in summary)
    assert "1 of 2 over" in summary[0] and summary[0].endswith("✘ |")
    assert "not run" in summary[1] and summary[3].endswith("– |")
    data = json.loads((tmp_path / "report.json").read_text())
    marks = {row["item"]: row["mark"] for row in data["rows"]}
    assert marks["ch: fast"] == "✔" and marks["ch: slow"] == "✘" and marks["make book"] == "–"
    assert marks["SGD, n = 1,000"] == "·" and marks["Adam, n = 1,000"] in "✔✘"  # the budget is Adam's
    assert len(data["rows"]) == len(rows) == len(bench.REFERENCES) + 3


def test_unknown_rows_are_refused_with_the_choices(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--only", "slider"])
    error = capsys.readouterr().err
    assert "['slider']" in error and ",".join(bench.SECTIONS) in error


def test_merge_keeps_the_rows_of_the_parts_not_measured_again(tmp_path):
    bench.write_report([bench.Row("book", "make book", "4.0 min", 240.0),
                        bench.Row("sliders", "ch: old", "50.0 / 60.0 ms", 50.0)], tmp_path)
    assert bench.main(["--only", "optimizers", "--sizes", "100,1000", "--merge", "--out", str(tmp_path)]) == 0
    rows = json.loads((tmp_path / "report.json").read_text())["rows"]
    kept = [row for row in rows if row["what"] != "optimizers"]
    assert [(r["item"], r["value"], r["mark"]) for r in kept] == [("make book", 240.0, "✔"),
                                                                   ("ch: old", 50.0, "✘")]
    assert sum(row["what"] == "optimizers" for row in rows) == 2 * len(bench.REFERENCES)
