"""MathJax for pages that must work offline: feedback HTML opened from disk or from nbgrader's exchange.

The MathJax copy comes from a Python package that ``make install`` installs (``jupyter-server-mathjax``,
pinned in requirements.txt: MathJax 2.7.9), never from a CDN. A feedback file is copied on its own (nbgrader's
``release_feedback`` copies only the HTML), so the scripts are **inlined** into the page: MathJax's core, the
TeX input, the MathML element jax and the NativeMML output, each taken out of the package's combined
configuration file, plus the operator tables and a few TeX extensions the TeX input loads on demand.

Output is native MathML, which current browsers (Chromium 109+, Firefox, Safari) draw themselves: MathJax's
HTML-CSS output would need its web fonts, which browsers refuse to load from ``file://`` pages.
The bundle is about 200 kB. If the package is missing, ``inline_script()`` returns a comment and the math stays
as LaTeX source: nothing is ever loaded from the network.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

# What the page needs, in load order: (combined-config module, text that must appear in its line).
MODULES = [
    ("[MathJax]/jax/input/TeX/config.js", "MathJax.InputJax.TeX=MathJax.InputJax("),
    ("[MathJax]/jax/output/NativeMML/config.js", "MathJax.OutputJax.NativeMML=MathJax.OutputJax("),
    ("[MathJax]/extensions/tex2jax.js", "MathJax.Extension.tex2jax="),
    ("[MathJax]/extensions/MathEvents.js", "MathEvents"),
    ("[MathJax]/jax/element/mml/jax.js", "MathJax.ElementJax.mml=MathJax.ElementJax("),
    ("[MathJax]/extensions/toMathML.js", "toMathML"),
    ("[MathJax]/extensions/TeX/noErrors.js", "TeX.noErrors"),
    ("[MathJax]/extensions/TeX/noUndefined.js", "TeX/noUndefined"),
    ("[MathJax]/jax/input/TeX/jax.js", "MathJax.InputJax.TeX"),
    ("[MathJax]/extensions/TeX/AMSmath.js", "TeX/AMSmath"),
    ("[MathJax]/extensions/TeX/AMSsymbols.js", "TeX/AMSsymbols"),
    ("[MathJax]/jax/output/NativeMML/jax.js", "MathJax.OutputJax.NativeMML"),
]
# TeX extensions a macro may pull in (\boldsymbol, \color, \cancel, ...): small, so they ride along.
TEX_EXTENSIONS = ["boldsymbol", "color", "cancel", "bbox", "enclose", "newcommand", "extpfeil", "mathchoice",
                  "action", "unicode", "verb", "AMScd"]
COMBINED = "config/TeX-AMS-MML_HTMLorMML-full.js"

CONFIG = {
    "jax": ["input/TeX", "output/NativeMML"],
    "extensions": ["tex2jax.js"],
    "TeX": {"extensions": ["AMSmath.js", "AMSsymbols.js", "noErrors.js", "noUndefined.js"],
            "equationNumbers": {"autoNumber": "AMS", "useLabelIds": True}},
    "tex2jax": {"inlineMath": [["$", "$"], ["\\(", "\\)"]], "displayMath": [["$$", "$$"], ["\\[", "\\]"]],
                "processEscapes": True, "processEnvironments": True},
    "menuSettings": {"renderer": "NativeMML"},
    "showMathMenu": False,
    "messageStyle": "none",
    "displayAlign": "center",
}
# The NativeMML output asks for MathJax's own .otf fonts for \\mathbb and friends; the package does not ship
# them, so drop those @font-face rules (the browser's fonts draw the variants) rather than request missing files.
AUTHOR_INIT = """window.MathJax.AuthorInit = function () {
  MathJax.Hub.Register.StartupHook("NativeMML Jax Config", function () {
    var st = MathJax.OutputJax.NativeMML.config.styles;
    for (var k in st) { if (k.indexOf("@font-face") === 0) { delete st[k]; } }
  });
};"""


def static_dir() -> Path | None:
    """The MathJax folder of the installed ``jupyter_server_mathjax`` package, or None."""
    try:
        import jupyter_server_mathjax
    except ImportError:
        return None
    d = Path(jupyter_server_mathjax.__file__).parent / "static"
    return d if (d / "MathJax.js").is_file() and (d / COMBINED).is_file() else None


def _split_combined(text: str) -> dict[str, str]:
    """The modules of MathJax's combined config file, by their ``[MathJax]/...`` name.

    After its ``MathJax.Ajax.Preloading(...)`` list the file holds one minified line per module, in that order.
    """
    m = re.search(r"MathJax\.Ajax\.Preloading\((.*?)\);", text, re.S)
    if not m:
        raise ValueError("no Preloading list")
    names = re.findall(r'"([^"]+)"', m.group(1))
    lines = [ln for ln in text[m.end():].splitlines() if len(ln) > 200 or "loadComplete" in ln]
    lines = [ln for ln in lines if not ln.lstrip().startswith(("MathJax.Hub.Config", "extensions:"))]
    return dict(zip(names, lines))


def _js(text: str) -> str:
    return text.replace("</script", "<\\/script")


@functools.lru_cache(maxsize=1)
def bundle() -> str | None:
    """The MathJax code to inline (without the configuration), or None when MathJax is not installed."""
    d = static_dir()
    if d is None:
        return None
    modules = _split_combined((d / COMBINED).read_text(encoding="utf-8"))
    parts = [(d / "MathJax.js").read_text(encoding="utf-8")]
    preload = [name for name, _ in MODULES]
    body = []
    for name, marker in MODULES:
        line = modules.get(name, "")
        if marker not in line:
            raise RuntimeError(f"MathJax bundle: {name} not found in {d / COMBINED} (package layout changed?)")
        body.append(line)
    extra = []
    for f in sorted((d / "jax/element/mml/optable").glob("*.js")):  # operator tables (primes, arrows, ...)
        preload.append(f"[MathJax]/jax/element/mml/optable/{f.name}")
        extra.append(f.read_text(encoding="utf-8"))
    for ext in TEX_EXTENSIONS:
        f = d / "extensions" / "TeX" / f"{ext}.js"
        if f.is_file():
            preload.append(f"[MathJax]/extensions/TeX/{ext}.js")
            extra.append(f.read_text(encoding="utf-8"))
    parts.append("MathJax.Ajax.Preloading(" + ",".join(json.dumps(p) for p in preload) + ");")
    parts += body + extra
    return "\n".join(parts)


def inline_script(_unused: str = "") -> str:
    """``<script>`` elements that render the page's LaTeX offline (a Jinja filter, hence the argument)."""
    try:
        code = bundle()
    except Exception as e:  # noqa: BLE001 - a broken MathJax copy must not stop feedback
        return f"<!-- offline MathJax unavailable: {type(e).__name__} -->"
    if code is None:
        return "<!-- offline MathJax unavailable: pip install jupyter-server-mathjax -->"
    return (f'<script type="text/javascript">window.MathJax = {json.dumps(CONFIG)};\n{AUTHOR_INIT}</script>\n'
            f'<script type="text/javascript">{_js(code)}</script>')
