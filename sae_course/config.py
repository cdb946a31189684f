"""One place every notebook reads: profile (sizes), device and seeding.

The profile changes *sizes only* (batch sizes, steps, dataset sizes), never what is checked.
Choose it with the environment variable ``SAE_COURSE_PROFILE`` (``full`` for students,
``ci`` for CI and the demo cohort).
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

PROFILES = ("full", "ci")


def profile() -> str:
    """The active profile: ``SAE_COURSE_PROFILE`` or ``full``."""
    name = os.environ.get("SAE_COURSE_PROFILE", "full").strip().lower()
    if name not in PROFILES:
        raise ValueError(f"SAE_COURSE_PROFILE={name!r}: expected one of {PROFILES}")
    return name


def sized(full, ci):
    """Pick a size for the active profile: ``steps = sized(full=10_000, ci=1_000)``."""
    return ci if profile() == "ci" else full


def get_device(prefer: str | None = None):
    """The torch device to use: ``SAE_COURSE_DEVICE`` if set, else CUDA, then MPS, then CPU."""
    import torch

    choice = prefer or os.environ.get("SAE_COURSE_DEVICE")
    if choice:
        return torch.device(choice)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA) so that a run is repeatable."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


@dataclass(frozen=True)
class Setup:
    profile: str
    device: object
    seed: int

    def __str__(self) -> str:
        return f"profile={self.profile} device={self.device} seed={self.seed}"


def _show_warning_on_stdout(message, category, filename, lineno, file=None, line=None):
    import sys
    import warnings

    sys.stdout.write(warnings.formatwarning(message, category, filename, lineno, line))


def setup_notebook(seed: int = 0, quiet: bool = False) -> Setup:
    """The first code cell of every notebook: seeds, picks the device, tames noisy warnings.

    Also sets the offline defaults (no hub look-ups that hang, no wandb) unless the user set them.
    """
    import warnings

    import torch

    os.environ.setdefault("WANDB_MODE", "disabled")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # HookedTransformer 3.9 warns on every construction; it is harmless for this course.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=".*TransformerBridge.*")
    # nbgrader gives 0 to a graded cell that wrote anything to stderr, and a harmless library warning
    # must not cost a student points: show warnings on stdout instead.
    warnings.showwarning = _show_warning_on_stdout
    if os.environ.get("SAE_COURSE_THREADS"):
        torch.set_num_threads(int(os.environ["SAE_COURSE_THREADS"]))
    seed_everything(seed)
    s = Setup(profile=profile(), device=get_device(), seed=seed)
    if not quiet:
        print(f"[sae_course] {s}")
    return s
