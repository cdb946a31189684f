"""The release never carries a solution or a hidden test, and the leak check really catches leaks."""

import json
import re

import nbformat
import pytest

from conftest import copy_course
from sae_course.grading.course import Course, CourseError
from sae_course.grading.release import build_release, find_leaks

MARKERS = re.compile(r"BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|END HIDDEN TESTS")


def test_committed_release_has_no_markers(repo_root):
    for path in (repo_root / "release").rglob("*.ipynb"):
        assert not MARKERS.search(path.read_text()), f"{path} leaks solution/hidden-test markers"


def test_committed_release_is_current(repo_root):
    """release/ holds one notebook per section, with exactly the master's answer and graded cells."""
    course = Course(repo_root)
    for section in course.sections():
        rel = course.notebook(section, "release")
        assert rel.is_file(), f"{rel} missing: run `sae-course release` and commit release/"
        assert not find_leaks(course, section)
        src_ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nbformat.read(str(course.notebook(section)), 4).cells]
        rel_ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nbformat.read(str(rel), 4).cells]
        assert src_ids == rel_ids, f"release/{section} is stale: run `sae-course release`"


@pytest.fixture(scope="module")
def small_course(tmp_path_factory, repo_root):
    """A scratch course with a one-exercise section (fast to build)."""
    from sae_course.authoring import build

    root = copy_course(tmp_path_factory.mktemp("course"), sections=[])
    (root / "authoring").mkdir()
    script = root / "authoring" / "zz_tiny.py"
    script.write_text(
        "# %% setup id=setup\nimport math\n\n"
        "# %% solution id=ex01_area\ndef area(r):\n    ### BEGIN SOLUTION\n"
        "    return math.pi * r ** 2  # the secret formula\n    ### END SOLUTION\n\n"
        "# %% visible id=ex01_area_visible\nassert area(0) == 0\n\n"
        "# %% graded id=ex01_area_test points=1\n### BEGIN HIDDEN TESTS\n"
        "assert abs(area(2.0) - 12.566370614359172) < 1e-9  # hidden check\n### END HIDDEN TESTS\n")
    build(script, root / "source" / "zz_tiny" / "zz_tiny.ipynb")
    return Course(root)


def test_release_build_passes_leak_check(small_course):
    [nb_path] = build_release(small_course, ["zz_tiny"], log=lambda *_: None)
    text = nb_path.read_text()
    assert "the secret formula" not in text and "hidden check" not in text
    assert "raise NotImplementedError()" in text


def test_leak_check_catches_a_planted_solution_line(small_course):
    build_release(small_course, ["zz_tiny"], log=lambda *_: None)
    path = small_course.notebook("zz_tiny", "release")
    nb = nbformat.read(str(path), 4)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    answer.source = "def area(r):\n    return math.pi * r ** 2  # the secret formula\n"
    nbformat.write(nb, str(path))
    leaks = find_leaks(small_course, "zz_tiny")
    assert any("line of a solution" in l for l in leaks), leaks


def test_leak_check_catches_markers_in_any_file(small_course):
    build_release(small_course, ["zz_tiny"], log=lambda *_: None)
    (small_course.release / "zz_tiny" / "notes.txt").write_text("### BEGIN HIDDEN TESTS\n")
    assert any("marker" in l for l in find_leaks(small_course, "zz_tiny"))
    (small_course.release / "zz_tiny" / "notes.txt").unlink()


def test_build_release_refuses_to_finish_on_a_leak(small_course, monkeypatch):
    import sae_course.grading.release as rel

    monkeypatch.setattr(rel, "find_leaks", lambda course, section: ["planted leak"])
    with pytest.raises(CourseError, match="leaks"):
        build_release(small_course, ["zz_tiny"], log=lambda *_: None)
