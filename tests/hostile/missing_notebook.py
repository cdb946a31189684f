"""A submission folder without any notebook (the answers pasted into a .py file)."""
EXPECT = None
MESSAGE = r"no notebook named 'hw\.ipynb'.*nothing was graded"
FILENAME = None
EXTRA_FILES = {"answers.py": "def double(x):\n    return 2 * x\n"}
