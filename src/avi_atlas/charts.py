"""Small inline SVG charts, drawn at build time (no script, no external library).

Each chart is an accessible image (``role="img"`` with a title and a
description); pages put the same numbers in a table beside it. Colours come
from CSS classes, so charts follow the light and dark themes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

W, H = 640, 220
PAD_L, PAD_R, PAD_T, PAD_B = 44, 12, 16, 28


def _nice_step(span: float, count: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 × 10^k) that cuts ``span`` into about ``count`` parts."""
    if span <= 0:
        return 1
    raw = span / count
    exp = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 5, 10):
        if raw <= step * exp:
            return step * exp
    return 10 * exp  # pragma: no cover


def _nice_range(low: float, high: float) -> tuple[float, float, float]:
    step = _nice_step(high - low)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _ticks(low: float, high: float, step: float) -> list[float]:
    n = round((high - low) / step)
    return [low + step * i for i in range(n + 1)]


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:.3g}"


def _frame(uid: str, title: str, desc: str, body: list[str]) -> Markup:
    head = (f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="{uid}-t {uid}-d" '
            f'preserveAspectRatio="xMidYMid meet">'
            f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


def _y_axis(low: float, high: float, step: float, y_of) -> list[str]:
    out = []
    for t in _ticks(low, high, step):
        y = y_of(t)
        out.append(f'<line class="grid" x1="{PAD_L}" x2="{W - PAD_R}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="tick" x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(t)}</text>')
    return out


def stacked_bars(uid: str, title: str, labels: list[str], series: dict[str, list[int]]) -> Markup:
    """Bars per label, stacked by series (e.g. papers per year, by pillar). Series keys become CSS classes."""
    totals = [sum(vals[i] for vals in series.values()) for i in range(len(labels))]
    _, top, step = _nice_range(0, max(max(totals, default=0), 1))
    inner_w, inner_h = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    slot = inner_w / max(len(labels), 1)
    bar = max(min(slot * 0.7, 48), 2)

    def y_of(v: float) -> float:
        return PAD_T + inner_h - inner_h * v / top

    body = _y_axis(0, top, step, y_of)
    every = max(1, math.ceil(len(labels) / 16))
    for i, label in enumerate(labels):
        x = PAD_L + slot * i + (slot - bar) / 2
        base = 0
        for name, vals in series.items():
            v = vals[i]
            if v:
                y0, y1 = y_of(base + v), y_of(base)
                body.append(f'<rect class="bar s-{escape(name)}" x="{x:.1f}" y="{y0:.1f}" width="{bar:.1f}" '
                            f'height="{max(y1 - y0, 0.5):.1f}"><title>{escape(label)}: {v} {escape(name)}</title></rect>')
                base += v
        if i % every == 0:
            body.append(f'<text class="tick" x="{x + bar / 2:.1f}" y="{H - 8}" text-anchor="middle">{escape(label)}</text>')
    desc = "; ".join(f"{lab}: {tot}" for lab, tot in zip(labels, totals))
    return _frame(uid, title, desc, body)


@dataclass
class Point:
    month: str  # YYYY-MM
    value: float
    label: str


def _month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def step_chart(uid: str, title: str, points: list[Point], steps: list[Point], higher_is_better: bool,
               unit: str = "") -> Markup:
    """Every result as a dot, and the best-so-far as a step line labelled at each improvement."""
    if not points:
        return Markup("")
    xs = [_month_index(p.month) for p in points]
    x_lo, x_hi = min(xs) - 1, max(xs) + 1
    values = [p.value for p in points]
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.1 or abs(hi) * 0.1 or 1
    lo, hi, step = _nice_range(lo - pad, hi + pad)
    inner_w, inner_h = W - PAD_L - PAD_R, H - PAD_T - PAD_B

    def x_of(month: str) -> float:
        return PAD_L + inner_w * (_month_index(month) - x_lo) / (x_hi - x_lo)

    def y_of(v: float) -> float:
        return PAD_T + inner_h - inner_h * (v - lo) / (hi - lo)

    body = _y_axis(lo, hi, step, y_of)
    for year in range(x_lo // 12 + 1, x_hi // 12 + 1):
        x = PAD_L + inner_w * (year * 12 - x_lo) / (x_hi - x_lo)
        body.append(f'<text class="tick" x="{x:.1f}" y="{H - 8}" text-anchor="middle">{year}</text>')
    for p in points:
        body.append(f'<circle class="dot" cx="{x_of(p.month):.1f}" cy="{y_of(p.value):.1f}" r="3">'
                    f'<title>{escape(p.label)} ({p.month}): {p.value:g}{escape(unit)}</title></circle>')
    if steps:
        d = f"M{x_of(steps[0].month):.1f} {y_of(steps[0].value):.1f}"
        for s in steps[1:]:
            d += f" H{x_of(s.month):.1f} V{y_of(s.value):.1f}"
        body.append(f'<path class="step" d="{d} H{W - PAD_R}"/>')
    for s in steps:
        anchor = "end" if x_of(s.month) > W * 0.75 else "start"
        dx = -6 if anchor == "end" else 6
        body.append(f'<text class="step-label" x="{x_of(s.month) + dx:.1f}" y="{y_of(s.value) - 6:.1f}" '
                    f'text-anchor="{anchor}">{escape(s.label)}</text>')
    better = "higher" if higher_is_better else "lower"
    desc = (f"Best value over time ({better} is better): "
            + "; ".join(f"{s.month} {s.label} {s.value:g}{unit}" for s in steps))
    return _frame(uid, title, desc, body)
