"""Every score model, compiled to one fast form: a linear part, a few "hinges", and a lookup
table per feature whose shape bends often.

    total(x) = intercept + sum_j weights[j] * x_j                        (one BLAS product)
                         + sum_h hinge_coef[h] * |x_hinge_feature[h] - hinge_knot[h]|
                         + sum_j residual[j][cell(x_j)]                  (lookups)

A piecewise-linear shape with breakpoints t_k is exactly ``a + b x + sum_k c_k |x - t_k|``;
breakpoints at 0 or 1 are linear on [0, 1] (features lie in [0, 1]) and go to the linear
part. A shape with at most ``MAX_HINGES`` breakpoints inside (0, 1) (a preference's 0 / 0.5 /
1, the shares of exchange types) is computed exactly with its hinges (a subtraction and an
absolute value each); one with more (text similarity, availability, duration) reads a table:
``cell(x) = floor(x * GRID)``, ``residual[j][i]`` the shape's departure from its straight
part at ``i / GRID``, off by at most the shape's slope / 2520 (logit units). ``GRID = 2520``
is divisible by 1..10, so a discrete feature's levels fall on cells exactly.

Scoring a block costs the linear model's product plus about 0.5 ns per hinge and 2-4 ns per
lookup per pair (``benchmarks/README.md``, "Learning"). Contributions (the reasons) stay per
feature: ``terms`` gives each feature's own term.

``link`` says what the total is: ``"logit"`` (P(accept) = sigmoid(total); every learned or
calibrated model) or ``"identity"`` (P(accept) = total clipped to [0, 1]: the hand-set
weights read as a chance, when there are no decisions to calibrate them on).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scoring.planes import weighted_sum

GRID = 2520
LINKS = ("logit", "identity")
FLAT = 1e-9  # a residual table within this of zero everywhere is left out of the lookups
MAX_HINGES = 3  # breakpoints inside (0, 1) a shape may have to be computed by hinges
EDGE = 1e-9  # a breakpoint this close to 0 or 1 is on the edge (linear on [0, 1])


def _distinct_knots(knots: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The knots once each (a feature that hardly varied in training may repeat one: its
    slope there would be 0 / 0), with the mean of their values."""
    distinct, position = np.unique(knots, return_inverse=True)
    if len(distinct) == len(knots):
        return knots, values
    total = np.bincount(position, weights=values, minlength=len(distinct))
    return distinct, total / np.bincount(position, minlength=len(distinct))


def _empty() -> np.ndarray:
    return np.zeros(0)


