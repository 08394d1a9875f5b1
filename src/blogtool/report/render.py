"""Renderings of a coverage :class:`~blogtool.report.Report`: text, markdown, JSON and HTML.

Everything taken from a draft (titles, messages, paths) is escaped for the format it goes
into: HTML-escaped in HTML and in Markdown's HTML parts, backslash-escaped in Markdown
text, so a ``<script>`` heading stays text.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from blogtool.layouts import HEADING_LAYOUTS
from blogtool.paint import Paint, no_paint
from blogtool.report.model import (
    Comparison,
    Coverage,
    DraftDelta,
    DraftReport,
    Report,
    SectionReport,
)

FORMATS = ("text", "markdown", "json", "html")


def render(
    fmt: str,
    report: Report,
    *,
    paint: Paint = no_paint,
    unicode: bool = True,
    link_base: Path | None = None,
) -> str:
    """The report in one of :data:`FORMATS`; ``link_base`` is where HTML links start from."""
    if fmt == "json":
        return report.to_json()
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "html":
        return render_html(report, link_base)
    return render_text(report, paint=paint, unicode=unicode)


def _finished(draft: DraftReport) -> str:
    """``72% (18/25) paper sections finished``: the coverage and what it counts."""
    label = draft.coverage.label()
    sections = draft.layout in HEADING_LAYOUTS or not draft.layout
    return {
        "paper": f"{label} paper sections finished"
        if sections
        else f"{label} papers finished (with notes, no TODO)",
        "leaf": f"{label} sections finished",
        "draft": f"{label} finished (the whole draft as one section)",
    }[draft.basis]


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _todos(n: int) -> str:
    return _plural(n, "TODO")


def _drafts(n: int) -> str:
    return _plural(n, "draft")


def _signed(n: int) -> str:
    return f"+{n}" if n >= 0 else str(n)


def _delta_phrase(delta: DraftDelta) -> str:
    if delta.status == "new":
        return "new since the baseline"
    if delta.status == "removed":
        return "gone since the baseline"
    was = delta.before.label() if delta.before else "n/a"
    parts = [f"{_signed(delta.finished_delta)} finished (was {was})"]
    if delta.total_delta:
        parts.append(f"{_signed(delta.total_delta)} sections")
    parts.append(_plural(sum(c.count for c in delta.new_todos), "new TODO"))
    parts.append(f"{sum(c.count for c in delta.resolved_todos)} resolved")
    return ", ".join(parts)


def _comparison_phrase(comparison: Comparison) -> str:
    finished = comparison.after.finished - comparison.before.finished
    return (
        f"since the baseline {comparison.baseline}: {_signed(finished)} finished "
        f"(was {comparison.before.label()}), {_plural(comparison.new_count, 'new TODO')}, "
        f"{comparison.resolved_count} resolved"
    )


def _deltas_by_path(report: Report) -> dict[str, DraftDelta]:
    if report.comparison is None:
        return {}
    return {d.path: d for d in report.comparison.drafts}


# ---------------------------------------------------------------------- text


def render_text(
    report: Report, paint: Paint = no_paint, unicode: bool = True, width: int = 100
) -> str:
    """A compact table per draft, worst sections first, with a coverage bar.

    Paths, titles and messages come from drafts: their control characters are escaped
    (:func:`~blogtool.safetext.for_terminal`), so only the table's own colours reach the
    terminal.
    """
    from blogtool.safetext import for_terminal as plain

    style = _Style(paint)
    deltas = _deltas_by_path(report)
    out: list[str] = []
    for draft in report.drafts:
        cov = draft.coverage
        bar = _bar(cov, 24, unicode, style)
        out.append(
            f"{style.bold(plain(draft.path))}  {bar} {_finished(draft)}, {_todos(draft.todo_count)}"
        )
        if draft.path in deltas:
            delta = deltas[draft.path]
            out.append(f"  {_delta_phrase(delta)}")
            arrow = " → " if unicode else " -> "
            worse = [
                f"{_clip(plain(r.section), 40, unicode)} {r.before}{arrow}{r.after}"
                for r in delta.regressions
            ]
            if worse:
                out += _wrap_items(worse, ", ", "  more TODOs in: ", width)
        if draft.years:
            items = [f"{plain(y.title)} {y.coverage.label()}" for y in draft.years]
            out += _wrap_items(items, " · " if unicode else " | ", "  years: ", width)
        rows = draft.open_sections()
        if rows:
            title_width = min(44, max(len(plain(s.display_title)) for s in rows))
            out.append(style.dim(f"  {'line':>5}  {'section':<{title_width}}  todos"))
            for s in rows:
                title = _clip(plain(s.display_title), title_width, unicode)
                todos = ", ".join(
                    f"{g.kind} {g.rule} L{g.first_line}" + (f" ×{g.count}" if g.count > 1 else "")
                    for g in s.todos
                )
                if not unicode:
                    todos = todos.replace("×", "x")
                out.append(f"  {s.line:>5}  {title:<{title_width}}  {todos}")
        out.append("")
    for error in report.errors:
        out.append(f"{style.red('not reported:')} {plain(error.message)}")
    total = report.coverage
    summary = (
        f"Total: {total.label()} finished in {_drafts(len(report.drafts))}, "
        f"{_todos(report.todo_count)} open"
    )
    if report.comparison:
        summary += f"; {_comparison_phrase(report.comparison)}"
    out.append(style.bold(summary) + ".")
    return "\n".join(out)


def _wrap_items(items: Sequence[str], sep: str, lead: str, width: int) -> list[str]:
    """Join items into lines of at most ``width`` after ``lead``, never breaking an item."""
    lines: list[str] = []
    current = ""
    for item in items:
        if current and len(lead) + len(current) + len(sep) + len(item) > width:
            lines.append(current + sep.rstrip())
            current = item
        else:
            current += (sep if current else "") + item
    lines.append(current)
    return [(lead if i == 0 else " " * len(lead)) + line for i, line in enumerate(lines)]


def _level(cov: Coverage) -> str:
    """How done: "high" from 80%, "mid" from 50%, else "low"; "none" when nothing counts."""
    percent = cov.percent
    if percent is None:
        return "none"
    return "high" if percent >= 80 else "mid" if percent >= 50 else "low"


class _Style:
    """The table's colours, painted by the :class:`~blogtool.paint.Paint` it is given."""

    def __init__(self, paint: Paint) -> None:
        self.paint = paint

    def bold(self, text: str) -> str:
        return self.paint(text, bold=True)

    def dim(self, text: str) -> str:
        return self.paint(text, dim=True)

    def red(self, text: str) -> str:
        return self.paint(text, fg="red")

    def level(self, cov: Coverage, text: str) -> str:
        level = _level(cov)
        if level == "none":
            return self.dim(text)
        return self.paint(text, fg={"high": "green", "mid": "yellow", "low": "red"}[level])


