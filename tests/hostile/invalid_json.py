"""The notebook file is cut short: not valid JSON."""
EXPECT = 0
MESSAGE = r"could not be read: it is not valid JSON"
RAW = '{\n "cells": [\n  {\n   "cell_type": "code",\n   "source": ["def double(x):\\n", "    return 2 * x'
