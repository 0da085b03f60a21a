#!/usr/bin/env python3
"""Draws dashboards/pgmanager.json as an HTML page from a Prometheus that scraped a cluster, for a screenshot.

Grafana itself cannot run here (it is AGPL-licensed and not packaged in Debian), so this plays its part for a picture:
every panel's own queries, with the dashboard's variables filled in as Grafana fills them, evaluated by Prometheus's
query API over the run, laid out on the dashboard's grid, with its value mappings, thresholds and units, and its
annotations (leader and role changes) as vertical lines. Standard library only.

Usage: render.py --prometheus http://127.0.0.1:9090 --job NAME --start UNIX --end UNIX --out page.html
"""
import argparse
import html
import json
import math
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

GRID_UNIT = 30  # pixels per grid row, as Grafana draws them
WIDTH = 1600
PALETTE = ["#73bf69", "#f2cc0c", "#8ab8ff", "#ff780a", "#f2495c", "#5794f2", "#b877d9", "#705da0", "#37872d", "#fade2a"]
NAMED = {"green": "#73bf69", "red": "#f2495c", "orange": "#ff9830", "blue": "#5794f2", "text": "#ccccdc",
         "transparent": "transparent", "yellow": "#fade2a"}


def color(name):
    return NAMED.get(name, name or "#ccccdc")


class Prometheus:
    def __init__(self, url, start, end, step):
        self.url, self.start, self.end, self.step = url.rstrip("/"), start, end, step

    def get(self, path, params):
        try:
            with urllib.request.urlopen(self.url + path + "?" + urllib.parse.urlencode(params, doseq=True), timeout=30) as answer:
                body = json.load(answer)
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"Prometheus refused {params.get('query', params)}: {e.read().decode(errors='replace')}") from e
        if body.get("status") != "success":
            raise RuntimeError(f"Prometheus refused {params}: {body}")
        return body["data"]

    def range(self, expr):
        data = self.get("/api/v1/query_range", {"query": expr, "start": self.start, "end": self.end, "step": self.step})
        return [(series["metric"], [(float(t), float(v)) for t, v in series["values"] if v not in ("NaN", "+Inf", "-Inf")])
                for series in data["result"]]

    def instant(self, expr):
        """The value at the end of the range, as a one-point series: what a panel's instant query shows."""
        data = self.get("/api/v1/query", {"query": expr, "time": self.end})
        return [(series["metric"], [(float(series["value"][0]), float(series["value"][1]))])
                for series in data["result"] if series["value"][1] not in ("NaN", "+Inf", "-Inf")]

    def label_values(self, label, match):
        return sorted(self.get(f"/api/v1/label/{label}/values", {"match[]": match}))


def regex_literal(values):
    """Values as one regex alternative inside a PromQL string: escaped for the regex, then for the string."""
    return "|".join(re.escape(value).replace("\\", "\\\\") for value in values)


def substitute(expr, variables):
    for name in sorted(variables, key=len, reverse=True):
        expr = expr.replace("$" + name, variables[name]).replace("${" + name + "}", variables[name])
    return expr


def legend(fmt, metric, fallback):
    if not fmt or fmt == "__auto":
        return fallback or ", ".join(f"{k}={v}" for k, v in metric.items() if k != "__name__") or "value"
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: metric.get(m.group(1), ""), fmt)


def unit_text(value, unit, decimals=None):
    if value is None or math.isnan(value):
        return "no value"
    if decimals is not None and unit in (None, "none", "short"):
        return f"{value:.{decimals}f}"
    if unit == "percentunit":
        return f"{value * 100:.1f}%"
    if unit in ("bytes", "Bps"):
        for suffix in ["B", "kB", "MB", "GB", "TB"]:
            if abs(value) < 1024 or suffix == "TB":
                text = f"{value:.0f} {suffix}" if suffix == "B" else f"{value:.1f} {suffix}"
                return text + ("/s" if unit == "Bps" else "")
            value /= 1024
    if unit == "s":
        if abs(value) >= 86400:
            return f"{value / 86400:.1f} d"
        if abs(value) >= 3600:
            return f"{value / 3600:.1f} h"
        if abs(value) >= 60:
            return f"{value / 60:.1f} min"
        if abs(value) >= 1:
            return f"{value:.1f} s"
        return f"{value * 1000:.0f} ms"
    suffix = {"ops": " ops/s", "reqps": " req/s"}.get(unit, "")
    if abs(value) >= 1000:
        return f"{value / 1000:.1f}k{suffix}"
    return (f"{value:.0f}" if value == int(value) else f"{value:.3g}") + suffix


