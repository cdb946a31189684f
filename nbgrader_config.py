"""nbgrader configuration for the course. The stock commands work on this repo unchanged:

    nbgrader generate_assignment 00_toy_models --force
    nbgrader autograde 00_toy_models
    nbgrader generate_feedback 00_toy_models
    nbgrader export

Environment overrides (for cohorts and CI):
    SAE_COURSE_DB_URL      gradebook URL (default: sqlite:///gradebook/gradebook.db), e.g. postgresql://...
    SAE_COURSE_CELL_TIMEOUT  seconds a single cell may run while autograding (default 600)
"""

import os

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "sae-course"
c.CourseDirectory.root = HERE
c.CourseDirectory.db_url = os.environ.get(
    "SAE_COURSE_DB_URL", "sqlite:///" + os.path.join(HERE, "gradebook", "gradebook.db")
)
# Assignments are released section by section; names sort in teaching order.
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".~*"]

# What replaces a solution in the release.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Student code can loop forever: every cell has a deadline, then the kernel is interrupted.
c.Execute.timeout = int(os.environ.get("SAE_COURSE_CELL_TIMEOUT", "600"))
c.Execute.interrupt_on_timeout = True
c.Execute.kernel_name = "python3"
# Keep gigantic outputs (print loops) from bloating autograded notebooks and feedback.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# Submitted notebooks may carry the student's outputs; grading re-runs everything from scratch.
c.ClearOutput.enabled = True
# Students may only change answer cells: locked and test cells are restored from the gradebook.
c.OverwriteCells.enabled = True
# Students are created on first autograde (the demo cohort, or a roster imported by `sae-course roster`).
c.Autograde.create_student = True
# The kernel gets the course's sizes: CI and the demo cohort grade with the small profile.
c.Execute.extra_arguments = []

# --- Defences against broken and hostile submissions (docs/grading_security.md) --------------
# Our preprocessors go around nbgrader's stock ones (all kept): an audit of what the student
# changed, deleted cells put back, a static tamper scan, run-time integrity probes, crash
# recovery, and the grader's notes in the feedback (+ reports/grading_issues.csv).
from sae_course.grading.preprocessors import configure_autograde  # noqa: E402

configure_autograde(c)

# --- The student's self-check (`nbgrader validate`, the Validate button) ------------------------
# Runs every cell, not just the (empty, hidden-test) graded ones, and says that the visible tests
# carry no points and that hidden tests grade (sae_course/grading/validation.py).
from sae_course.grading.validation import configure_validate  # noqa: E402

configure_validate(c)

# --- Feedback students can read without seeing a hidden test (docs/feedback.md) ------------------
# nbgrader's GenerateFeedback with GetGrades, then: graded tests replaced by their name, points and verdict,
# tracebacks cut to the student's own code, a summary at the top (score per exercise, points lost, named
# mistakes, grader's notes), MathJax inlined from an installed package. Every path to feedback goes through here:
# `sae-course feedback`, `make demo`, `nbgrader generate_feedback`, the formgrader and `nbgrader release_feedback`.
from sae_course.grading.feedback import configure_feedback  # noqa: E402

configure_feedback(c)
