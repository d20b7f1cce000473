"""The coverage-against-accuracy chart of a model version, drawn here as SVG: the page
needs no script, and the chart reads the same on every browser and in a saved page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 520, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40


def _x(threshold: float) -> float:
    return LEFT + threshold / 0.9 * (WIDTH - LEFT - RIGHT)


def _y(value: float) -> float:
    return TOP + (1 - value) * (HEIGHT - TOP - BOTTOM)


def _line(points: Sequence[dict[str, Any]], key: str) -> str:
    return " ".join(f"{_x(float(p['threshold'])):.1f},{_y(float(p[key])):.1f}" for p in points)


def coverage_svg(
    points: Sequence[dict[str, Any]],
    *,
    title: str,
    share_label: str,
    accuracy_label: str,
    threshold_label: str,
    unsure_at: float,
) -> str:
    """Two lines over the confidence thresholds 0.0…0.9: the share of messages the model
    is at least that sure of, and the accuracy on those; the unsure threshold marked."""
    grid = []
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = _y(tick)
        grid.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:.0%}</text>'
        )
    for p in points:
        t = float(p["threshold"])
        grid.append(
            f'<text x="{_x(t):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{t:.1f}</text>'
        )
    mark = _x(unsure_at)
    dots = "".join(
        f'<circle cx="{_x(float(p["threshold"])):.1f}" cy="{_y(float(p[key])):.1f}" r="3" '
        f'class="{key}"><title>{float(p["threshold"]):.1f}: {float(p[key]):.1%}</title></circle>'
        for p in points
        for key in ("share", "accuracy")
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="model-chart" data-testid="coverage-chart" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
        f'<g class="axes">{"".join(grid)}</g>'
        f'<line x1="{mark:.1f}" y1="{TOP}" x2="{mark:.1f}" y2="{HEIGHT - BOTTOM}" class="unsure"/>'
        f'<polyline points="{_line(points, "share")}" class="share"/>'
        f'<polyline points="{_line(points, "accuracy")}" class="accuracy"/>'
        f"{dots}"
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 6}" text-anchor="middle">'
        f"{escape(threshold_label)}</text>"
        '<g class="legend">'
        f'<rect x="{LEFT + 8}" y="{TOP + 4}" width="10" height="3" class="share"/>'
        f'<text x="{LEFT + 22}" y="{TOP + 9}">{escape(share_label)}</text>'
        f'<rect x="{LEFT + 8}" y="{TOP + 18}" width="10" height="3" class="accuracy"/>'
        f'<text x="{LEFT + 22}" y="{TOP + 23}">{escape(accuracy_label)}</text></g>'
        "</svg>"
    )
