"""Unit tests of costmodel.progress: bars on a terminal, quiet everywhere else."""
from __future__ import annotations

import io
import sys

import pytest
from small_scenarios import small

from costmodel.analysis.breakeven import tornado
from costmodel.progress import wanted


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_an_explicit_choice_wins():
    assert wanted(True) is True and wanted(False) is False


def test_default_follows_the_terminal_and_tqdm_disable(monkeypatch):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert wanted() is False  # piped, logged, a notebook
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert wanted() is True
    monkeypatch.setenv("TQDM_DISABLE", "1")  # what setup_notebook() sets, read at call time
    assert wanted() is False


@pytest.mark.parametrize("progress, shown", [(None, False), (True, True)])
def test_long_runs_draw_a_bar_only_when_wanted(capsys, monkeypatch, progress, shown):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    tornado(small(), option="fargate_on_demand", progress=progress)
    err = capsys.readouterr().err  # pytest's stderr is not a terminal
    assert ("tornado" in err) is shown
