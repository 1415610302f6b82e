"""The search engine: config -> prepare -> objective per trial -> trial loop (or workers) -> final model -> result.

    config      SearchConfig (data spec + cost limits + run options) and shared rules
    prepare     prepare(config) -> PreparedSearch: data, space, goals, sampler, study, built once
    objective   one trial: sample -> build -> assess costs -> fit (crossval: on each fold) -> store
    selection   the ranking rule: the epoch count and value from the mean (or smoothed) curve
    pruning     when to stop a running trial: per epoch (holdout) or per fold (cross-validation)
    loop        the crash-proof trial loop (leases, gate, signals)
    worker      one process's share of the trials; parallel: several processes
    refit       after the search: the rank-1 configuration's final model (fold ensemble or refit)
    strategies  samplers and pruners by name; dedup, compat, objectives, costs: their concepts
    events      SearchObserver (progress events) and SearchResult
"""
from __future__ import annotations

from nas.search.config import SearchConfig, max_epochs, resolve_space, stored_seed, trial_seed
from nas.search.events import SearchObserver, SearchResult, TrialFailed
from nas.search.objective import Objective, failure_reason
from nas.search.prepared import PreparedSearch, prepare
from nas.search.run import run_search

__all__ = ["Objective", "PreparedSearch", "SearchConfig", "SearchObserver", "SearchResult", "TrialFailed",
           "failure_reason", "max_epochs", "prepare", "resolve_space", "run_search", "stored_seed", "trial_seed"]