def mapped(value, defaults):
    for mapping in defaults.get("mappings", []):
        if mapping.get("type") == "value" and value is not None:
            key = str(int(value)) if value == int(value) else str(value)
            option = mapping["options"].get(key)
            if option:
                return option.get("text", key), color(option.get("color"))
    steps = defaults.get("thresholds", {}).get("steps", [])
    chosen = steps[0]["color"] if steps else "text"
    for step in steps:
        if step.get("value") is not None and value is not None and value >= step["value"]:
            chosen = step["color"]
    return unit_text(value, defaults.get("unit"), defaults.get("decimals")), color(chosen)


def last(points):
    return points[-1][1] if points else None


def render_stat(panel, results):
    defaults = panel.get("fieldConfig", {}).get("defaults", {})
    series = [(legend(t.get("legendFormat"), m, ""), pts) for t, found in results for m, pts in found if pts]
    if not series:
        text, tint = defaults.get("noValue", "no value"), color("text")
        return f'<div class="stat" style="color:{tint}">{html.escape(text)}</div>'
    if len(series) == 1:
        text, tint = mapped(last(series[0][1]), defaults)
        return f'<div class="stat" style="color:{tint}">{html.escape(text)}</div>'
    cells = []
    for name, pts in series:
        text, tint = mapped(last(pts), defaults)
        cells.append(f'<div class="cell"><span class="name">{html.escape(name)}</span>'
                     f'<span style="color:{tint}">{html.escape(text)}</span></div>')
    return '<div class="cells">' + "".join(cells) + "</div>"


def render_timeseries(panel, results, prom, width, height, marks):
    defaults = panel.get("fieldConfig", {}).get("defaults", {})
    unit = defaults.get("unit")
    series = [(legend(t.get("legendFormat"), m, ""), pts) for t, found in results for m, pts in found]
    values = [v for _, pts in series for _, v in pts]
    low, high = (min(values + [0]), max(values + [0])) if values else (0, 1)
    if high == low:
        high = low + 1
    left, bottom, plot_w, plot_h = 64, 18, width - 76, height - 24 - 18 * min(len(series), 4) - 4
    plot_h = max(plot_h, 40)

    def x(t):
        return left + (t - prom.start) / (prom.end - prom.start) * plot_w

    def y(v):
        return 4 + plot_h - (v - low) / (high - low) * plot_h

    parts = [f'<svg width="{width}" height="{plot_h + bottom + 8}">']
    for i in range(5):
        v = low + (high - low) * i / 4
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y(v) + 4:.1f}" class="axis" text-anchor="end">{html.escape(unit_text(v, unit))}</text>')
    for i in range(6):
        t = prom.start + (prom.end - prom.start) * i / 5
        label = f"{int((t - prom.start) // 60)}:{int((t - prom.start) % 60):02d}"
        parts.append(f'<text x="{x(t):.1f}" y="{plot_h + bottom}" class="axis" text-anchor="middle">{label}</text>')
    for t, tint in marks:
        parts.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="4" y2="{plot_h + 4}" stroke="{tint}" stroke-dasharray="4 3"/>')
    for index, (name, pts) in enumerate(series):
        if not pts:
            continue
        tint = PALETTE[index % len(PALETTE)]
        path, previous = [], None
        for t, v in pts:
            # a gap longer than three steps is a gap in the data (a member down), not a line across it
            command = "L" if previous is not None and t - previous <= 3 * prom.step else "M"
            path.append(f"{command}{x(t):.1f},{y(v):.1f}")
            previous = t
        parts.append(f'<path d="{" ".join(path)}" stroke="{tint}" fill="none" stroke-width="1.5"/>')
    parts.append("</svg>")
    keys = "".join(f'<span class="key"><i style="background:{PALETTE[i % len(PALETTE)]}"></i>{html.escape(name)}</span>'
                   for i, (name, _) in enumerate(series[:8]))
    return "".join(parts) + f'<div class="legend">{keys}</div>'


