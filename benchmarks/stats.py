"""Percentiles and the shape of one measured figure."""

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], fraction: float) -> float:
    """Return the nearest-rank percentile (``fraction`` 0.5 is the median)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Distribution:
    """Milliseconds: the median, the 99th percentile and the spread."""

    count: int
    p50: float
    p90: float
    p99: float
    mean: float
    min: float
    max: float

    @classmethod
    def of(cls, values_ms: Sequence[float]) -> "Distribution":
        return cls(
            count=len(values_ms),
            p50=percentile(values_ms, 0.50),
            p90=percentile(values_ms, 0.90),
            p99=percentile(values_ms, 0.99),
            mean=statistics.fmean(values_ms),
            min=min(values_ms),
            max=max(values_ms),
        )

    def row(self, label: str) -> str:
        return (
            f"| {label} | {self.count} | {self.p50:.3f} | {self.p90:.3f} | "
            f"{self.p99:.3f} | {self.mean:.3f} | {self.min:.3f} | {self.max:.3f} |"
        )


DISTRIBUTION_HEADER = (
    "| figure (ms) | n | p50 | p90 | p99 | mean | min | max |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def paired_differences(
    measured: Sequence[float], baseline: Sequence[float]
) -> list[float]:
    """Return each measured call minus the baseline call made beside it."""
    return [m - b for m, b in zip(measured, baseline, strict=True)]


@dataclass(frozen=True)
class BarVerdict:
    bar: str
    figure: str
    limit: str
    met: bool

    def row(self) -> str:
        return (
            f"| {self.bar} | {self.figure} | {self.limit} | "
            f"{'met' if self.met else 'MISSED'} |"
        )


VERDICT_HEADER = "| bar | measured | limit | verdict |\n| --- | --- | --- | --- |"
