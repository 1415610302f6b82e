"""The final model: after a search, the rank-1 configuration becomes the model that ships.

Why: during the search every model saw at most 80% of train + validation (a fold) or 60% of the
data (holdout); the model that ships should use every row held out to choose with. Three ways,
one table (`FINAL_MODELS`), each scored once on the untouched test split:

- `ensemble` (cross-validated studies, the default there): the K fold models of the rank-1 trial,
  trained again exactly as the search trained them (same folds, same seeds, each keeping its best
  epoch on its own fold), their probabilities (outputs, for regression) averaged by
  `nas.models.ensemble.Ensemble`. Together they have seen every train + validation row, and
  averaging K models removes much of one model's seed luck. benchmarks/refit_vs_ensemble.py
  measured it against the refit: better on test in 7 of 12 configurations, worse in 3
  (docs/model-selection.md has the table).
- `refit` (time-ordered data, whose early models saw only the distant past; any study with a
  cost objective or limit: an average has K times the parameters, FLOPs and latency the search
  measured): as scikit-learn's `GridSearchCV(refit=True)`, the configuration trained once more
  on all of train + validation with its own seed and knobs for the epoch count the ranking chose
  (`chosen_epochs`, nas.search.selection), keeping the last epoch's weights (no held-out row is
  left to pick one).
- `pair` (holdout studies otherwise, the default there): that refit averaged with the trial's
  search-time model (its checkpoint, trained on the training split and kept at its best epoch on
  validation), as the fold ensemble averages; no extra training. One refit is one seed's draw,
  and on the held-out tables of docs/model-selection.md it lost to the search-time model about
  as often as it won; the two averaged beat nas's printed baseline more often than either alone.

The result is stored as the study attribute `refit:<trial>` (Optuna refuses to change a finished
trial's attributes), its weights as an artifact of the study; export, predict (through the
bundle), the leaderboard and the search summary use it. A resumed search whose rank-1 trial
changed builds the new one's; one whose rank-1 already has its final model does nothing.
"""
from __future__ import annotations

import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from nas.data import TaskData, fold_scheme, train_plus_val
from nas.errors import StoreError
from nas.metrics import scored
from nas.models.ensemble import Ensemble
from nas.search import blend
from nas.search.config import stored_seed
from nas.search.crossval import train_splits
from nas.search.events import SearchObserver
from nas.search.prepared import PreparedSearch
from nas.store import artifact_store, attrs, ranked_trials, trial_arch, trial_refit
from nas.store.checkpoints import load_network, load_val_outputs, save_refit_checkpoint
from nas.train import TrainConfig, train_arch


def refit_epochs(trial: Any) -> int:
    """The epoch count to refit for: the stored choice; for a trial stored before it existed, its
    best epoch + 1, else its architecture's epochs."""
    for value in (trial.user_attrs.get(attrs.CHOSEN_EPOCHS),
                  None if trial.user_attrs.get(attrs.BEST_EPOCH) is None else trial.user_attrs[attrs.BEST_EPOCH] + 1):
        if isinstance(value, int) and value >= 1:
            return value
    return TrainConfig.from_arch(trial_arch(trial)).epochs


@dataclass
class Final:
    """A final model built but not yet stored: the network, what its record says of it, and the
    data whose test split scores it (train + validation merged, or a fold: the same test rows)."""

    model: torch.nn.Module
    info: dict[str, Any]
    data: TaskData


def _store(study: Any, trial: Any, final: Final, store: Any) -> dict[str, Any]:
    """Score the final model on test once, save its weights on the study, record it."""
    state = {k: v.detach().cpu() for k, v in final.model.state_dict().items()}
    test, test_metrics = scored(final.model, final.data.test, final.data)
    info = {attrs.REFIT_CHECKPOINT: save_refit_checkpoint(study, trial.number, state, store),
            attrs.REFIT_TEST: test, attrs.REFIT_TEST_METRICS: test_metrics, **final.info}
    study.set_user_attr(attrs.refit_key(trial.number), info)
    return info


Check = Callable[[], None]  # raises (Interrupted) at a safe point: a signal arrived, the time budget ran out


def _progress(observer: SearchObserver, check: Check | None, number: int, epochs: int) -> Callable[[int, int, float], None]:
    """The per-epoch hook of a final model's training: stop if asked, then report progress."""
    def hook(split: int, epoch: int, value: float) -> None:
        if check is not None:
            check()
        observer.epoch_done(number, split * epochs + epoch, value)
    return hook


