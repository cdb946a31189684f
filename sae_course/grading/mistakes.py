"""Named mistakes: recognise a failing answer that fails the way a known plausible mistake does.

The data is the course's library of plausible mistakes, ``authoring/mistakes/<section>/<answer id>/<name>.py``
(first line: a comment naming the mistake). The mutant checker (``sae_course.devtools.mutants``) runs every
mistake in place of the reference answer and records how each graded cell of that exercise ends; from that,
``python -m sae_course.devtools.mutants <section> --signatures`` writes
``authoring/mistakes/<section>/signatures.json``: per answer id, per mistake, its *signature*, the tuple of
``(graded cell, passed?, normalised failure message)`` over the exercise's graded cells.

A student's exercise has a signature too, read from their autograded notebook. When a failing exercise's
signature equals the signature of known mistakes that all carry the same description, the feedback names that
mistake in one line (never the fix); when several different mistakes fail identically, it says nothing.
Normalising the messages (numbers, sizes, counts become ``#``) makes signatures independent of the seed and of
the profile's sizes.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

SIGNATURES_FILE = "signatures.json"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_NUM = re.compile(r"(?<![A-Za-z_])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|\b(?:nan|inf)\b")
NOT_ATTEMPTED = "NotImplementedError"


def normalize(message: str) -> str:
    """A failure message without what varies between runs (numbers, sizes, whitespace)."""
    m = _ANSI.sub("", message or "").strip()
    if m.startswith("wrote to stderr") or m == "stderr":
        return "stderr"
    if m.startswith("timed out") or m.startswith("CellTimeoutError") or m == "timeout":
        return "timeout"
    m = _NUM.sub("#", m)
    return re.sub(r"\s+", " ", m)[:300]


# --------------------------------------------------------------------------------------------------------------------
# The student's side: outcomes of graded cells in an autograded notebook


def _nbg(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_graded_test(cell) -> bool:
    meta = _nbg(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.get("cell_type") == "code"


def answer_ids(nb) -> list[str]:
    return [_nbg(c)["grade_id"] for c in nb.cells if _nbg(c).get("solution") and _nbg(c).get("grade_id")]


def graded_cells_of(nb, answer_id: str) -> list:
    return [c for c in nb.cells if is_graded_test(c) and str(_nbg(c).get("grade_id", "")).startswith(f"{answer_id}_test")]


def cell_outcome(cell) -> tuple[bool, str]:
    """(passed, raw failure message) of a graded cell, judged as nbgrader does from its outputs."""
    meta = _nbg(cell)
    outputs = cell.get("outputs", [])
    for out in outputs:
        if out.get("output_type") == "error":
            return False, f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"
    if any(o.get("output_type") == "stream" and o.get("name") == "stderr" for o in outputs):
        return False, "stderr"
    score, points = meta.get("score"), meta.get("points")
    if score is not None and points is not None and float(score) < float(points):
        return False, ""
    return True, ""


def signature_of(cells_outcomes: list[tuple[str, bool, str]]) -> tuple:
    return tuple((gid, bool(ok), "" if ok else normalize(msg)) for gid, ok, msg in cells_outcomes)


def student_signature(nb, answer_id: str) -> tuple:
    return signature_of([(_nbg(c)["grade_id"], *cell_outcome(c)) for c in graded_cells_of(nb, answer_id)])


# --------------------------------------------------------------------------------------------------------------------
# The library's side: signatures.json


@dataclass(frozen=True)
class KnownMistake:
    answer_id: str
    name: str
    description: str
    signature: tuple


def signature_path(mistakes_dir: Path, section: str) -> Path:
    return Path(mistakes_dir) / section / SIGNATURES_FILE


def load_signatures(mistakes_dir: Path, section: str) -> dict[str, list[KnownMistake]]:
    """Known mistakes by answer id ({} when the section has no signatures file)."""
    path = signature_path(mistakes_dir, section)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out: dict[str, list[KnownMistake]] = {}
    for aid, entry in (data.get("answers") or {}).items():
        for m in entry.get("mutants", []):
            sig = tuple((g, bool(ok), msg) for g, ok, msg in m.get("signature", []))
            out.setdefault(aid, []).append(KnownMistake(aid, m["name"], m.get("description", ""), sig))
    return out


def signatures_from_report(report) -> dict:
    """The JSON document for one section, from a ``devtools.mutants.Report``."""
    answers: dict[str, dict] = {}
    for res in report.mutants:
        if res.is_stub or res.source_error or not res.graded:
            continue
        sig = signature_of([(c.cell_id, c.ok, c.error) for c in res.graded])
        if all(ok for _, ok, _ in sig):
            continue  # a mutant that passes everything has nothing to recognise
        entry = answers.setdefault(res.answer_id, {"graded": [c.cell_id for c in res.graded], "mutants": []})
        entry["mutants"].append({"name": res.mutant, "description": res.description, "signature": [list(s) for s in sig]})
    return {"section": report.section, "profile": report.profile,
            "regenerate": f"python -m sae_course.devtools.mutants {report.section} --signatures",
            "answers": answers}


def write_signatures(report, mistakes_dir: Path) -> Path:
    path = signature_path(mistakes_dir, report.section)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(signatures_from_report(report), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------------------------------
# Matching


def _clean(description: str) -> str:
    d = description.strip().rstrip(".")
    d = re.sub(r"^(mistake|bug)\s*:\s*", "", d, flags=re.I)
    return d[:1].lower() + d[1:] if d[:2] != d[:2].upper() else d


def match(known: list[KnownMistake], signature: tuple) -> KnownMistake | None:
    """The known mistake a failing signature names, or None (no match, or matches that disagree)."""
    if not signature or all(ok for _, ok, _ in signature):
        return None
    if any(NOT_ATTEMPTED in msg for _, ok, msg in signature if not ok):
        return None  # the stub: not a misconception
    hits = [k for k in known if k.signature == signature]
    if not hits or len({_clean(k.description) for k in hits}) != 1:
        return None
    return hits[0]


def hint_text(mistake: KnownMistake) -> str:
    return (f"Your answer fails these tests exactly the way a common mistake does: {_clean(mistake.description)}. "
            "Check that part of your code.")


def match_notebook(nb, known: dict[str, list[KnownMistake]]) -> dict[str, KnownMistake]:
    """Answer id -> the named mistake its graded cells show, for every exercise of ``nb`` that matches."""
    out = {}
    for aid in answer_ids(nb):
        hit = match(known.get(aid, []), student_signature(nb, aid))
        if hit:
            out[aid] = hit
    return out


def named_mistake_counts(course_root: Path) -> list[dict]:
    """For the dashboard: how many students' autograded notebooks show each named mistake, per exercise."""
    import nbformat

    course_root = Path(course_root)
    counts: Counter = Counter()
    descriptions = {}
    cache: dict[str, dict] = {}
    for path in sorted(course_root.glob("autograded/*/*/*.ipynb")):
        section = path.parent.name
        if section not in cache:
            cache[section] = load_signatures(course_root / "authoring" / "mistakes", section)
        if not cache[section]:
            continue
        try:
            nb = nbformat.read(str(path), as_version=4)
        except Exception:  # noqa: BLE001 - an unreadable notebook has no named mistakes
            continue
        for aid, hit in match_notebook(nb, cache[section]).items():
            key = (section, aid, _clean(hit.description))
            counts[key] += 1
            descriptions[key] = hit.name
    return [{"section": s, "exercise": a, "mistake": d, "name": descriptions[(s, a, d)], "students": n}
            for (s, a, d), n in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1], -kv[1], kv[0][2]))]