@dataclass(frozen=True, eq=False)
class AdditiveTables:
    intercept: float
    weights: np.ndarray  # (n_features,) float64: the straight part of each shape
    residuals: np.ndarray  # (n_features, GRID + 1) float32: shapes read from tables
    link: str = "logit"
    hinge_feature: np.ndarray = field(default_factory=_empty)  # (n_hinges,) feature position
    hinge_knot: np.ndarray = field(default_factory=_empty)  # (n_hinges,) breakpoint in (0, 1)
    hinge_coef: np.ndarray = field(default_factory=_empty)  # (n_hinges,) coefficient
    shaped: tuple[int, ...] = field(init=False)  # features that need a lookup

    def __post_init__(self) -> None:
        weights = np.asarray(self.weights, dtype=np.float64).reshape(-1)
        residuals = np.asarray(self.residuals, dtype=np.float32)
        if residuals.shape != (len(weights), GRID + 1):
            raise ValueError(
                f"residuals must be ({len(weights)}, {GRID + 1}), not {residuals.shape}"
            )
        if self.link not in LINKS:
            raise ValueError(f"link must be one of {LINKS}, not {self.link!r}")
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "residuals", residuals)
        object.__setattr__(self, "hinge_feature", np.asarray(self.hinge_feature, np.int64))
        object.__setattr__(self, "hinge_knot", np.asarray(self.hinge_knot, np.float32))
        object.__setattr__(self, "hinge_coef", np.asarray(self.hinge_coef, np.float64))
        flat = np.abs(residuals).max(axis=1) <= FLAT if len(weights) else np.zeros(0, bool)
        object.__setattr__(self, "shaped", tuple(int(j) for j in np.flatnonzero(~flat)))

    @classmethod
    def linear(cls, intercept: float, weights: np.ndarray, link: str = "logit") -> AdditiveTables:
        weights = np.asarray(weights, dtype=np.float64).reshape(-1)
        return cls(intercept, weights, np.zeros((len(weights), GRID + 1), np.float32), link)

    @classmethod
    def from_shapes(
        cls,
        intercept: float,
        slopes: np.ndarray,
        knots: Sequence[np.ndarray],
        values: Sequence[np.ndarray],
    ) -> AdditiveTables:
        """Piecewise-linear shapes: ``values[j]`` at ``knots[j]``, straight with slope
        ``slopes[j]`` beyond the outer knots (a logit model)."""
        weights = np.asarray(slopes, dtype=np.float64).copy()
        residuals = np.zeros((len(weights), GRID + 1), np.float32)
        hinges: list[tuple[int, float, float]] = []
        grid = np.arange(GRID + 1) / GRID
        for j, (t, v) in enumerate(zip(knots, values, strict=True)):
            t, v = _distinct_knots(np.asarray(t, np.float64), np.asarray(v, np.float64))
            if len(t) < 2:  # one knot: the straight line through it
                intercept += float(v[0] - weights[j] * t[0]) if len(t) else 0.0
                continue
            inner = np.diff(v) / np.diff(t)
            outer = np.r_[weights[j], inner, weights[j]]
            bends = np.diff(outer) / 2  # c_k: half the change of slope at each knot
            # value = a + w x + sum c_k |x - t_k|, matched at the first knot
            a = v[0] - weights[j] * t[0] - float(np.sum(bends * np.abs(t[0] - t)))
            intercept += a
            edge = (t <= EDGE) | (t >= 1 - EDGE)
            inside = ~edge & (np.abs(bends) > FLAT)  # (a negligible bend inside is dropped)
            for k in np.flatnonzero(edge):  # |x - t| is linear on [0, 1]: fold it in
                sign = 1.0 if t[k] <= EDGE else -1.0
                weights[j] += sign * bends[k]
                intercept -= sign * bends[k] * t[k]
            if inside.sum() <= MAX_HINGES:
                hinges += [(j, float(t[k]), float(bends[k])) for k in np.flatnonzero(inside)]
            else:
                shape = np.sum(bends[inside] * np.abs(grid[:, None] - t[inside]), axis=1)
                residuals[j] = shape.astype(np.float32)
        return cls(
            intercept,
            weights,
            residuals,
            "logit",
            np.array([h[0] for h in hinges], np.int64),
            np.array([h[1] for h in hinges], np.float64),
            np.array([h[2] for h in hinges], np.float64),
        )

    @property
    def n_features(self) -> int:
        return len(self.weights)

    def grid_error(self) -> float:
        """The most a table lookup can miss the shape by, added over the table features
        (a cell's value holds until the next cell's: the largest step between cells)."""
        return float(sum(np.abs(np.diff(self.residuals[j])).max() for j in self.shaped))

    def scaled(self, slope: float, offset: float) -> AdditiveTables:
        """``slope * total + offset`` (a Platt calibration folded into the tables)."""
        if self.link != "logit":
            raise ValueError("only a logit model can be recalibrated by a sigmoid")
        return AdditiveTables(
            slope * self.intercept + offset,
            slope * self.weights,
            (np.float32(slope) * self.residuals).astype(np.float32),
            self.link,
            self.hinge_feature,
            self.hinge_knot,
            slope * self.hinge_coef,
        )

    # --- evaluation -------------------------------------------------------------------

    def _total(self, features: np.ndarray, factor: float) -> np.ndarray:
        """``factor * total(x)`` as float32, over the last axis of ``features``."""
        features = np.asarray(features, dtype=np.float32)
        out = weighted_sum(features, (factor * self.weights).astype(np.float32))
        out += np.float32(factor * self.intercept)
        if not self.shaped and not len(self.hinge_coef):
            return out
        shape = features.shape[:-1]
        flat_out = out.reshape(-1)
        work = np.empty(flat_out.shape, np.float32)
        for j, knot, coef in zip(self.hinge_feature, self.hinge_knot, self.hinge_coef, strict=True):
            np.subtract(features[..., j].reshape(-1), knot, out=work)
            np.abs(work, out=work)
            work *= np.float32(factor * coef)
            flat_out += work
        index = np.empty(flat_out.shape, np.int32)
        for j in self.shaped:
            plane = features[..., j].reshape(-1)  # a contiguous plane in feature-major blocks
            np.multiply(plane, np.float32(GRID), out=work)
            np.copyto(index, work, casting="unsafe")
            table = self.residuals[j] if factor == 1 else np.float32(factor) * self.residuals[j]
            np.take(table, index, out=work, mode="clip")
            flat_out += work
        return flat_out.reshape(shape)

    def total(self, features: np.ndarray) -> np.ndarray:
        """The logit (link "logit") or the probability before clipping ("identity")."""
        return self._total(features, 1.0)

    def value(self, features: np.ndarray) -> np.ndarray:
        """100 x P(accept), float32: the solver's pair value (the fast path).

        ``100 * sigmoid(z) = 50 + 50 * tanh(z / 2)``: numpy's float32 tanh is vectorised."""
        if self.link == "identity":
            out = self._total(features, 100.0)
            return np.clip(out, np.float32(0), np.float32(100), out=out)
        half = self._total(features, 0.5)
        np.tanh(half, out=half)
        half *= np.float32(50)
        half += np.float32(50)
        return half

    def probability(self, features: np.ndarray) -> np.ndarray:
        return self.value(features) / np.float32(100)

    def terms(self, features: np.ndarray) -> np.ndarray:
        """Each feature's own term (straight part, hinges and table), shape of ``features``,
        float32; the intercept is in no term."""
        features = np.asarray(features, dtype=np.float32)
        out = features * self.weights.astype(np.float32)
        for j, knot, coef in zip(self.hinge_feature, self.hinge_knot, self.hinge_coef, strict=True):
            out[..., j] += np.float32(coef) * np.abs(features[..., j] - knot)
        if self.shaped:
            cells = np.clip(features[..., list(self.shaped)] * np.float32(GRID), 0, GRID)
            looked = np.take_along_axis(
                self.residuals[list(self.shaped)].T,
                np.asarray(cells, dtype=np.int64).reshape(-1, len(self.shaped)),
                axis=0,
            )
            out[..., list(self.shaped)] += looked.reshape(cells.shape)
        return out

    # --- a readable form (model.json) -----------------------------------------------------

    def as_dict(self, names: tuple[str, ...]) -> dict[str, Any]:
        return {
            "link": self.link,
            "intercept": round(float(self.intercept), 6),
            "grid": GRID,
            "weights": {n: round(float(w), 6) for n, w in zip(names, self.weights, strict=True)},
            "hinged_features": sorted({names[j] for j in self.hinge_feature}),
            "table_features": [names[j] for j in self.shaped],
        }