def _bar(cov: Coverage, width: int, unicode: bool, style: _Style) -> str:
    filled = width * cov.finished // cov.total if cov.total else 0
    full, empty = ("█", "░") if unicode else ("#", "-")
    return "[" + style.level(cov, full * filled) + style.dim(empty * (width - filled)) + "]"


def _clip(text: str, width: int, unicode: bool) -> str:
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    return text[: width - 1] + ("…" if unicode else "~")


# ---------------------------------------------------------------------- markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_text(text: str) -> str:
    """Text for a Markdown table cell or paragraph: no markup, no HTML, no line breaks."""
    text = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def render_markdown(report: Report) -> str:
    """A summary for a CI job summary or a PR comment."""
    total = report.coverage
    out = [
        f"## TODO coverage: {total.label()} finished",
        "",
        f"{_drafts(len(report.drafts))}, {_todos(report.todo_count)} open.",
    ]
    if report.comparison:
        out[-1] += f" {_sentence(md_text(_comparison_phrase(report.comparison)))}."
    out += ["", "| Draft | Coverage | Open TODOs | By kind |", "|---|---|---|---|"]
    for draft in report.drafts:
        kinds = ", ".join(f"{k} {n}" for k, n in draft.kind_counts().most_common())
        out.append(
            f"| {md_text(draft.path)} | {draft.coverage.label()} | {draft.todo_count} | "
            f"{md_text(kinds) or '-'} |"
        )
    for error in report.errors:
        out.append(f"| {md_text(error.path)} | not reported | - | {md_text(error.message)} |")
    deltas = _deltas_by_path(report)
    for draft in report.drafts:
        out += ["", f"### {md_text(draft.path)}", ""]
        out.append(f"{_sentence(_finished(draft))}.")
        if draft.path in deltas:
            out[-1] += f" {_sentence(md_text(_delta_phrase(deltas[draft.path])))}."
        if draft.years:
            out += ["", "| Year | Coverage | Open TODOs |", "|---|---|---|"]
            for y in draft.years:
                out.append(f"| {md_text(y.title)} | {y.coverage.label()} | {y.todo_count} |")
        for s in draft.open_sections():
            summary = html.escape(f"{s.display_title} (line {s.line}): {_todos(s.todo_count)}")
            out += [
                "",
                "<details>",
                f"<summary>{summary}</summary>",
                "",
                "| Kind | Rule | Count | First line | Message |",
                "|---|---|---|---|---|",
            ]
            for g in s.todos:
                out.append(
                    f"| {g.kind} | {g.rule} | {g.count} | {g.first_line} | {md_text(g.message)} |"
                )
            out += ["", "</details>"]
    if report.comparison:
        out += _markdown_changes(report.comparison)
    return "\n".join(out)


