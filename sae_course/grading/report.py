"""The cohort dashboard: a static HTML report written from the nbgrader gradebook.

``write_report(db_url, out_dir, course_root)`` writes

* ``out_dir/index.html``: summary, a students x sections heatmap of scores, completion per
  section, score distributions, per-exercise pass rates (the most missed first), submissions
  against due dates, and tables with the same numbers;
* ``out_dir/students/<id>.html``: one page per student with their sections, exercises and
  links to their nbgrader feedback (relative links, so the folder can be moved along with
  the course or opened from an artifact).

The pages work offline: plotly.js comes from the installed plotly package and is embedded
once in the dashboard; student pages have no JavaScript at all. No page loads anything from
the network. The numbers behind the dashboard are also embedded as JSON
(``<script type="application/json" id="report-data">``) for tools and tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import re
from pathlib import Path
from urllib.parse import quote

from .exports import Cohort, SectionResult, StudentInfo, fmt_num, fmt_time, load_cohort, safe_db_url

__all__ = ["write_report", "render_index", "student_page_name"]

PLOT_CONFIG = {"displaylogo": False, "responsive": True,
               "modeBarButtonsToRemove": ["sendDataToCloud", "lasso2d", "select2d"]}
MISSING_COLOR = "#d9d9d9"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

CSS = """
:root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#f6f8fa; --bad:#c62828; --ok:#2e7d32; }
* { box-sizing: border-box; }
body { font-family: %(font)s; color: var(--fg); margin: 0; background: #fff; }
header { background: #24292f; color: #fff; padding: 14px 28px; }
header h1 { margin: 0; font-size: 1.4rem; }
header p { margin: 4px 0 0; color: #c9d1d9; font-size: .85rem; }
header a { color: #9ecbff; }
main { padding: 12px 28px 40px; max-width: 1400px; }
nav.toc { margin: 10px 0 4px; font-size: .9rem; }
nav.toc a { margin-right: 14px; }
section.card { border: 1px solid var(--line); border-radius: 8px; padding: 8px 18px 14px; margin: 18px 0; }
section.card h2 { font-size: 1.1rem; margin: 8px 0 2px; }
p.hint { color: var(--muted); font-size: .85rem; margin: 2px 0 8px; }
.message { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: 10px 14px; margin: 14px 0; }
.empty { color: var(--muted); font-style: italic; }
.stats { display: flex; flex-wrap: wrap; gap: 12px; margin: 14px 0; }
.stat { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 8px 16px; min-width: 130px; }
.stat b { display: block; font-size: 1.4rem; }
.stat span { color: var(--muted); font-size: .8rem; }
table { border-collapse: collapse; font-size: .85rem; margin: 6px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--bg); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.missing { color: var(--muted); background: #f0f0f0; text-align: center; }
.late { color: var(--bad); font-weight: 600; }
.ok { color: var(--ok); }
.bad { color: var(--bad); }
.bar { display: inline-block; height: 9px; background: #e6e6e6; width: 120px; border-radius: 4px; vertical-align: middle; }
.bar i { display: block; height: 9px; border-radius: 4px; }
.plot { min-height: 120px; }
footer { color: var(--muted); font-size: .8rem; padding: 0 28px 20px; }
""" % {"font": FONT}


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def esc(x) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def student_page_name(student_id: str) -> str:
    """The file name of a student's page: ``<id>.html`` (ids that are not file-name safe get
    their odd characters replaced and a short hash appended)."""
    safe = re.sub(r"[^A-Za-z0-9._@+-]", "_", student_id)
    if safe != student_id or safe.startswith("."):
        safe = safe.lstrip(".") + "-" + hashlib.sha1(student_id.encode()).hexdigest()[:8]
    return safe + ".html"


def _href(target: Path, page_dir: Path) -> str:
    """A relative link from a page in ``page_dir`` to ``target`` (a file URI across drives)."""
    try:
        rel = os.path.relpath(target.resolve(), page_dir.resolve())
    except ValueError:
        return target.resolve().as_uri()
    return quote(Path(rel).as_posix(), safe="/._-~")


def _duration(seconds: float) -> str:
    minutes = int(round(abs(seconds) / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.0f}%"


def _color(p: float | None) -> str:
    """Red (0%) through amber to green (100%), for the little CSS bars."""
    if p is None:
        return MISSING_COLOR
    p = max(0.0, min(100.0, p)) / 100
    if p < 0.5:
        r, g = 215, int(60 + 2 * p * 150)
    else:
        r, g = int(215 - 2 * (p - 0.5) * 170), 175
    return f"rgb({r},{g},60)"


def _bar(p: float | None) -> str:
    if p is None:
        return ""
    w = max(0.0, min(100.0, p))
    return f'<span class="bar"><i style="width:{w:.0f}%;background:{_color(p)}"></i></span>'


def _mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def _median(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    mid = len(xs) // 2
    return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2


def _page(title: str, body: str, head_extra: str = "") -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n{head_extra}</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def _layout(**kw) -> dict:
    base = {"font": {"family": FONT, "size": 12}, "margin": {"l": 60, "r": 20, "t": 30, "b": 60},
            "plot_bgcolor": "#ffffff", "paper_bgcolor": "#ffffff"}
    base.update(kw)
    return base


# --------------------------------------------------------------------------------------------
# Figures: each returns (figure, None) or (None, why there is nothing to plot)
# --------------------------------------------------------------------------------------------


def _fig_heatmap(c: Cohort):
    import plotly.graph_objects as go

    if not c.students or not c.sections:
        return None, "No students or no sections yet."
    xs = [s.name for s in c.sections]
    ys = [s.id for s in c.students]
    z, text, hover, miss = [], [], [], []
    for st in c.students:
        zr, tr, hr, mr = [], [], [], []
        for sec in c.sections:
            r = c.result(st.id, sec.name)
            if r is None:
                zr.append(None)
                tr.append("")
                mr.append(1)
                hr.append(f"{esc(st.name)} · {esc(sec.name)}<br>no submission")
            else:
                p = r.percent
                zr.append(p)
                mr.append(None)
                tr.append(_pct(p) if p is not None else "")
                late = f"<br>late by {_duration(r.seconds_late)}" if r.late else ""
                hr.append(f"{esc(st.name)} · {esc(sec.name)}<br>{fmt_num(r.score)} / "
                          f"{fmt_num(r.max_score)} ({_pct(p)}){late}")
        z.append(zr)
        text.append(tr)
        hover.append(hr)
        miss.append(mr)
    fig = go.Figure()
    fig.add_trace(go.Heatmap(
        x=xs, y=ys, z=miss, colorscale=[[0, MISSING_COLOR], [1, MISSING_COLOR]], showscale=False,
        hovertext=hover, hoverinfo="text", name="no submission", xgap=2, ygap=2,
        text=[["no submission" if m else "" for m in row] for row in miss],
        texttemplate="%{text}", textfont={"color": "#777", "size": 10},
    ))
    fig.add_trace(go.Heatmap(
        x=xs, y=ys, z=z, zmin=0, zmax=100, colorscale="RdYlGn", xgap=2, ygap=2,
        colorbar={"title": {"text": "score %"}, "ticksuffix": "%"},
        text=text, texttemplate="%{text}", hovertext=hover, hoverinfo="text", name="score",
    ))
    fig.update_layout(_layout(
        height=max(260, 110 + 28 * len(ys)),
        yaxis={"autorange": "reversed", "type": "category", "title": {"text": "student"}},
        xaxis={"type": "category", "side": "top", "title": {"text": ""}},
        margin={"l": 110, "r": 20, "t": 60, "b": 20},
    ))
    return fig, None


def _fig_completion(c: Cohort):
    import plotly.graph_objects as go

    if not c.students or not c.sections:
        return None, "No students or no sections yet."
    xs, ys, text = [], [], []
    for sec in c.sections:
        done, total = c.completion(sec.name)
        xs.append(sec.name)
        ys.append(100.0 * done / total if total else 0.0)
        text.append(f"{done}/{total}")
    fig = go.Figure(go.Bar(
        x=xs, y=ys, text=text, textposition="auto", marker={"color": [_color(y) for y in ys]},
        hovertemplate="%{x}<br>%{text} students submitted (%{y:.0f}%)<extra></extra>",
    ))
    fig.update_layout(_layout(
        height=320, yaxis={"range": [0, 105], "ticksuffix": "%", "title": {"text": "submitted"},
                           "gridcolor": "#eee"},
        xaxis={"type": "category"},
    ))
    return fig, None


def _fig_scores(c: Cohort):
    import plotly.graph_objects as go

    if not c.results:
        return None, "No graded submissions yet."
    fig = go.Figure()
    names = {s.id: s.name for s in c.students}
    for sec in c.sections:
        subs = [r for r in c.submissions(sec.name) if r.percent is not None]
        fig.add_trace(go.Box(
            x=[sec.name] * len(subs), y=[r.percent for r in subs], name=sec.name,
            boxpoints="all", jitter=0.4, pointpos=0, marker={"size": 7, "opacity": .75},
            text=[f"{esc(names.get(r.student_id, r.student_id))}: {fmt_num(r.score)} / "
                  f"{fmt_num(r.max_score)}" for r in subs],
            hovertemplate="%{text}<extra>%{x}</extra>",
            showlegend=False, line={"color": "#4c72b0"}, fillcolor="rgba(76,114,176,.15)",
        ))
    fig.update_layout(_layout(
        height=360, yaxis={"range": [-5, 105], "ticksuffix": "%", "title": {"text": "score"},
                           "gridcolor": "#eee"},
        xaxis={"type": "category", "categoryorder": "array",
               "categoryarray": [s.name for s in c.sections]},
    ))
    return fig, None


def _fig_exercises(stats: list[dict]):
    import plotly.graph_objects as go

    rows = [r for r in stats if r["pass_rate"] is not None]
    if not rows:
        return None, "No graded submissions yet."
    labels = [f"{r['section']} · {r['exercise']}" for r in rows]
    rates = [100.0 * r["pass_rate"] for r in rows]
    fig = go.Figure(go.Bar(
        x=rates, y=labels, orientation="h", marker={"color": [_color(p) for p in rates]},
        text=[f"{r['passed']}/{r['attempted']}" for r in rows], textposition="auto",
        customdata=[[r["missed"]] for r in rows],
        hovertemplate="%{y}<br>passed by %{text} (%{x:.0f}%), missed by %{customdata[0]}"
                      "<extra></extra>",
    ))
    fig.update_layout(_layout(
        height=max(240, 90 + 24 * len(rows)),
        xaxis={"range": [0, 105], "ticksuffix": "%", "title": {"text": "students with full marks"},
               "gridcolor": "#eee"},
        yaxis={"autorange": "reversed", "type": "category", "automargin": True},
        margin={"l": 20, "r": 20, "t": 20, "b": 50},
    ))
    return fig, None


def _fig_late(c: Cohort):
    import plotly.graph_objects as go

    names = {s.id: s.name for s in c.students}
    pts = [r for r in c.results.values() if r.timestamp is not None and r.duedate is not None]
    if not pts:
        if c.results:
            return None, "No due dates set (or no submission times): nothing to compare."
        return None, "No graded submissions yet."
    fig = go.Figure()
    for late, color, label in ((False, "#2e7d32", "on time"), (True, "#c62828", "late")):
        sel = sorted((r for r in pts if r.late == late), key=lambda r: (r.section, r.student_id))
        if not sel:
            continue
        fig.add_trace(go.Scatter(
            x=[r.section for r in sel],
            y=[(r.timestamp - r.duedate).total_seconds() / 3600 for r in sel],
            mode="markers", name=label, marker={"color": color, "size": 9, "opacity": .8},
            text=[f"{esc(names.get(r.student_id, r.student_id))}<br>submitted "
                  f"{fmt_time(r.timestamp)} UTC<br>due {fmt_time(r.duedate)} UTC"
                  + (f"<br>late by {_duration(r.seconds_late)}" if r.late else "") for r in sel],
            hovertemplate="%{text}<extra>%{x}</extra>",
        ))
    fig.add_hline(y=0, line={"color": "#555", "dash": "dash"}, annotation_text="due",
                  annotation_position="top left")
    fig.update_layout(_layout(
        height=360, legend={"orientation": "h", "y": 1.1},
        yaxis={"title": {"text": "hours after the due date"}, "zeroline": False,
               "gridcolor": "#eee"},
        xaxis={"type": "category", "categoryorder": "array",
               "categoryarray": [s.name for s in c.sections]},
    ))
    return fig, None


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------


def _plot_block(key: str, title: str, hint: str, fig_or_reason, extra_html: str = "") -> str:
    import plotly.io as pio

    fig, reason = fig_or_reason
    if fig is not None:
        inner = pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=f"plot-{key}",
                            config=PLOT_CONFIG, default_height=f"{fig.layout.height or 360}px")
        inner = f'<div class="plot" data-plot="{key}">{inner}</div>'
    else:
        inner = f'<p class="empty" data-plot-missing="{key}">{esc(reason)}</p>'
    return (f'<section class="card" id="{key}"><h2>{esc(title)}</h2>'
            f'<p class="hint">{hint}</p>{inner}{extra_html}</section>')


def _summary_json(c: Cohort, stats: list[dict]) -> str:
    data = {
        "course_id": c.course_id,
        "message": c.message,
        "students": [s.id for s in c.students],
        "sections": [s.name for s in c.sections],
        "max_scores": {s.name: s.max_score for s in c.sections},
        "scores": {st.id: {sec.name: (None if (r := c.result(st.id, sec.name)) is None
                                      else r.score) for sec in c.sections}
                   for st in c.students},
        "completion": {sec.name: list(c.completion(sec.name)) for sec in c.sections},
        "exercises": stats,
        "late": [{"student": r.student_id, "section": r.section,
                  "seconds_late": r.seconds_late} for r in c.results.values() if r.late],
    }
    return json.dumps(data, indent=1, sort_keys=True).replace("</", "<\\/")


def render_index(c: Cohort, db_url: str, generated: dt.datetime) -> str:
    """The dashboard page's HTML (plotly.js embedded once, in the head)."""
    from plotly.offline import get_plotlyjs

    stats = c.exercise_stats()
    parts = [_index_header(c, db_url, generated)]
    parts.append(_plot_block(
        "heatmap", "Students × sections",
        "Score per student and section (% of the section's points). Grey: no graded submission "
        "(missing, not 0).", _fig_heatmap(c)))
    parts.append(_plot_block(
        "completion", "Completion per section",
        "Students with a graded submission, out of every student in the gradebook.",
        _fig_completion(c), _section_table(c)))
    parts.append(_plot_block(
        "scores", "Score distributions",
        "One point per graded submission; the box spans the middle half of the cohort.",
        _fig_scores(c)))
    parts.append(_plot_block(
        "exercises", "Exercises across the cohort — most missed first",
        "Share of the students who submitted the section that got full marks on the exercise "
        "(all of its graded cells, e.g. <code>_test</code> and <code>_test2</code>).",
        _fig_exercises(stats), _exercise_table(stats)))
    parts.append(_plot_block(
        "late", "Submissions against due dates",
        "Submission time (nbgrader's timestamp) minus the due date, extensions included; "
        "above the line is late.", _fig_late(c), _late_table(c)))
    parts.append(_students_card(c))
    parts.append("</main>")
    parts.append(f'<script type="application/json" id="report-data">{_summary_json(c, stats)}'
                 "</script>")

    # plotly.js once, inline, and only when there is something to plot
    has_plots = any('data-plot="' in p for p in parts)
    head_extra = f'<script type="text/javascript">{get_plotlyjs()}</script>\n' if has_plots else ""
    return _page(f"{c.course_id} — cohort progress", "\n".join(parts), head_extra)


def _index_header(c: Cohort, db_url: str, generated: dt.datetime) -> str:
    """Title, the optional message, the headline numbers and the table of contents."""
    n_sub = len(c.results)
    n_late = sum(1 for r in c.results.values() if r.late)
    mean = _mean(r.percent for r in c.results.values())
    out = (f"<header><h1>{esc(c.course_id)} — cohort progress</h1>"
           f"<p>Gradebook {esc(safe_db_url(db_url))} · generated {fmt_time(generated)} UTC · "
           f"exports: <code>sae-course export</code></p></header><main>")
    if c.message:
        out += "\n" + f'<div class="message" id="message">{esc(c.message)}</div>'
    return out + "\n" + (
        '<div class="stats">'
        f'<div class="stat"><b>{len(c.students)}</b><span>students</span></div>'
        f'<div class="stat"><b>{len(c.sections)}</b><span>sections</span></div>'
        f'<div class="stat"><b>{n_sub}</b><span>graded submissions</span></div>'
        f'<div class="stat"><b>{n_late}</b><span>late submissions</span></div>'
        f'<div class="stat"><b>{_pct(mean)}</b><span>mean score</span></div></div>'
        '<nav class="toc"><a href="#heatmap">Heatmap</a><a href="#completion">Completion</a>'
        '<a href="#scores">Score distributions</a><a href="#exercises">Exercises</a>'
        '<a href="#late">Due dates</a><a href="#students">Students</a></nav>'
    )


def _section_table(c: Cohort) -> str:
    rows = []
    for sec in c.sections:
        done, total = c.completion(sec.name)
        pcts = [r.percent for r in c.submissions(sec.name)]
        late = sum(1 for r in c.submissions(sec.name) if r.late)
        rows.append(
            f'<tr data-section="{esc(sec.name)}"><td>{esc(sec.name)}</td>'
            f'<td>{esc(fmt_time(sec.duedate) or "—")}</td><td class="num">{fmt_num(sec.max_score)}</td>'
            f'<td class="num">{done}/{total}</td><td class="num">{_pct(100 * done / total if total else None)}</td>'
            f'<td class="num">{_pct(_mean(pcts))}</td><td class="num">{_pct(_median(pcts))}</td>'
            f'<td class="num">{late}</td></tr>')
    return (
        '<table id="section-table"><thead><tr><th>section</th><th>due (UTC)</th>'
        '<th class="num">points</th><th class="num">submitted</th><th class="num">completion</th>'
        '<th class="num">mean</th><th class="num">median</th><th class="num">late</th></tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table>' if rows else "")


def _exercise_table(stats: list[dict]) -> str:
    rows = []
    for r in stats:
        rows.append(
            f'<tr data-exercise="{esc(r["exercise"])}"><td>{esc(r["section"])}</td>'
            f'<td>{esc(r["exercise"])}</td><td class="num">{fmt_num(r["max_score"])}</td>'
            f'<td class="num">{r["attempted"]}</td><td class="num">{r["passed"]}</td>'
            f'<td class="num">{r["missed"]}</td>'
            f'<td class="num">{_pct(None if r["pass_rate"] is None else 100 * r["pass_rate"])}</td>'
            f'<td class="num">{fmt_num(r["mean_score"], 2) or "—"}</td></tr>')
    return (
        '<table id="exercise-table"><thead><tr><th>section</th><th>exercise</th>'
        '<th class="num">points</th><th class="num">submitted</th><th class="num">passed</th>'
        '<th class="num">missed</th><th class="num">pass rate</th><th class="num">mean points</th>'
        f'</tr></thead><tbody>{"".join(rows)}</tbody></table>' if rows else "")


def _late_table(c: Cohort) -> str:
    names = {s.id: s.name for s in c.students}
    rows = []
    for r in sorted((r for r in c.results.values() if r.late),
                    key=lambda r: (r.section, -r.seconds_late, r.student_id)):
        rows.append(
            f'<tr><td><a href="students/{esc(quote(student_page_name(r.student_id)))}">'
            f'{esc(r.student_id)}</a></td><td>{esc(names.get(r.student_id, ""))}</td>'
            f'<td>{esc(r.section)}</td><td>{fmt_time(r.duedate)}</td><td>{fmt_time(r.timestamp)}</td>'
            f'<td class="late">{_duration(r.seconds_late)}</td></tr>')
    return (
        '<table id="late-table"><thead><tr><th>student</th><th>name</th><th>section</th>'
        '<th>due (UTC)</th><th>submitted (UTC)</th><th>late by</th></tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table>' if rows
        else ('<p class="hint">No late submissions.</p>' if c.results else ""))


def _students_card(c: Cohort) -> str:
    """Every student's points per section, with links to their pages."""
    head = "".join(f'<th class="num">{esc(s.name)}</th>' for s in c.sections)
    rows = []
    for st in c.students:
        cells = []
        for sec in c.sections:
            r = c.result(st.id, sec.name)
            if r is None:
                cells.append('<td class="missing">—</td>')
            else:
                mark = ' <span class="late" title="submitted late">late</span>' if r.late else ""
                cells.append(f'<td class="num" data-score="{fmt_num(r.score)}">'
                             f'{fmt_num(r.score)}/{fmt_num(r.max_score)}{mark}</td>')
        done = sum(1 for sec in c.sections if c.result(st.id, sec.name) is not None)
        rows.append(
            f'<tr data-student="{esc(st.id)}"><td><a href="students/'
            f'{esc(quote(student_page_name(st.id)))}">{esc(st.id)}</a></td><td>{esc(st.name)}</td>'
            f'{"".join(cells)}<td class="num">{done}/{len(c.sections)}</td></tr>')
    table = (
        f'<table id="student-table"><thead><tr><th>student</th><th>name</th>{head}'
        f'<th class="num">sections done</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
        if rows else '<p class="empty">No students in the gradebook yet.</p>')
    return (f'<section class="card" id="students"><h2>Students</h2>'
            f'<p class="hint">Points per section; — no submission; <span class="late">late</span>: submitted after the due date. Each student has '
            f'a page with their exercises and feedback.</p>{table}</section>')


def _feedback_links(course_root: Path, student_id: str, section: str, page_dir: Path) -> str:
    folder = Path(course_root) / "feedback" / student_id / section
    files = sorted(folder.glob("*.html")) if folder.is_dir() else []
    if not files:
        return '<span class="empty">no feedback yet</span>'
    return " ".join(f'<a class="feedback" href="{esc(_href(f, page_dir))}">{esc(f.stem)}</a>'
                    for f in files)


def render_student(c: Cohort, st: StudentInfo, course_root: Path, page_dir: Path,
                   generated: dt.datetime) -> str:
    """One student's page: sections, exercises and links to their feedback."""
    stats = {(r["section"], r["exercise"]): r for r in c.exercise_stats()}
    who = " · ".join(esc(x) for x in (st.id if st.name != st.id else None, st.email,
                                      st.lms_user_id and f"LMS {st.lms_user_id}") if x)
    parts = [
        f'<header><h1>{esc(st.name)}</h1><p>{who + " · " if who else ""}<a href="../index.html">← cohort dashboard</a>'
        f" · generated {fmt_time(generated)} UTC</p></header><main>",
    ]
    rows = []
    for sec in c.sections:
        r: SectionResult | None = c.result(st.id, sec.name)
        fb = _feedback_links(course_root, st.id, sec.name, page_dir)
        if r is None:
            rows.append(
                f'<tr data-section="{esc(sec.name)}" data-status="missing"><td>{esc(sec.name)}</td>'
                f'<td>{fmt_time(sec.duedate) or "—"}</td><td class="missing" colspan="4">no submission'
                f'</td><td>{fb}</td></tr>')
            continue
        status = (f'<span class="late">late by {_duration(r.seconds_late)}</span>' if r.late
                  else '<span class="ok">on time</span>' if r.duedate else "")
        penalty = f" (−{fmt_num(r.penalty)} late)" if r.penalty else ""
        rows.append(
            f'<tr data-section="{esc(sec.name)}" data-status="graded"><td><a href="#sec-{esc(sec.name)}">'
            f'{esc(sec.name)}</a></td><td>{fmt_time(r.duedate) or "—"}</td>'
            f'<td>{fmt_time(r.timestamp) or "—"}</td><td>{status}</td>'
            f'<td class="num" data-score="{fmt_num(r.score)}">{fmt_num(r.score)} / '
            f'{fmt_num(r.max_score)}{penalty}</td>'
            f'<td>{_bar(r.percent)} {_pct(r.percent)}</td><td>{fb}</td></tr>')
    if rows:
        parts.append(
            '<section class="card"><h2>Sections</h2><table id="sections"><thead><tr>'
            '<th>section</th><th>due (UTC)</th><th>submitted (UTC)</th><th>status</th>'
            '<th class="num">points</th><th>score</th><th>feedback</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></section>')
    else:
        parts.append('<p class="empty">No sections in the gradebook yet.</p>')

    for sec in c.sections:
        r = c.result(st.id, sec.name)
        if r is None:
            continue
        erows = []
        for ex, ex_max in sec.exercises.items():
            e = r.exercises.get(ex)
            score = e.score if e else 0.0
            if e is not None and e.passed:
                res = '<span class="ok">passed</span>'
            elif score > 0:
                res = '<span class="bad">partly</span>'
            else:
                res = '<span class="bad">missed</span>'
            s = stats.get((sec.name, ex))
            rate = _pct(100 * s["pass_rate"]) if s and s["pass_rate"] is not None else "—"
            erows.append(
                f'<tr data-exercise="{esc(ex)}"><td>{esc(ex)}</td>'
                f'<td class="num">{fmt_num(score)} / {fmt_num(ex_max)}</td><td>{res}</td>'
                f'<td class="num">{rate}</td></tr>')
        parts.append(
            f'<section class="card" id="sec-{esc(sec.name)}"><h2>{esc(sec.name)}</h2>'
            '<table class="exercises"><thead><tr><th>exercise</th><th class="num">points</th>'
            '<th>result</th><th class="num">cohort pass rate</th></tr></thead>'
            f'<tbody>{"".join(erows)}</tbody></table></section>')
    parts.append("</main>")
    return _page(f"{st.name} — {c.course_id}", "\n".join(parts))


def write_report(db_url: str, out_dir: Path, course_root: Path,
                 course_id: str = "sae-course") -> Path:
    """Write the dashboard (``out_dir/index.html``) and the student pages
    (``out_dir/students/<id>.html``) from the gradebook at ``db_url``; return index.html.

    ``course_root`` is the nbgrader course root: feedback is looked up in
    ``course_root/feedback/<student>/<section>/*.html`` and linked relatively.
    An empty or missing gradebook still gives a valid page that says what to do next.
    """
    out_dir = Path(out_dir)
    course_root = Path(course_root)
    cohort = load_cohort(db_url, course_id)
    generated = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)

    students_dir = out_dir / "students"
    students_dir.mkdir(parents=True, exist_ok=True)
    written = set()
    for st in cohort.students:
        name = student_page_name(st.id)
        (students_dir / name).write_text(
            render_student(cohort, st, course_root, students_dir, generated), encoding="utf-8")
        written.add(name)
    for stale in students_dir.glob("*.html"):  # students no longer in the gradebook
        if stale.name not in written:
            stale.unlink()

    index = out_dir / "index.html"
    page = render_index(cohort, db_url, generated)
    from .mistakes import mistakes_card  # named mistakes per exercise (the feedback's hints), from autograded/

    page = page.replace("</main>", mistakes_card(course_root) + "</main>", 1)
    index.write_text(page, encoding="utf-8")
    return index
