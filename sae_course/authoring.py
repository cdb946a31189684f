"""Build nbgrader master notebooks from plain-text percent scripts, and back.

Each section's master notebook ``source/<section>/<section>.ipynb`` is written from
``authoring/<section>.py`` so that notebooks are reviewed and diffed as code. A test keeps the
two in step; an instructor who edited the notebook in JupyterLab runs ``sae-course unbuild``
to bring the script up to date.

Cell markers (one per cell, the cell runs until the next marker)::

    # %% [markdown]                    text cell; each line starts with "# "
    # %% code                          an ordinary, editable code cell
    # %% setup id=imports              read-only code cell (nbgrader "locked")
    # %% solution id=ex01_forward      the student's answer cell (solution blocks get stubbed)
    # %% visible id=ex01_forward_check read-only visible test, no points
    # %% graded id=ex01_forward_test points=2   locked graded test cell (hidden tests inside)
"""

from __future__ import annotations

import argparse
import hashlib
import re
from pathlib import Path

import nbformat

MARKER = re.compile(r"^# %%(?P<rest>.*)$")
KINDS = ("markdown", "code", "setup", "solution", "visible", "graded")


def _nbgrader_meta(kind: str, grade_id: str | None, points: float | None) -> dict | None:
    if kind in ("markdown", "code"):
        return None
    base = {"grade": False, "grade_id": grade_id, "locked": False, "schema_version": 3,
            "solution": False, "task": False}
    if kind == "solution":
        base["solution"] = True
    elif kind in ("setup", "visible"):
        base["locked"] = True
    elif kind == "graded":
        base.update(grade=True, locked=True, points=points)
    return base


def _parse_marker(rest: str, lineno: int) -> tuple[str, dict]:
    rest = rest.strip()
    if rest.startswith("[markdown]"):
        return "markdown", {}
    parts = rest.split()
    if not parts or parts[0] not in KINDS:
        raise ValueError(f"line {lineno}: unknown cell marker '# %%{rest}' (expected one of {KINDS})")
    attrs = dict(p.split("=", 1) for p in parts[1:])
    return parts[0], attrs


def script_to_notebook(text: str, name: str) -> nbformat.NotebookNode:
    cells, kind, attrs, body, start = [], None, {}, [], 0
    lines = text.splitlines()

    def flush():
        if kind is None:
            return
        while body and not body[-1].strip():
            body.pop()
        while body and not body[0].strip():
            body.pop(0)
        if kind == "markdown":
            src = "\n".join(re.sub(r"^# ?", "", ln) if ln.startswith("#") else ln for ln in body)
            cell = nbformat.v4.new_markdown_cell(src)
        else:
            cell = nbformat.v4.new_code_cell("\n".join(body))
        gid = attrs.get("id")
        if kind in ("setup", "solution", "visible", "graded") and not gid:
            raise ValueError(f"cell at line {start}: '{kind}' cells need id=...")
        points = float(attrs["points"]) if "points" in attrs else None
        if kind == "graded" and points is None:
            raise ValueError(f"cell at line {start}: graded cells need points=...")
        meta = _nbgrader_meta(kind, gid, points)
        if meta:
            if points is not None and points == int(points):
                meta["points"] = int(points)
            cell.metadata["nbgrader"] = meta
            cell.metadata["course_kind"] = kind  # lets notebook_to_script tell setup from visible
        # Stable cell ids so rebuilding gives the same file.
        cell.id = hashlib.sha1(f"{name}:{len(cells)}:{gid}".encode()).hexdigest()[:12]
        cells.append(cell)

    for i, line in enumerate(lines, 1):
        m = MARKER.match(line)
        if m:
            flush()
            kind, attrs = _parse_marker(m.group("rest"), i)
            body, start = [], i
        elif kind is None:
            if line.strip():
                raise ValueError(f"line {i}: text before the first '# %%' marker")
        else:
            body.append(line)
    flush()

    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return nb


def notebook_to_script(nb: nbformat.NotebookNode) -> str:
    out = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if cell.cell_type == "markdown":
            out.append("# %% [markdown]")
            out.extend(("# " + ln) if ln else "#" for ln in cell.source.splitlines())
        else:
            if not meta:
                out.append("# %% code")
            elif meta.get("grade"):
                pts = meta.get("points", 0)
                out.append(f"# %% graded id={meta['grade_id']} points={pts:g}")
            elif meta.get("solution"):
                out.append(f"# %% solution id={meta['grade_id']}")
            elif cell.metadata.get("course_kind") == "visible":
                out.append(f"# %% visible id={meta['grade_id']}")
            else:
                out.append(f"# %% setup id={meta['grade_id']}")
            out.extend(cell.source.splitlines())
        out.append("")
    return "\n".join(out)


def build(script: Path, notebook: Path) -> None:
    nb = script_to_notebook(script.read_text(), script.stem)
    nbformat.validate(nb)
    notebook.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(notebook))


def build_all(root: Path) -> list[Path]:
    """Write ``source/<s>/<s>.ipynb`` for every ``authoring/<s>.py``."""
    done = []
    for script in sorted((root / "authoring").glob("*.py")):
        target = root / "source" / script.stem / f"{script.stem}.ipynb"
        build(script, target)
        done.append(target)
    return done


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("script", type=Path)
    ap.add_argument("notebook", type=Path)
    a = ap.parse_args(argv)
    build(a.script, a.notebook)


if __name__ == "__main__":
    main()
