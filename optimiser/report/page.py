"""The page of every report: HTML and CSS, tables, matplotlib figures as inline SVG, titles."""
from __future__ import annotations

import html
import io
import re

import numpy as np
import pandas as pd

from optimiser.formatting import fte, gbp, share


#: The salt of the SVG ids matplotlib writes (random without one): the same bytes every run.
SVG_SALT = "mh-workforce-report"

CSS = """
body{font-family:"Segoe UI",Arial,Helvetica,sans-serif;margin:0 auto;max-width:1180px;padding:18px 28px;color:#1d1d1d}
h1{font-size:26px;margin:4px 0 2px;color:#005eb8}h2{font-size:20px;border-bottom:2px solid #005eb8;padding-bottom:3px;
margin-top:34px}p.sub{color:#555;margin:2px 0 14px}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:14px 0}
.card{border:1px solid #c8d4e3;border-left:6px solid #005eb8;border-radius:4px;padding:10px 14px;min-width:200px;
flex:1}.card .label{font-size:13px;color:#444}.card .value{font-size:24px;font-weight:600;margin:4px 0}
.card .note{font-size:12px;color:#555}.card.bad{border-left-color:#d5281b}.card.good{border-left-color:#007f3b}
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{padding:3px 8px;border-bottom:1px solid #ddd;
text-align:left;vertical-align:top}th{background:#e8eef6}td.n,th.n{text-align:right}table.sortable th{cursor:pointer}
table.sortable th:after{content:" \\2195";color:#888}figure{margin:10px 0}figure svg{max-width:100%;height:auto}
figcaption{font-size:13px;color:#444}.pass{color:#007f3b;font-weight:600}.fail{color:#d5281b;font-weight:600}
.scroll{max-height:520px;overflow:auto;border:1px solid #ddd}small{color:#555}
"""

SORT_JS = """
document.querySelectorAll("table.sortable").forEach(function(t){t.querySelectorAll("th").forEach(function(th,i){
th.addEventListener("click",function(){var b=t.tBodies[0],r=Array.from(b.rows),d=th.dataset.d==="1"?-1:1;
th.dataset.d=d===1?"1":"0";r.sort(function(x,y){var a=x.cells[i].dataset.v||x.cells[i].textContent,
c=y.cells[i].dataset.v||y.cells[i].textContent,p=parseFloat(a),q=parseFloat(c);
return(isNaN(p)||isNaN(q)?a.localeCompare(c):p-q)*d;});r.forEach(function(e){b.appendChild(e);});});});});
"""


def page(title: str, subtitle: str, body: list[str]) -> str:
    """The whole HTML page: title, subtitle (HTML) and the body's parts."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width\"><title>{esc(title)}</title>"
            f"<style>{CSS}</style></head><body>\n<h1>{esc(title)}</h1><p class=\"sub\">{subtitle}</p>\n"
            + "\n".join(body) + f"\n<script>{SORT_JS}</script></body></html>\n")


def esc(v) -> str:
    """``v`` as HTML text."""
    return html.escape(str(v), quote=True)


def figure(fig, caption: str, name: str) -> str:
    """A matplotlib figure as inline SVG (text kept as text) in a <figure>; its ids are the same every run,
    wherever the figure was drawn."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    with plt.rc_context({"svg.hashsalt": SVG_SALT}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    return f'<figure class="chart" data-chart="{esc(name)}">{svg}<figcaption>{caption}</figcaption></figure>'


def pyplot():
    """matplotlib's pyplot, drawing off screen, with the report's style (text kept as text; fixed SVG ids)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": SVG_SALT, "font.size": 10,
                         "axes.spines.top": False, "axes.spines.right": False})
    return plt


def table(df: pd.DataFrame, numeric: dict[str, str] | None = None, sortable: bool = False, cls: str = "") -> str:
    """An HTML table; ``numeric`` maps a column to its format ('gbp', 'fte', 'share', 'ratio', 'int')."""
    numeric = numeric or {}
    head = "".join(f'<th class="{"n" if c in numeric else ""}">{esc(c)}</th>' for c in df.columns)
    rows = []
    for r in df.itertuples(index=False):
        cells = []
        for c, v in zip(df.columns, r):
            kind = numeric.get(c)
            if kind is None:
                cells.append(f"<td>{esc('' if v is None or (isinstance(v, float) and np.isnan(v)) else v)}</td>")
                continue
            missing = v is None or (isinstance(v, float) and np.isnan(v))
            text = "—" if missing else {"gbp": lambda x: gbp(x), "fte": fte, "share": share,
                                        "ratio": lambda x: f"{x:.2f}", "int": lambda x: f"{x:,.0f}"}[kind](v)
            cells.append(f'<td class="n" data-v="{"" if missing else float(v)!r}">{esc(text)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    classes = " ".join(x for x in ("sortable" if sortable else "", cls) if x)
    return f'<table class="{classes}"><thead><tr>{head}</tr></thead><tbody>' + "".join(rows) + "</tbody></table>"


def title_of(description: str) -> str:
    """The case's description, to its first full stop (a page title, not a paragraph)."""
    first = re.split(r"(?<=[a-z0-9)])\. ", " ".join(description.split()), maxsplit=1)[0]
    return first.rstrip(".") if len(first) <= 140 else first[:137] + "…"


def shorten(text: str, n: int) -> str:
    """``text`` cut to ``n`` characters, with an ellipsis."""
    return text if len(text) <= n else text[:n - 1] + "…"


def thousands():
    """An axis formatter with thousands separators (and no "-0")."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:,.0f}".replace("-0", "0") if abs(v) < 0.5 else f"{v:,.0f}")
