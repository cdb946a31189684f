"""Class 5: like ``restart_startup_file``, through the kernel's configuration file instead
(``ipython_kernel_config.py`` in the profile folder, whose ``exec_lines`` run at kernel start).

A restarted kernel gets an empty profile: ex1 0, ex2 0 (skipped), ex3 2.
"""
EXPECT = 2
MESSAGE = r"kernel died while running ex2_total"
ANSWERS = {
    "ex1_double": (
        "import os\n"
        "_d = os.environ.get('IPYTHON' + 'DIR')\n"
        "if _d:\n"
        "    _p = os.path.join(_d, 'profile_' + 'default')\n"
        "    os.makedirs(_p, exist_ok=True)\n"
        "    with open(os.path.join(_p, 'ipython_' + 'kernel_config.py'), 'w') as f:\n"
        "        f.write('c.InteractiveShellApp.exec_lines = [\"import sae_course.checks as c\", '\n"
        "                '\"setattr(c, chr(97) + \\'ssert_close\\', lambda *a, **k: None)\"]\\n')\n"
        "def double(x):\n"
        "    return 3 * x\n"),
    "ex2_total": (
        "import os\n"
        "def total(x):\n"
        "    return float(x.sum())\n"
        "os._exit(3)\n"),
}
