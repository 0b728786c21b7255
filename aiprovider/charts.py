"""A daily token chart drawn as SVG on the server, so no chart library ships."""

from dataclasses import dataclass
from datetime import date, timedelta

CHART_WIDTH = 720
CHART_HEIGHT = 220
PLOT_TOP = 10
PLOT_BOTTOM = 190
PLOT_LEFT = 50
MAX_BAR_WIDTH = 40


@dataclass(frozen=True)
class Bar:
    day: str
    x: float
    width: float
    byok_y: float
    byok_height: float
    system_y: float
    system_height: float
    byok_tokens: int
    system_tokens: int
    show_label: bool


@dataclass(frozen=True)
class DailyChart:
    width: int
    height: int
    plot_left: int
    plot_bottom: int
    peak_tokens: int
    bars: list[Bar]


def daily_tokens_chart(
    groups: list[dict[str, object]], *, start: date, end: date
) -> DailyChart:
    """Stack each day's BYOK and System Default tokens, from day×billing groups."""
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    tokens = {(day.isoformat(), "byok"): 0 for day in days}
    tokens.update({(day.isoformat(), "system"): 0 for day in days})
    for group in groups:
        key = (group["day"], group["billing"])
        if key in tokens:
            tokens[key] = int(group["input_tokens"] or 0) + int(
                group["output_tokens"] or 0
            )
    peak = max(
        (tokens[(d.isoformat(), "byok")] + tokens[(d.isoformat(), "system")])
        for d in days
    )
    slot = (CHART_WIDTH - PLOT_LEFT) / len(days)
    width = min(MAX_BAR_WIDTH, slot * 0.7)
    scale = (PLOT_BOTTOM - PLOT_TOP) / peak if peak else 0
    label_every = max(1, len(days) // 8)
    bars = []
    for index, day in enumerate(days):
        byok = tokens[(day.isoformat(), "byok")]
        system = tokens[(day.isoformat(), "system")]
        byok_height = byok * scale
        system_height = system * scale
        bars.append(
            Bar(
                day=day.isoformat(),
                x=round(PLOT_LEFT + index * slot + (slot - width) / 2, 1),
                width=round(width, 1),
                byok_y=round(PLOT_BOTTOM - byok_height, 1),
                byok_height=round(byok_height, 1),
                system_y=round(PLOT_BOTTOM - byok_height - system_height, 1),
                system_height=round(system_height, 1),
                byok_tokens=byok,
                system_tokens=system,
                show_label=index % label_every == 0,
            )
        )
    return DailyChart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        plot_left=PLOT_LEFT,
        plot_bottom=PLOT_BOTTOM,
        peak_tokens=peak,
        bars=bars,
    )
