"""Shared code for the superposition & SAE course.

What lives here is what notebooks and the grader share (profiles, seeding, checks, plots,
the model zoo and its loader, the grading tools). What a student must write never does.
"""

__version__ = "0.1.0"
