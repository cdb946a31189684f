# nbgrader config for the course's JupyterLab servers wherever they start (a hub user's home has no
# course nbgrader_config.py): the Validate button runs every cell and its result says what it checked
# (sae_course/grading/validation.py).
try:
    from sae_course.grading.validation import configure_validate
except ImportError:  # sae_course is not installed in this Python: stock nbgrader validation
    pass
else:
    configure_validate(c)  # noqa: F821
