"""Class 5 (code that survives a restart): the wrong ``double`` leaves an IPython startup file in
the kernel's profile folder (path and names built at run time) that replaces
``sae_course.checks.assert_close`` with a function that passes everything; ex2's answer cell then
kills the kernel so that the grader starts a new one, which would run the startup file before
the course's setup cell imports the checks (and before the first integrity probe).

Every kernel of a notebook starts as clean as the first (empty $HOME and profile): ex1 0 (wrong),
ex2 0 (the cell that killed the kernel is skipped), ex3 2.
"""
EXPECT = 2
MESSAGE = r"kernel died while running ex2_total"
ANSWERS = {
    "ex1_double": (
        "import os\n"
        "_d = os.environ.get('IPYTHON' + 'DIR')\n"
        "if _d:\n"
        "    _p = os.path.join(_d, 'profile_default', 'start' + 'up')\n"
        "    os.makedirs(_p, exist_ok=True)\n"
        "    with open(os.path.join(_p, '00-helper.py'), 'w') as f:\n"
        "        f.write('import sae_course.checks as c\\nsetattr(c, \"assert_\" + \"close\", lambda *a, **k: None)\\n')\n"
        "def double(x):\n"
        "    return 3 * x\n"),
    "ex2_total": (
        "import os\n"
        "def total(x):\n"
        "    return float(x.sum())\n"
        "os._exit(3)\n"),
}