def build_refit(trial: Any, data: TaskData, device: Any, seed: int, observer: SearchObserver | None = None,
                check: Check | None = None) -> Final:
    """`refit`: train `trial`'s configuration on train + validation for its chosen epochs."""
    observer = observer or SearchObserver()
    epochs = refit_epochs(trial)
    merged = train_plus_val(data).to(device)
    observer.refit_started(trial.number, f"refitting trial {trial.number} on train + validation "
                                         f"({len(merged.train):,} rows, {epochs} epochs)", epochs)
    hook = _progress(observer, check, trial.number, epochs)
    model, result = train_arch(trial_arch(trial).with_train(epochs=epochs), merged, seed, device, keep_best=False,
                               on_epoch=lambda epoch, value: hook(0, epoch, value))
    return Final(model, {attrs.REFIT_KIND: "refit", attrs.REFIT_EPOCHS: epochs, attrs.REFIT_SECONDS: round(result.seconds, 3),
                         attrs.REFIT_DEVICE: str(device), attrs.REFIT_ROWS: len(merged.train)}, merged)


def build_ensemble(trial: Any, data: TaskData, splits: list[TaskData], device: Any, seed: int,
                   observer: SearchObserver | None = None, check: Check | None = None) -> Final:
    """`ensemble`: train `trial`'s models on the study's folds (`splits`, on `device`) again as the
    search did, and average them."""
    observer = observer or SearchObserver()
    arch = trial_arch(trial)
    epochs = TrainConfig.from_arch(arch).epochs
    observer.refit_started(trial.number, f"training the {len(splits)} fold models of trial {trial.number} again "
                                         f"for their ensemble ({epochs} epochs each)", epochs * len(splits))
    run = train_splits(arch, splits, seed, device, keep_models=True,
                       on_epoch=_progress(observer, check, trial.number, epochs))
    return Final(Ensemble(run.models, data.kind).eval(), {
        attrs.REFIT_KIND: "ensemble", attrs.REFIT_MEMBERS: len(splits), attrs.REFIT_EPOCHS: epochs,
        attrs.REFIT_SECONDS: round(run.seconds, 3), attrs.REFIT_DEVICE: str(device),
        attrs.REFIT_ROWS: len(data.train) + len(data.val)}, splits[0])


def search_time_model(trial: Any, data: TaskData, device: Any, store: Any) -> torch.nn.Module | None:
    """The trial's search-time model rebuilt from its checkpoint on `device`; None when its file is
    gone or does not fit."""
    try:
        return load_network(trial, trial_arch(trial), store, data).to(device)
    except StoreError:
        return None


def build_pair(trial: Any, data: TaskData, device: Any, seed: int, store: Any, observer: SearchObserver | None = None,
               check: Check | None = None) -> Final:
    """`pair`: the refit (`build_refit`) averaged with the search-time model; the refit alone when
    the trial's checkpoint is missing (the record then says `refit`)."""
    refit = build_refit(trial, data, device, seed, observer, check)
    searched = search_time_model(trial, data, device, store)
    if searched is None:
        return refit
    info = {**refit.info, attrs.REFIT_KIND: "pair", attrs.REFIT_MEMBERS: 2}
    return Final(Ensemble([searched, refit.model.eval()], data.kind).eval(), info, refit.data)


def refit_trial(study: Any, trial: Any, data: TaskData, device: Any, store: Any, seed: int,
                observer: SearchObserver | None = None, check: Check | None = None) -> dict[str, Any]:
    """Build and store `trial`'s refit (`build_refit`); its record."""
    return _store(study, trial, build_refit(trial, data, device, seed, observer, check), store)


def ensemble_trial(study: Any, trial: Any, data: TaskData, splits: list[TaskData], device: Any, store: Any,
                   seed: int, observer: SearchObserver | None = None, check: Check | None = None) -> dict[str, Any]:
    """Build and store the ensemble of `trial`'s fold models (`build_ensemble`); its record."""
    return _store(study, trial, build_ensemble(trial, data, splits, device, seed, observer, check), store)


def _refit(p: PreparedSearch, trial: Any, observer: SearchObserver, check: Check | None) -> Final:
    return build_refit(trial, p.data, p.device, stored_seed(trial, p.config.seed), observer, check)


def _ensemble(p: PreparedSearch, trial: Any, observer: SearchObserver, check: Check | None) -> Final:
    splits = p.splits(p.data.to(p.device)) or []
    return build_ensemble(trial, p.data, splits, p.device, stored_seed(trial, p.config.seed), observer, check)


def _pair(p: PreparedSearch, trial: Any, observer: SearchObserver, check: Check | None) -> Final:
    store = artifact_store(p.config.storage, p.config.artifacts)
    return build_pair(trial, p.data, p.device, stored_seed(trial, p.config.seed), store, observer, check)


# the kind of final model -> how it is built from the prepared search and a trial
FINAL_MODELS: dict[str, Callable[[PreparedSearch, Any, SearchObserver, Check | None], Final]] = {
    "refit": _refit, "ensemble": _ensemble, "pair": _pair,
}


