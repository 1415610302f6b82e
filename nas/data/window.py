"""The window of a series forecast when `--window` is not given: one season, else 8 steps; and
the sliding windows of that length a series is cut into (`windows`).

Why: a file that holds one series over time (a date column and a value column: aeon's Airline,
ShampooSales, statsmodels' nile and sunspots as CSVs) has one reading, a forecast, and a user
should not have to know what a window is to run it. A forecaster's first choice of how much
history a model sees is one seasonal period (12 months, 48 half-hours, a sunspot cycle of 11
years), so the networks can compare this step with the same step one season ago.

How the period is found, on the series' first 80% only (the test windows are its last fifth,
nas.data._split.ordered_split: never looked at), from its autocorrelation: the peaks at lags of
MIN_STEPS to a quarter of that part (at most MAX_SEASON) that reach SEASON_STRENGTH are candidate
seasons, and the shortest one within PEAK_SLACK of the highest wins, so a season is not mistaken
for two of it (lynx: 10 years at 0.42 beside 19 at 0.46). The trend is removed first, under which
every lag looks alike: by differencing, and when the first differences show no season, by a
least-squares line. Differences alone miss the season of a smooth series sampled often: its
changes are mostly noise (weekly Mauna Loa CO2: 0.28 at its 52-week year; a 24-hour sine under
noise of 0.3 its amplitude: 0.16); the detrended levels show it (51 weeks, 24 hours). Differences
go first: on trending seasonal series (airline, solar) both agree, and on danish money demand only
the differences show a season (4 quarters). Lags under MIN_STEPS are left out: noise in the
changes peaks at 2-3 steps (CO2: 0.31 at 3 weeks). No season: DEFAULT steps. The window is at
most a quarter of the part (every fold of the search's time-ordered cross-validation keeps more
windows than steps).

Measured against the windows chosen by hand for the sweeps in docs/benchmarks.md: airline 12
(12), lynx 10 (12), solar 48 (48), sunspots 11 (12), PBS 12 (12), shampoo 4 (6), nile 8 (10),
danish 4 (4), Uschange 8 (8), interest_inflation 8 (8). Linear regression's cross-validated error, the
stand-in that picks levels or changes (nas.data.forecast), was tried as the judge of the window
and not kept: it favours 2-3 steps on sunspots, nile and solar, where its least-squares fit of
longer windows overfits and the networks' does not.
"""
from __future__ import annotations

import numpy as np

DEFAULT = 8  # steps, when the series shows no season
MIN_STEPS = 4  # the shortest season looked for
SEASON_STRENGTH = 0.3  # the autocorrelation a peak needs to count as a season
PEAK_SLACK = 0.9  # a shorter season within this share of the highest peak is preferred
FIT_SHARE = 0.8  # the series' part that is looked at: the test windows lie after it
MAX_SEASON = 400  # the longest season looked for: a year of days, a fortnight of hours


def _autocorrelation(x: np.ndarray, lags: int) -> np.ndarray:
    """acf[k - 1] for k = 1..lags (the biased estimate, as statsmodels' acf), through the FFT:
    O(n log n), so a long series (100,000 hourly readings) is not O(n x lags)."""
    x = x - x.mean()
    size = 1 << int(2 * len(x) - 1).bit_length()  # zero-padded: no wrap-around between the ends
    spectrum = np.fft.rfft(x, size)
    covariance = np.fft.irfft(spectrum * np.conj(spectrum), size)[: lags + 1]
    return covariance[1:] / (covariance[0] or 1.0)


def _peak(x: np.ndarray) -> int | None:
    """The season the autocorrelation of a detrended series shows (module docstring), or None."""
    lags = min(len(x) // 4, MAX_SEASON)
    if lags <= MIN_STEPS or not np.isfinite(x).all():
        return None
    acf = _autocorrelation(x, lags)
    peaks = [k for k in range(MIN_STEPS, lags) if acf[k - 1] > acf[k - 2] and acf[k - 1] >= acf[k]
             and acf[k - 1] >= SEASON_STRENGTH]
    if not peaks:
        return None
    highest = max(acf[k - 1] for k in peaks)
    return min(k for k in peaks if acf[k - 1] >= PEAK_SLACK * highest)


def season(values: np.ndarray) -> int | None:
    """The seasonal period of a 1-D series (steps): that of its first differences, else that of
    its levels less a least-squares line; None when neither shows one."""
    values = values.astype(np.float64)
    steps = np.arange(len(values))
    line = np.polyval(np.polyfit(steps, values, 1), steps) if len(values) > 1 and np.isfinite(values).all() else 0.0
    return _peak(np.diff(values)) or _peak(values - line)


def default_window(target: np.ndarray, test_from: int | None = None) -> tuple[int, str]:
    """The window for a series whose target column is `target` (in time order), and why; the
    steps before `test_from` are looked at when the test period is given (--test-data), else the
    first FIT_SHARE."""
    seen = target[: test_from if test_from is not None else int(len(target) * FIT_SHARE)]
    most = max(1, len(seen) // 4)
    period = season(seen)
    wanted = period or DEFAULT
    window = min(wanted, most)
    why = (f"its season, {period} steps, found by autocorrelation" if period else
           f"no season found by autocorrelation: {DEFAULT} steps")
    if window < wanted:
        why += f", cut to {window}, a quarter of the {len(seen)} rows before the test period"
    return window, f"no --window: {window} steps per input ({why}; --window W sets it)"


def windows(values: np.ndarray, target: np.ndarray | None, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Sliding windows (N, window, F) and the target one step after each (N,).
    Without a target (prediction), also the last window, which forecasts past the end."""
    stop = len(values) - window + (1 if target is None else 0)
    X = (np.lib.stride_tricks.sliding_window_view(values, window, axis=0)[:stop].transpose(0, 2, 1) if stop > 0
         else np.zeros((0, window, values.shape[1])))
    y = target[window:] if target is not None else np.zeros(0)
    return X.astype(np.float32), y
