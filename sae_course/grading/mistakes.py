"""Named mistakes: recognise a failing answer that fails the way a known plausible mistake does.

The data is the course's library of plausible mistakes, ``authoring/mistakes/<section>/<answer id>/<name>.py``
(first line: a comment naming the mistake). The mutant checker (``sae_course.devtools.mutants``) runs every
mistake in place of the reference answer and records how each graded cell of that exercise ends; from that,
``python -m sae_course.devtools.mutants <section> --signatures`` writes
``authoring/mistakes/<section>/signatures.json``: per answer id, per mistake, its *signature*, the tuple of
``(graded cell, passed?, failure message)`` over the exercise's graded cells (messages stored as the checks wrote
them, normalised when loaded).

A student's exercise has a signature too, read from their autograded notebook. When a failing exercise's
signature equals the signature of known mistakes that all carry the same description, the feedback names that
mistake in one line (never the fix); when several different mistakes fail identically, it says nothing.
Normalising the messages (sizes, seeds and case numbers become ``#``; "37 of 40 values are wrong" becomes "most of
the values"; the checks' coarse "off by 1% to 10%" bands stay) makes signatures independent of the profile's sizes
while keeping what tells mistakes apart.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

SIGNATURES_FILE = "signatures.json"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_NUM = re.compile(r"(?<![A-Za-z_])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?!\d*\s*%)|\b(?:nan|inf)\b")
_COUNT = re.compile(r"\b(\d+) of (\d+) (values|entries|elements)")


def _share(m: re.Match) -> str:
    n, total = int(m.group(1)), int(m.group(2))
    share = "all" if n >= total else "most" if 2 * n >= total else "some" if 10 * n >= total else "a few"
    return f"{share} of the {m.group(3)}"
NOT_ATTEMPTED = "NotImplementedError"


def normalize(message: str) -> str:
    """A failure message without what varies between runs (numbers, sizes, whitespace)."""
    m = _ANSI.sub("", message or "").strip()
    if m.startswith("wrote to stderr") or m == "stderr":
        return "stderr"
    if m.startswith("timed out") or m.startswith("CellTimeoutError") or m == "timeout":
        return "timeout"
    m = _COUNT.sub(_share, m)  # "37 of 40 values are wrong" -> "most of the values": a trait of the mistake
    m = _NUM.sub("#", m)  # sizes, seeds, cases; percentages (the "off by 1% to 10%" bands) stay
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
            sig = tuple((g, bool(ok), "" if ok else normalize(msg)) for g, ok, msg in m.get("signature", []))
            out.setdefault(aid, []).append(KnownMistake(aid, m["name"], m.get("description", ""), sig))
    return out


def signatures_from_report(report) -> dict:
    """The JSON document for one section, from a ``devtools.mutants.Report``."""
    answers: dict[str, dict] = {}
    for res in report.mutants:
        if res.is_stub or res.source_error or not res.graded:
            continue
        if all(c.ok for c in res.graded):
            continue  # a mutant that passes everything has nothing to recognise
        # the raw messages (normalised when loaded, so a better normalisation needs no new run)
        sig = [[c.cell_id, bool(c.ok), "" if c.ok else c.error] for c in res.graded]
        entry = answers.setdefault(res.answer_id, {"graded": [c.cell_id for c in res.graded], "mutants": []})
        entry["mutants"].append({"name": res.mutant, "description": res.description, "signature": sig})
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
    d = description.strip().lstrip("#").strip().rstrip(".")
    d = re.sub(r"^(mistake|bug)\s*:\s*", "", d, flags=re.I)
    return d[:1].lower() + d[1:] if d[:2] != d[:2].upper() else d


# A hint names at most this many candidate mistakes. 1: on the mutant library a second name helps a student who
# made a known mistake but doubles the false hints for unknown ones (bench/bench_feedback_hints.py, docs/feedback.md).
MAX_NAMES = 1


def match(known: list[KnownMistake], signature: tuple, max_names: int | None = None) -> list[KnownMistake]:
    """The known mistakes a failing signature points to: one per distinct description, at most ``max_names``
    of them ([] when nothing matches, when more would match, or when the exercise was simply not attempted)."""
    max_names = MAX_NAMES if max_names is None else max_names
    if not signature or all(ok for _, ok, _ in signature):
        return []
    if any(NOT_ATTEMPTED in msg for _, ok, msg in signature if not ok):
        return []  # the stub: not a misconception
    hits: dict[str, KnownMistake] = {}
    for k in known:
        if k.signature == signature:
            hits.setdefault(_clean(k.description), k)
    return list(hits.values()) if 0 < len(hits) <= max_names else []


def label(hits: list[KnownMistake]) -> str:
    return " — or — ".join(_clean(h.description) for h in hits)


def hint_text(hits: list[KnownMistake]) -> str:
    if len(hits) == 1:
        return (f"your answer fails these tests exactly the way a common mistake does: {label(hits)}. "
                "Check that part of your code.")
    return (f"your answer fails these tests exactly the way one of these common mistakes does: {label(hits)}. "
            "Check those parts of your code.")


def match_notebook(nb, known: dict[str, list[KnownMistake]]) -> dict[str, list[KnownMistake]]:
    """Answer id -> the named mistake(s) its graded cells show, for every exercise of ``nb`` that matches."""
    out = {}
    for aid in answer_ids(nb):
        hits = match(known.get(aid, []), student_signature(nb, aid))
        if hits:
            out[aid] = hits
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
        for aid, hits in match_notebook(nb, cache[section]).items():
            key = (section, aid, label(hits))
            counts[key] += 1
            descriptions[key] = ",".join(h.name for h in hits)
    return [{"section": s, "exercise": a, "mistake": d, "name": descriptions[(s, a, d)], "students": n}
            for (s, a, d), n in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1], -kv[1], kv[0][2]))]


# --------------------------------------------------------------------------------------------------------------------
# How good are the hints? (on the mutant library itself)


def accuracy(known: dict[str, list[KnownMistake]], max_names: int | None = None) -> dict:
    """Held-in and leave-one-out figures over a section's known mistakes.

    held-in (every mistake in the library, as for a student who makes a known mistake): the hint names exactly
    this mistake (``named``), names it among two candidates (``among_two``), stays silent (``silent``: more than
    two different mistakes fail identically), or names only others (``wrong``);
    held-out (leave one out: the mistake removed from the library, as for a mistake nobody wrote down): the right
    answer is silence (``silent``); a hint that names other mistakes is ``wrong`` (``same_name``: it names a
    duplicate with the same description, which is right).
    """
    max_names = MAX_NAMES if max_names is None else max_names
    held_in, held_out = Counter(), Counter()
    for aid, ms in known.items():
        for i, m in enumerate(ms):
            me = _clean(m.description)
            names = [_clean(h.description) for h in match(ms, m.signature, max_names)]
            held_in["named" if names == [me] else "among_two" if me in names else "wrong" if names else "silent"] += 1
            names = [_clean(h.description) for h in match(ms[:i] + ms[i + 1:], m.signature, max_names)]
            held_out["silent" if not names else "same_name" if me in names else "wrong"] += 1
    return {"mistakes": sum(held_in.values()), "held_in": dict(held_in), "held_out": dict(held_out)}


def mistakes_card(course_root: Path) -> str:
    """The dashboard's "Named mistakes" card: per exercise, how many students made each known mistake."""
    import html

    try:
        rows = named_mistake_counts(course_root)
    except Exception as e:  # noqa: BLE001 - the dashboard must still be written
        rows, note = [], f"could not read the autograded notebooks ({type(e).__name__})"
    else:
        note = ""
    head = ('<section class="card" id="named-mistakes"><h2>Named mistakes</h2>'
            '<p class="hint">Failing answers that fail exactly the way a known plausible mistake does '
            '(<code>authoring/mistakes/&lt;section&gt;/signatures.json</code>); each student\'s feedback names it. '
            'See docs/feedback.md.</p>')
    if not rows:
        return head + f'<p class="empty">{html.escape(note or "No named mistakes in the graded submissions.")}</p></section>'
    body = "".join(
        f'<tr data-exercise="{html.escape(r["exercise"])}" data-mistake="{html.escape(r["name"])}">'
        f'<td>{html.escape(r["section"])}</td><td>{html.escape(r["exercise"])}</td>'
        f'<td>{html.escape(r["mistake"])}</td><td class="num">{r["students"]}</td></tr>' for r in rows)
    return (head + '<table id="mistake-table"><thead><tr><th>section</th><th>exercise</th><th>mistake</th>'
            f'<th class="num">students</th></tr></thead><tbody>{body}</tbody></table></section>')
