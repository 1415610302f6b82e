"""The test suite: a package, so `tests.X` is always this folder (some wheels ship a top-level `tests` package of their own)."""
