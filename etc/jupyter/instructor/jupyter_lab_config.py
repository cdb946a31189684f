# JupyterLab config for the course (`make lab` / `make lab-instructor`, and the course hub's servers).
# nbgrader's Validate dialog says "Success! Your notebook passes all the tests." whatever ran; this loads
# a copy of nbgrader's labextension whose dialog states what validation actually checked instead
# (sae_course/grading/validation.py: lab_extension, configure_lab).
try:
    from sae_course.grading.validation import configure_lab
except ImportError:  # sae_course is not installed in this Python: the stock dialog stays
    pass
else:
    configure_lab(c)  # noqa: F821