def blended(finals: list[Final], weights: list[float], kind: str) -> Final:
    """The weighted average of several trials' final models (rank 1's first): every trial's
    weight shared by its members (its K fold models, or its one refit)."""
    members, member_weights = [], []
    for final, weight in zip(finals, weights):
        nets = list(final.model.members) if isinstance(final.model, Ensemble) else [final.model]
        members += nets
        member_weights += [weight / len(nets)] * len(nets)
    info = {**finals[0].info, attrs.REFIT_SECONDS: round(sum(f.info[attrs.REFIT_SECONDS] for f in finals), 3)}
    return Final(Ensemble(members, kind, member_weights).eval(), info, finals[0].data)


def _blend(p: PreparedSearch, chosen: list[tuple[Any, float]], first: Final, observer: SearchObserver,
           check: Check | None) -> Final:
    """Build the other chosen trials' final models (rank 1's, `first`, is built) and blend them."""
    finals = [first] + [FINAL_MODELS[final_kind(p)](p, trial, observer, check) for trial, _ in chosen[1:]]
    final = blended(finals, [w for _, w in chosen], p.data.kind)
    final.info[attrs.REFIT_BLEND] = [{"trial": trial.number, "weight": round(weight, 6)} for trial, weight in chosen]
    return final


def blend_choice(ranked: list[Any], store: Any, y: torch.Tensor, kind: str) -> list[tuple[Any, float]]:
    """Ensemble selection over the top trials' stored validation outputs (nas.search.blend),
    whose rows have the targets `y`: [(trial, weight), ...], rank 1 first; [(rank 1, 1.0)] when
    it is picked alone or when outputs are missing (trials stored before they existed)."""
    candidates, outputs = [], []
    for trial in ranked[: blend.CANDIDATES]:  # the ranking holds each configuration once
        out = load_val_outputs(trial, store)
        if out is None or len(out) != len(y):
            if not candidates:
                break  # rank 1 has none: nothing to start from
            continue
        candidates.append(trial)
        outputs.append(out)
    if len(outputs) < 2:
        return [(ranked[0], 1.0)]
    counts = blend.select(outputs, y, kind)
    picked = [t for t, c in zip(candidates, counts) if c > 0]
    return list(zip(picked, blend.weights(counts)))


def validation_targets(data: TaskData, splits: list[TaskData] | None) -> torch.Tensor:
    """The targets of the rows the stored validation outputs predict: the folds' validation rows
    in fold order (out of fold), or the holdout validation split."""
    return torch.cat([s.val.y for s in (splits or [data])]).cpu()


def blends(prepared: PreparedSearch) -> bool:
    """Whether the final model may average several trials (nas.search.blend): when `--blend` asks
    (off by default: see nas.search.blend), and not with cost objectives or limits (the search
    measured one network's parameters, FLOPs and latency; a blend has the sum of its members')."""
    return prepared.config.blend and not (prepared.goals.multi or prepared.goals.limits.any)


def final_kind(prepared: PreparedSearch) -> str:
    """`refit` with cost goals (one network: the one the search measured) or time-ordered data
    (the early folds' models, and the search-time model, never saw the recent past a forecast
    needs most); else `ensemble` of the fold models for a cross-validated study, `pair` for a
    holdout one."""
    costs = prepared.goals.multi or prepared.goals.limits.any
    if costs or fold_scheme(prepared.data) == "ordered":
        return "refit"
    return "ensemble" if prepared.folds > 1 else "pair"


def refit_best(prepared: PreparedSearch, study: Any, observer: SearchObserver | None = None,
               check: Check | None = None) -> tuple[int, dict[str, Any]] | None:
    """Build the rank-1 trial's final model unless it has one; (its number, its record) or None
    when no trial completed. `check` is called after every epoch (it raises to stop)."""
    ranked = ranked_trials(study)
    if not ranked:
        return None
    best = ranked[0]
    done = trial_refit(study, best.number)
    if done is not None:
        return best.number, done
    threads = prepared.config.threads or best.user_attrs.get(attrs.THREADS)
    if threads:  # the fold models repeat the search's arithmetic only with its thread count
        torch.set_num_threads(int(threads))
    observer = observer or SearchObserver()
    store = artifact_store(prepared.config.storage, prepared.config.artifacts)
    chosen = [(best, 1.0)]
    if blends(prepared):
        y = validation_targets(prepared.data, prepared.splits(prepared.data))
        chosen = blend_choice(ranked, store, y, prepared.data.kind)
    final = FINAL_MODELS[final_kind(prepared)](prepared, best, observer, check)
    if len(chosen) > 1:
        try:
            final = _blend(prepared, chosen, final, observer, check)
        except KeyboardInterrupt as exc:
            if getattr(exc, "signum", signal.SIGINT) is not None:
                raise  # a signal: stop; the next run builds the final model again
            # the time budget ran out while the blend's other members trained: ship rank 1's own
            final.info[attrs.REFIT_BLEND_CUT] = "the time budget ran out before the blend's other members were trained"
    return best.number, _store(study, best, final, store)
