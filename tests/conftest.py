"""Shared fixtures."""

import pytest

from optlib import check


@pytest.fixture
def lenient(monkeypatch):
    monkeypatch.delenv(check.STRICT_ENV, raising=False)
