"""Valid JSON, but not a notebook (an export of the answers)."""
EXPECT = 0
MESSAGE = r"could not be read: the file is JSON but not a Jupyter notebook"
RAW = '{"student": "me", "answers": {"ex1_double": "def double(x): return 2 * x"}}\n'
