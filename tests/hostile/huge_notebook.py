"""A notebook over the size limit (the test sets the limit to 8 MB; the default is 100 MB)."""
EXPECT = 0
MESSAGE = r"your notebook is \d+ MB, over the 8 MB limit"
PAD_MB = 12