def render_state_timeline(panel, results, prom, width):
    defaults = panel.get("fieldConfig", {}).get("defaults", {})
    series = [(legend(t.get("legendFormat"), m, ""), pts) for t, found in results for m, pts in found]
    rows = []
    bar_w = width - 150
    for name, pts in series:
        segments = []
        for i, (t, v) in enumerate(pts):
            end = pts[i + 1][0] if i + 1 < len(pts) and pts[i + 1][0] - t <= 3 * prom.step else t + prom.step
            text, tint = mapped(v, defaults)
            left = (t - prom.start) / (prom.end - prom.start) * bar_w
            span = max((end - t) / (prom.end - prom.start) * bar_w, 1)
            segments.append(f'<div class="seg" title="{html.escape(text)}" style="left:{left:.1f}px;width:{span:.1f}px;'
                            f'background:{tint}"></div>')
        rows.append(f'<div class="lane"><span class="name">{html.escape(name)}</span>'
                    f'<div class="bar" style="width:{bar_w}px">{"".join(segments)}</div></div>')
    return "".join(rows)


def annotation_marks(dashboard, prom, variables):
    marks = []
    for annotation in dashboard.get("annotations", {}).get("list", []):
        expr = annotation.get("expr")
        if not expr or not annotation.get("enable", True):
            continue
        for _, pts in prom.range(substitute(expr, variables)):
            previous = None
            for t, v in pts:
                # one line per event: the series stays above zero for the length of its change window
                if v > 0 and (previous is None or t - previous > 3 * prom.step):
                    marks.append((t, color(annotation.get("iconColor"))))
                previous = t if v > 0 else None
    return marks


def expand_rows(panels, instances):
    """The panels in Grafana's order, a repeated row once per instance, each copy lower on the grid by the row's height."""
    out, i = [], 0
    while i < len(panels):
        panel = panels[i]
        if panel.get("type") == "row" and panel.get("repeat"):
            block = [panel]
            i += 1
            while i < len(panels) and panels[i].get("type") != "row":
                block.append(panels[i])
                i += 1
            top = block[0]["gridPos"]["y"]
            height = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in block) - top
            for n, instance in enumerate(instances):
                for p in block:
                    copy = json.loads(json.dumps(p))
                    copy["gridPos"]["y"] += n * height
                    copy["_vars"] = {panel["repeat"]: regex_literal([instance])}
                    copy["title"] = copy["title"].replace("$" + panel["repeat"], instance)
                    out.append(copy)
            continue
        out.append(panel)
        i += 1
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prometheus", required=True)
    parser.add_argument("--job", required=True)
    parser.add_argument("--start", type=float, required=True)
    parser.add_argument("--end", type=float, required=True)
    parser.add_argument("--dashboard", default=str(Path(__file__).with_name("pgmanager.json")))
    parser.add_argument("--scrape-interval", type=float, default=2)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    dashboard = json.loads(Path(args.dashboard).read_text())
    step = max(args.scrape_interval, (args.end - args.start) / 400)
    prom = Prometheus(args.prometheus, args.start, args.end, step)
    instances = prom.label_values("instance", f'pgmanager_role{{job="{args.job}"}}')
    base = {"app_label": "job", "app": args.job, "instance": regex_literal(instances) or ".*",
            # Grafana's $__rate_interval: four scrape intervals at least; $__range: the whole time range
            "__rate_interval": f"{int(max(4 * args.scrape_interval, step + args.scrape_interval))}s",
            "__range": f"{int(args.end - args.start)}s", "DS_PROMETHEUS": "prometheus"}
    marks = annotation_marks(dashboard, prom, base)

    boxes, failures = [], []
    height_units = 0
    for panel in expand_rows(dashboard["panels"], instances):
        g = panel["gridPos"]
        height_units = max(height_units, g["y"] + g["h"])
        left, top = g["x"] * WIDTH / 24, g["y"] * GRID_UNIT
        width, height = g["w"] * WIDTH / 24 - 8, g["h"] * GRID_UNIT - 8
        title = html.escape(panel.get("title", ""))
        if panel["type"] == "row":
            boxes.append(f'<div class="row" style="left:{left}px;top:{top}px;width:{width}px">{title}</div>')
            continue
        variables = dict(base, **panel.get("_vars", {}))
        try:
            results = [(t, (prom.instant if t.get("instant") else prom.range)(substitute(t["expr"], variables)))
                       for t in panel.get("targets", []) if t.get("expr")]
        except RuntimeError as e:
            # shown in the panel, as Grafana shows a failed query, and counted: the picture must have none
            failures.append(f"{panel.get('title')}: {e}")
            boxes.append(f'<div class="panel" style="left:{left}px;top:{top}px;width:{width}px;height:{height}px">'
                         f'<div class="title">{title}</div><div class="error">{html.escape(str(e))}</div></div>')
            continue
        if panel["type"] == "stat":
            body = render_stat(panel, results)
        elif panel["type"] == "state-timeline":
            body = render_state_timeline(panel, results, prom, width - 16)
        else:
            body = render_timeseries(panel, results, prom, width - 16, height - 30, marks)
        boxes.append(f'<div class="panel" style="left:{left}px;top:{top}px;width:{width}px;height:{height}px">'
                     f'<div class="title">{title}</div>{body}</div>')

    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(dashboard.get('title', ''))}</title><style>
