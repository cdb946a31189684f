"""How often the feedback's named-mistake hint names the right mistake, measured on the mutant library itself.

For every section with ``authoring/mistakes/<section>/signatures.json`` (written by
``python -m sae_course.devtools.mutants <section> --signatures``), every plausible mistake is matched back
against the library (``sae_course.grading.mistakes.accuracy``):

- held in (the mistake is in the library, as for a student who makes a known mistake): the hint names it, the
  matcher stays silent because another mistake of the same exercise fails identically, or it names a wrong one;
- held out (leave one out: the mistake is removed from the library, as for a mistake nobody wrote down): the right
  answer is silence; naming another mistake is a false hint (``same_name``: a duplicate with the same description).

    python bench/bench_feedback_hints.py [--json]

prints one row per section and the totals (docs/feedback.md quotes them).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from sae_course.grading import mistakes

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=ROOT)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--max-names", type=int, default=None,
                    help=f"candidates a hint may name (default {mistakes.MAX_NAMES}, what the feedback does)")
    a = ap.parse_args(argv)
    folder = a.root / "authoring" / "mistakes"
    rows, total_in, total_out, n = [], Counter(), Counter(), 0
    for path in sorted(folder.glob(f"*/{mistakes.SIGNATURES_FILE}")):
        section = path.parent.name
        acc = mistakes.accuracy(mistakes.load_signatures(folder, section), a.max_names)
        rows.append({"section": section, **acc})
        total_in.update(acc["held_in"])
        total_out.update(acc["held_out"])
        n += acc["mistakes"]
    result = {"sections": rows, "mistakes": n, "held_in": dict(total_in), "held_out": dict(total_out)}
    if a.json:
        print(json.dumps(result, indent=1))
        return 0
    if not rows:
        print("no signatures.json yet: python -m sae_course.devtools.mutants <section> --signatures")
        return 1

    def pct(c: Counter, k: str, m: int) -> str:
        return f"{100 * c.get(k, 0) / m:.0f}%" if m else "-"

    print(f"hints name at most {a.max_names or mistakes.MAX_NAMES} mistake(s)")
    print(f"{'section':<18} {'mistakes':>8}  {'held in: named':>15} {'among two':>10} {'silent':>7} {'wrong':>6}"
          f"  {'held out: silent':>17} {'false hint':>11}")
    for r in rows + [{"section": "all", "mistakes": n, "held_in": total_in, "held_out": total_out}]:
        m, hi, ho = r["mistakes"], Counter(r["held_in"]), Counter(r["held_out"])
        print(f"{r['section']:<18} {m:>8}  {pct(hi, 'named', m):>15} {pct(hi, 'among_two', m):>10} "
              f"{pct(hi, 'silent', m):>7} {pct(hi, 'wrong', m):>6}"
              f"  {pct(ho, 'silent', m):>17} {pct(ho, 'wrong', m):>11}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