# --------------------------------------------------------------------------------------------------------------------
# How good are the hints? (on the mutant library itself)


def accuracy(known: dict[str, list[KnownMistake]]) -> dict:
    """Held-in and leave-one-out figures over a section's known mistakes.

    held-in: every mistake is in the library; for each one, does the matcher name it (``named``), stay silent
    because another mistake fails identically (``silent``), or name another mistake (``wrong``)?
    held-out (leave one out): the mistake is removed from the library, as for a student's new mistake; the right
    answer is silence (``silent``), a hint names some other mistake (``wrong``).
    """
    held_in = Counter()
    held_out = Counter()
    for aid, ms in known.items():
        for i, m in enumerate(ms):
            hit = match(ms, m.signature)
            held_in["named" if hit and _clean(hit.description) == _clean(m.description)
                    else ("wrong" if hit else "silent")] += 1
            rest = ms[:i] + ms[i + 1:]
            hit = match(rest, m.signature)
            if hit is None:
                held_out["silent"] += 1
            elif _clean(hit.description) == _clean(m.description):
                held_out["same_name"] += 1  # a duplicate of the same mistake: naming it is right
            else:
                held_out["wrong"] += 1
    n = sum(held_in.values())
    return {"mistakes": n, "held_in": dict(held_in), "held_out": dict(held_out)}
