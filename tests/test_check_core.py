"""The feedback machinery shared by every chapter's checks."""

import pytest

from optlib import check


def test_strict_mode_raises(monkeypatch):
    monkeypatch.setenv(check.STRICT_ENV, "1")
    with pytest.raises(AssertionError, match="best_lr"):
        check.best_lr(0.3)
    assert check.best_lr(0.4).correct
