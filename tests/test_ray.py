"""Scale-out on Ray: the same command, given a cluster address, grades through Ray tasks.
CI runs it on a private local Ray instance (``--ray local``)."""

from __future__ import annotations

import os

import pytest

import tiny_course as tc
from sae_course.grading.autograde import run_autograde
from sae_course.grading.ray_backend import task_resources


def test_each_task_asks_for_a_share_of_a_gpu():
    assert task_resources({"CPU": 16.0, "GPU": 4.0}, None, 2) == (8, {"num_cpus": 1, "num_gpus": 0.5})
    assert task_resources({"CPU": 16.0, "GPU": 1.0}, None, 4) == (4, {"num_cpus": 1, "num_gpus": 0.25})
    assert task_resources({"CPU": 2.0}, None, 2) == (2, {"num_cpus": 1})
    assert task_resources({"CPU": 8.0}, 3, 2) == (3, {"num_cpus": 1})


def test_grading_on_a_local_ray_instance(tmp_path):
    if os.environ.get("CI"):
        import ray  # noqa: F401  (a pinned requirement: missing under CI is a failure)
    else:
        pytest.importorskip("ray")
    import glob
    import tempfile

    leftovers = lambda: set(glob.glob(os.path.join(tempfile.gettempdir(), "sae-ray-*")))  # noqa: E731
    before = leftovers()
    course = tc.make_course(tmp_path / "c")
    cohort = {s: tc.COHORT[s] for s in ("alice", "bob", "carol")}
    for student, answers in cohort.items():
        tc.submit(course, student, answers)
    try:
        report = run_autograde(course, [tc.SECTION],
                               options={"ray": "local", "workers": 2, "preload": "", "cell_timeout": 60})
    except Exception as e:  # noqa: BLE001
        # Ray gives its raylet a fixed 30 s to start; on a developer machine saturated by other
        # work that can pass. CI (a machine doing nothing else) must start it.
        if "timed out during startup" in str(e) and not os.environ.get("CI"):
            pytest.skip(f"the local Ray instance could not start on this busy machine: {e}")
        raise
    assert report.backend == "ray" and not report.failed, [(o.student, o.error) for o in report.failed]
    totals = {k[0]: v[0] for k, v in tc.grades(course.db_url).items() if len(k) == 2}
    assert totals == {"alice": 7.0, "bob": 4.0, "carol": 0.0}
    assert all(o.ok and o.wall_seconds > 0 for o in report.outcomes)
    assert leftovers() <= before, "the Ray workers' scratch folders were left behind"
