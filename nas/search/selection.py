"""The ranking rule: which epoch count a candidate is scored at, and with what value.

Why not the best epoch of the validation curve: on a small validation split the curve is noisy,
and its maximum over epochs rewards the luckiest epoch (on breast_cancer, many candidates touch
1.000 once). Both rules below average before they pick:

- cross-validation (K curves, one per fold): the epoch count is the argmin of the MEAN validation
  LOSS curve over folds, and the value is the mean metric curve there, i.e. the mean over folds
  of each fold's value at that one epoch. The epoch is one that suits every fold, not each its own.
- holdout (one curve): the metric curve is first smoothed by a centred moving average over 3
  epochs (2 at either end), and the value is the smoothed curve at its argbest. A single lucky
  epoch then counts for a third; a plateau counts in full. Three is the narrowest window that
  averages both neighbours and still lets a 3-epoch search choose any of its epochs.

Why the loss for cross-validation: it is the scheme for small data (automatic up to 1,000 train
+ validation rows), where a fold's accuracy moves in steps of 1-2%, so over 200 epochs even its
mean's maximum is a lucky spike as often as a real best (breast_cancer: an MLP was scored and
refit at its 2nd epoch, where the mean accuracy over 5 folds touched 0.982 once, and its ensemble
of undertrained fold models lost to logistic regression on test, 0.9649 vs 0.9737; with the loss
rule the same search ships 0.9737). The cross-entropy moves with every row's confidence and is
lowest where the model generalises (Keras's EarlyStopping watches it by default); for a
regression it is the standardised MSE, whose minimum is the RMSE's. The automatic holdout
validates on a quarter of more than 1,000 rows (steps of 0.4% or less), where the smoothed
metric is steady enough.

Ties between epochs go to the LATEST: a plateau of the metric is a model that has stopped
improving, not one that got worse, and the refit, which trains on more rows with no held-out row
left to stop it, is steadier at its end. On digits the rank-1 CNN's smoothed accuracy sat at its
best from epoch 23 to 30 while its loss rose; refit on train + validation for 24 epochs (the
plateau's lowest loss, the earlier tie-break) it scored 0.9861-0.9944 on test over 4 seeds, for
30 epochs 0.9944 for all 4.

The validation loss curves (nas.train.fit records one per split, from the same forward pass as
the metric), averaged the same way, give the candidate's `loss` at the chosen epoch: the
continuous measure that breaks ties between candidates (nas.store.leaderboard). Trials stored
without loss curves are chosen by the metric rule. Curves of unequal length (a fold stopped early
by patience) are padded with their last value: the fold kept what it had.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import fmean, pstdev

SMOOTHING = 3  # epochs in the holdout curve's centred moving average


@dataclass(frozen=True)
class Choice:
    """The chosen epoch (0-based), the candidate's value there, and what it was chosen from."""

    epoch: int
    value: float
    curve: list[float]  # the curve the epoch was chosen on: the mean over folds, or the smoothed holdout curve
    fold_values: list[float]  # each fold's value at `epoch` (one entry for holdout: the raw value)
    loss: float | None = None  # the loss curve, averaged the same way, at `epoch` (None: no loss curves)
    fold_losses: list[float] | None = None  # each fold's validation loss at `epoch`

    @property
    def epochs(self) -> int:
        """The epoch count a refit trains for."""
        return self.epoch + 1

    @property
    def fold_std(self) -> float:
        return pstdev(self.fold_values) if len(self.fold_values) > 1 else 0.0


def _padded(curves: list[list[float]]) -> list[list[float]]:
    longest = max(len(c) for c in curves)
    return [c + [c[-1]] * (longest - len(c)) for c in curves]


def mean_curve(curves: list[list[float]]) -> list[float]:
    """The mean over folds, epoch by epoch (shorter curves padded with their last value)."""
    return [fmean(column) for column in zip(*_padded(curves))]


def smooth(curve: list[float], width: int = SMOOTHING) -> list[float]:
    """Centred moving average over `width` epochs, the window cut short at either end."""
    half = width // 2
    return [fmean(curve[max(0, i - half): i + half + 1]) for i in range(len(curve))]


def argbest(curve: list[float], direction: str) -> int:
    """Index of the best value; among equals, the latest."""
    sign = -1.0 if direction == "maximize" else 1.0
    return min(range(len(curve)), key=lambda i: (sign * curve[i], -i))


def _averaged(padded: list[list[float]]) -> list[float]:
    """The rule's averaging: the mean over folds, or the smoothed single curve."""
    return mean_curve(padded) if len(padded) > 1 else smooth(padded[0])


def _aligned(curves: list[list[float]], losses: list[list[float]] | None
             ) -> tuple[list[list[float]], list[list[float]] | None]:
    """The trained curves padded to one length, and their loss curves likewise (None when absent
    or not one per epoch)."""
    kept = [i for i, c in enumerate(curves) if c]
    if not kept:
        raise ValueError("no epoch was trained")
    lossy = losses is not None and all(len(losses[i]) == len(curves[i]) for i in kept)
    return _padded([curves[i] for i in kept]), _padded([losses[i] for i in kept]) if losses and lossy else None


def _pick(ranked: list[float], loss_ranked: list[float] | None, direction: str, by_loss: bool) -> int:
    """The epoch: the lowest (averaged) loss when `by_loss` and every loss is finite, else the best metric."""
    if by_loss and loss_ranked is not None and all(map(math.isfinite, loss_ranked)):
        return argbest(loss_ranked, "minimize")
    return argbest(ranked, direction)


def choose(curves: list[list[float]], direction: str, losses: list[list[float]] | None = None) -> Choice:
    """Apply the rule of this module to one holdout curve or K fold curves (and their losses)."""
    padded, loss_padded = _aligned(curves, losses)
    ranked = _averaged(padded)
    loss_ranked = _averaged(loss_padded) if loss_padded else None
    epoch = _pick(ranked, loss_ranked, direction, by_loss=len(padded) > 1)
    return Choice(epoch, ranked[epoch], ranked, [c[epoch] for c in padded],
                  loss_ranked[epoch] if loss_ranked else None,
                  [c[epoch] for c in loss_padded] if loss_padded else None)


def fold_score(curves: list[list[float]], direction: str, losses: list[list[float]] | None = None) -> float:
    """What the pruner is told after the latest fold: that fold's value at the epoch the folds
    so far choose together (`choose` on the folds seen: after the first fold alone, its smoothed
    metric curve, as for a holdout)."""
    return _aligned(curves, None)[0][-1][choose(curves, direction, losses).epoch]
