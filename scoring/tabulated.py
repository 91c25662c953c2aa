"""Every score model, compiled to one fast form: a linear part plus one lookup table per
feature whose shape is not a straight line.

    total(x) = intercept + sum_j weights[j] * x_j + sum_j residual[j][cell(x_j)]

``cell(x) = floor(x * GRID)`` (features lie in [0, 1]) and ``residual[j][i]`` is the shape's
departure from its straight part at ``i / GRID``. ``GRID = 2520`` is divisible by 1..10, so the
levels a discrete feature takes (0, 1/2, 1/3, 2/3, 1/4, ...) fall exactly on cells; between
cells a piecewise-linear shape is off by at most its slope / 2520 (logit units).

The linear part is one matrix-vector product over the block's feature planes (BLAS); each
shaped feature costs a multiply, a cast and a table lookup (about 1.6 ns per pair on this
machine), so a model whose binary features are straight lines scores nearly as fast as the
linear one (``benchmarks/README.md``, "Learning"). Contributions (the reasons) stay per
feature: ``terms`` gives each feature's own term.

``link`` says what the total is: ``"logit"`` (P(accept) = sigmoid(total); every learned or
calibrated model) or ``"identity"`` (P(accept) = total clipped to [0, 1]: the hand-set
weights read as a chance, when there are no decisions to calibrate them on).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scoring.planes import weighted_sum

GRID = 2520
LINKS = ("logit", "identity")
FLAT = 1e-9  # a residual table within this of zero everywhere is left out of the lookups


@dataclass(frozen=True, eq=False)
class AdditiveTables:
    intercept: float
    weights: np.ndarray  # (n_features,) float64: the straight part of each shape
    residuals: np.ndarray  # (n_features, GRID + 1) float32: each shape minus its straight part
    link: str = "logit"
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
        flat = np.abs(residuals).max(axis=1) <= FLAT if len(weights) else np.zeros(0, bool)
        object.__setattr__(self, "shaped", tuple(int(j) for j in np.flatnonzero(~flat)))

    @classmethod
    def linear(cls, intercept: float, weights: np.ndarray, link: str = "logit") -> AdditiveTables:
        weights = np.asarray(weights, dtype=np.float64).reshape(-1)
        return cls(intercept, weights, np.zeros((len(weights), GRID + 1), np.float32), link)

    @property
    def n_features(self) -> int:
        return len(self.weights)

    def scaled(self, slope: float, offset: float) -> AdditiveTables:
        """``slope * total + offset`` (a Platt calibration folded into the tables)."""
        if self.link != "logit":
            raise ValueError("only a logit model can be recalibrated by a sigmoid")
        return AdditiveTables(
            slope * self.intercept + offset,
            slope * self.weights,
            (np.float32(slope) * self.residuals).astype(np.float32),
            self.link,
        )

    # --- evaluation -------------------------------------------------------------------

    def _total(self, features: np.ndarray, factor: float, shift: float) -> np.ndarray:
        """``factor * total(x) + shift`` as float32, over the last axis of ``features``."""
        features = np.asarray(features, dtype=np.float32)
        out = weighted_sum(features, (factor * self.weights).astype(np.float32))
        out += np.float32(factor * self.intercept + shift)
        if not self.shaped:
            return out
        shape = features.shape[:-1]
        flat_out = out.reshape(-1)
        cell = np.empty(flat_out.shape, np.float32)
        index = np.empty(flat_out.shape, np.int32)
        found = np.empty(flat_out.shape, np.float32)
        for j in self.shaped:
            plane = features[..., j].reshape(-1)  # a contiguous plane in feature-major blocks
            np.multiply(plane, np.float32(GRID), out=cell)
            np.copyto(index, cell, casting="unsafe")
            table = self.residuals[j] if factor == 1 else np.float32(factor) * self.residuals[j]
            np.take(table, index, out=found, mode="clip")
            flat_out += found
        return flat_out.reshape(shape)

    def total(self, features: np.ndarray) -> np.ndarray:
        """The logit (link "logit") or the probability before clipping ("identity")."""
        return self._total(features, 1.0, 0.0)

    def value(self, features: np.ndarray) -> np.ndarray:
        """100 x P(accept), float32: the solver's pair value (the fast path).

        ``100 * sigmoid(z) = 50 + 50 * tanh(z / 2)``: numpy's float32 tanh is vectorised."""
        if self.link == "identity":
            out = self._total(features, 100.0, 0.0)
            return np.clip(out, np.float32(0), np.float32(100), out=out)
        half = self._total(features, 0.5, 0.0)
        np.tanh(half, out=half)
        half *= np.float32(50)
        half += np.float32(50)
        return half

    def probability(self, features: np.ndarray) -> np.ndarray:
        return self.value(features) / np.float32(100)

    def terms(self, features: np.ndarray) -> np.ndarray:
        """Each feature's own term ``weights[j] * x_j + residual[j][cell(x_j)]``, shape of
        ``features``, float32 (the intercept is not in any term)."""
        features = np.asarray(features, dtype=np.float32)
        out = features * self.weights.astype(np.float32)
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
            "shaped_features": [names[j] for j in self.shaped],
        }
