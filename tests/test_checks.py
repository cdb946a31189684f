"""The student-facing checks, and the rule they must respect: nbgrader scores 0 any graded cell that
wrote to stderr, so neither the checks nor a harmless library warning may write there."""

from __future__ import annotations

import warnings

import pytest
import torch

from sae_course import checks
from sae_course.config import setup_notebook


def test_scalar_check_on_a_tensor_that_requires_grad_writes_nothing_to_stderr(capfd):
    loss = (torch.ones(3, requires_grad=True) * 2).mean()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning would be an error here
        checks.assert_scalar_close(loss, 2.0, "loss")
    assert capfd.readouterr().err == ""


def test_scalar_check_fails_with_a_readable_message():
    with pytest.raises(AssertionError, match="off"):
        checks.assert_scalar_close(torch.tensor(1.5), 1.0, "the loss")
    with pytest.raises(AssertionError, match="expected a number"):
        checks.assert_scalar_close("one", 1.0, "the loss")


def test_setup_notebook_shows_warnings_on_stdout(capsys):
    saved = warnings.showwarning
    try:
        setup_notebook(quiet=True)
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn("a harmless library warning", UserWarning)
        out = capsys.readouterr()
        assert "a harmless library warning" in out.out and out.err == ""
    finally:
        warnings.showwarning = saved
