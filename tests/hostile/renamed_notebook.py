"""The right notebook under the wrong name (a browser's download suffix)."""
EXPECT = 5
MESSAGE = r"named 'hw \(1\)\.ipynb'.*graded as 'hw\.ipynb'"
FILENAME = "hw (1).ipynb"