body {{ margin:0; background:#111217; color:#ccccdc; font:12px Inter, Helvetica, Arial, sans-serif; }}
header {{ padding:10px 14px; font-size:16px; }} header small {{ color:#8e8e9e; font-size:12px; margin-left:12px; }}
main {{ position:relative; width:{WIDTH}px; height:{height_units * GRID_UNIT}px; margin:0 8px; }}
.panel {{ position:absolute; background:#181b1f; border:1px solid #2c3235; border-radius:3px; padding:6px 8px; box-sizing:border-box; overflow:hidden; }}
.row {{ position:absolute; font-size:15px; font-weight:500; padding-top:6px; }}
.title {{ font-weight:500; margin-bottom:4px; white-space:nowrap; }}
.stat {{ font-size:30px; font-weight:500; text-align:center; margin-top:12px; }}
.cells {{ display:flex; flex-wrap:wrap; gap:4px 14px; justify-content:center; margin-top:6px; font-size:15px; }}
.cell .name {{ color:#8e8e9e; margin-right:6px; font-size:11px; }}
.grid {{ stroke:#2c3235; }} .axis {{ fill:#8e8e9e; font-size:10px; }}
.legend {{ display:flex; flex-wrap:wrap; gap:2px 12px; font-size:11px; }} .key i {{ display:inline-block; width:10px; height:3px; margin-right:4px; vertical-align:middle; }}
.lane {{ display:flex; align-items:center; margin:6px 0; }} .lane .name {{ width:140px; color:#8e8e9e; font-size:11px; overflow:hidden; }}
.error {{ color:#f2495c; font-size:11px; }}
.bar {{ position:relative; height:22px; background:#22252b; }} .seg {{ position:absolute; top:0; height:22px; }}
</style></head><body><header>{html.escape(dashboard.get('title', ''))}<small>job {html.escape(args.job)} · {len(instances)} members ·
{int(args.end - args.start)} s · dashed lines: leader (red) and role (orange) changes</small></header>
<main>{''.join(boxes)}</main></body></html>"""
    Path(args.out).write_text(page)
    if failures:
        raise SystemExit("queries that failed:\n" + "\n".join(failures))


if __name__ == "__main__":
    main()
