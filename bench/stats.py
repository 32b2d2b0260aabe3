"""Figures from repeated measurements: every one is a median with its min and max."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, samples: Iterable[float]) -> Summary:
        values = [float(v) for v in samples]
        if not values:
            raise ValueError("no samples to summarise")
        return cls(statistics.median(values), min(values), max(values), len(values))

    def text(self, digits: int = 2, unit: str = "") -> str:
        """`0.51× (0.47–0.55, 5 pairs)` style: the median first, then the range."""
        if self.n == 1:
            return f"{self.median:.{digits}f}{unit}"
        return (
            f"{self.median:.{digits}f}{unit} "
            f"({self.low:.{digits}f}–{self.high:.{digits}f}, n={self.n})"
        )


def throughput_ratio(a_rps: float, b_rps: float) -> float:
    """How many of a's requests the machine serves per request of b (≥ 1: a is faster)."""
    return a_rps / b_rps


def cost_ratio(a_rps: float, b_rps: float) -> float:
    """What one request of a costs in requests of b (≤ 1: a is cheaper)."""
    return b_rps / a_rps


def paired(samples_a: list[float], samples_b: list[float], kind: str) -> list[float]:
    """The ratio of each back-to-back pair (a measured, then b), in order."""
    if len(samples_a) != len(samples_b):
        raise ValueError("pairs need as many samples on each side")
    ratio = throughput_ratio if kind == "throughput" else cost_ratio
    return [ratio(a, b) for a, b in zip(samples_a, samples_b, strict=True)]
