"""Shipping the searched model: verified bundles (export), predictions from a bundle, retraining
on train + validation, and reproducing a trial (rerun)."""