def _markdown_changes(comparison: Comparison) -> list[str]:
    out = [
        "",
        "### Since the baseline",
        "",
        "| Draft | Section | Rule | Change |",
        "|---|---|---|---|",
    ]
    rows = 0
    for d in comparison.drafts:
        for sign, changes in (("+", d.new_todos), ("-", d.resolved_todos)):
            for c in changes:
                cells = f"{md_text(d.path)} | {md_text(c.section)} | {c.rule}"
                out.append(f"| {cells} | {sign}{c.count} |")
                rows += 1
    return out if rows else ["", "No TODO came or went since the baseline."]


# ---------------------------------------------------------------------- html

_CSS = """
:root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --track:#eef1f4; --done:#1a7f37;
  --mid:#bf8700; --low:#cf222e; --bg:#ffffff; --link:#0969da; --head:#f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6edf3; --muted:#9198a1; --line:#3d444d;
  --track:#262c36; --done:#3fb950; --mid:#d29922; --low:#f85149; --bg:#0d1117; --link:#4493f8;
  --head:#151b23; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 32px 40px 48px; background: var(--bg); color: var(--fg);
  font: 15px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
main { max-width: 1080px; margin: 0 auto; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 40px 0 8px; padding-bottom: 6px; border-bottom: 1px solid var(--line);
  word-break: break-all; }
h3 { font-size: 15px; margin: 20px 0 8px; color: var(--muted); font-weight: 600; }
p { margin: 4px 0; }
.muted { color: var(--muted); }
.big { font-size: 18px; }
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font: 13px -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
  fill: var(--fg); }
svg .track { fill: var(--track); }
svg .high { fill: var(--done); }
svg .mid { fill: var(--mid); }
svg .low { fill: var(--low); }
svg text.draft { font-weight: 600; }
svg text.note { fill: var(--muted); }
svg .rule { stroke: var(--line); stroke-width: 1; }
table { border-collapse: collapse; width: 100%; margin-top: 4px; font-size: 14px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { background: var(--head); font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.rule { white-space: nowrap; font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
  font-size: 13px; }
.kind { display: inline-block; padding: 0 8px; border-radius: 10px; background: var(--track);
  white-space: nowrap; font-size: 13px; }
.also { color: var(--muted); font-size: 13px; }
.error { color: var(--low); }
.up { color: var(--done); }
.down { color: var(--low); }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _href(path: str, link_base: Path | None, line: int | None = None) -> str:
    base = link_base if link_base is not None else Path.cwd()
    try:
        rel = Path(os.path.relpath(os.path.abspath(path), os.path.abspath(base))).as_posix()
    except ValueError:  # another drive on Windows
        rel = Path(os.path.abspath(path)).as_uri()
        return rel + (f"#L{line}" if line else "")
    return quote(rel) + (f"#L{line}" if line else "")


def render_html(report: Report, link_base: Path | None = None) -> str:
    """One self-contained page: inline CSS and SVG, no script, no network."""
    total = report.coverage
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>TODO coverage: {_e(total.label())}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        "<h1>TODO coverage</h1>",
        f'<p class="big">{_e(total.label())} finished in {_drafts(len(report.drafts))}, '
        f"{_todos(report.todo_count)} open.</p>",
    ]
    if report.comparison:
        parts.append(f'<p class="muted">{_e(_comparison_phrase(report.comparison))}.</p>')
    for error in report.errors:
        parts.append(f'<p class="error">Not reported: {_e(error.message)}</p>')
    deltas = _deltas_by_path(report)
    for draft in report.drafts:
        parts += _html_draft(draft, link_base, deltas.get(draft.path))
    parts += [
        '<p class="muted" style="margin-top:40px">Coverage: finished papers / papers (paper '
        "entries in any layout, else leaf sections, else the whole draft); a paper is finished "
        "when it has notes and no TODO lies inside it. Made by <code>blogtool report</code>.</p>",
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts)


def _html_draft(draft: DraftReport, link_base: Path | None, delta: DraftDelta | None) -> list[str]:
    href = _href(draft.path, link_base)
    out = [
        f'<section class="draft" data-path="{_e(draft.path)}">',
        f'<h2><a href="{_e(href)}">{_e(draft.path)}</a></h2>',
        f"<p>{_e(_finished(draft))}, {_todos(draft.todo_count)} open.</p>",
    ]
    if delta is not None:
        cls = "up" if delta.finished_delta > 0 else "down" if delta.finished_delta < 0 else "muted"
        out.append(f'<p class="{cls}">{_e(_delta_phrase(delta))}.</p>')
    rows = [("Whole draft", draft.coverage, "draft")] + [
        (y.title, y.coverage, "year") for y in draft.years
    ]
    out.append("<h3>Coverage per year section</h3>" if draft.years else "<h3>Coverage</h3>")
    out.append(_svg_bars(rows, f"Coverage of {draft.path} per year section"))
    out += _html_todo_table(draft, link_base)
    out.append("</section>")
    return out


def _svg_bars(rows: Sequence[tuple[str, Coverage, str]], label: str) -> str:
    """Horizontal bars, one per row; the first row (the whole draft) stands apart."""
    label_w, bar_w, row_h, gap, extra = 120, 560, 22, 8, 12
    width = label_w + bar_w + 150
    height = len(rows) * (row_h + gap) + gap + (extra if len(rows) > 1 else 0)
    out = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{_e(label)}">'
    ]
    for i, (name, cov, kind) in enumerate(rows):
        y = gap + i * (row_h + gap) + (extra if i else 0)
        mid = y + row_h / 2 + 4.5
        if i == 1:
            rule_y = y - (gap + extra) / 2
            out.append(f'<line class="rule" x1="0" x2="{width}" y1="{rule_y}" y2="{rule_y}"/>')
        out.append(f'<text class="{kind}" x="0" y="{mid}">{_e(_clip(name, 16, True))}</text>')
        out.append(
            f'<rect class="track" x="{label_w}" y="{y}" width="{bar_w}" height="{row_h}" rx="4"/>'
        )
        filled = bar_w * cov.finished / cov.total if cov.total else 0
        out.append(
            f'<rect class="bar {_level(cov)}" data-kind="{kind}" data-label="{_e(name)}" '
            f'x="{label_w}" y="{y}" width="{filled:.1f}" height="{row_h}" rx="4">'
            f"<title>{_e(name)}: {_e(cov.label())}</title></rect>"
        )
        text = cov.label() if cov.total else "no content sections"
        cls = kind if cov.total else "note"
        out.append(f'<text class="{cls}" x="{label_w + bar_w + 10}" y="{mid}">{_e(text)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _html_todo_table(draft: DraftReport, link_base: Path | None) -> list[str]:
    groups = [(s, g) for s in draft.sections for g in s.todos]
    if not groups:
        return ['<p class="muted">No open TODOs.</p>']
    groups.sort(key=lambda sg: (sg[1].first_line, sg[1].rule))

    def link(line: int) -> str:
        return f'<a href="{_e(_href(draft.path, link_base, line))}">{line}</a>'

    out = [
        "<h3>Open TODOs</h3>",
        '<table class="todos">',
        '<thead><tr><th class="num">Line</th><th>Section</th><th>Kind</th><th>Rule</th>'
        '<th class="num">Count</th><th>Message</th></tr></thead>',
        "<tbody>",
    ]
    for section, g in groups:
        also = ""
        if g.count > 1:
            also = f'<div class="also">also at {", ".join(link(n) for n in g.lines[1:])}</div>'
        out.append(
            f'<tr class="todo" data-rule="{_e(g.rule)}"><td class="num">{link(g.first_line)}</td>'
            f"<td>{_e(_section_name(section))}</td>"
            f'<td><span class="kind">{_e(g.kind)}</span></td><td class="rule">{_e(g.rule)}</td>'
            f'<td class="num">{g.count}</td><td>{_e(g.message)}{also}</td></tr>'
        )
    out += ["</tbody>", "</table>"]
    return out


def _section_name(section: SectionReport) -> str:
    if section.year is not None and section.level and str(section.year) != section.title:
        return f"{section.display_title} ({section.year})"
    return section.display_title
