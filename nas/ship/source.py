"""What shipping reads from the store: a study's record and data (checked against the stored
fingerprint), a trial picked by number or rank, a trial's network with its checkpoint, a trial's
final model.

Export, retrain and rerun all start here, so all three refuse data that changed since the search.
"""
from __future__ import annotations

from typing import Any

from torch import nn

from nas.arch import Arch
from nas.data import DataSpec, TaskData, load_data
from nas.errors import StoreError
from nas.models import build_model
from nas.models.ensemble import Ensemble
from nas.store import StudyRecord, attrs, find_trial, leaderboard, study_record, trial_arch, trial_refit
from nas.store.checkpoints import load_network, load_weights


def study_data(study: Any) -> tuple[StudyRecord, TaskData]:
    """The study's record and its data, reloaded; StoreError if the data changed since the search."""
    record = study_record(study)
    if record is None or not isinstance(record.data_spec, dict) or not record.data:
        raise StoreError(f"study '{study.study_name}': no stored data description (made by an older nas?)")
    data = load_data(DataSpec.from_dict(record.data_spec))
    if data.fingerprint() != record.fingerprint:
        raise StoreError(f"study '{study.study_name}': its data changed since the search (split fingerprint "
                         f"{data.fingerprint()}, stored {record.fingerprint}); its metrics cannot be reproduced")
    return record, data


STATE_WORDS = {"PRUNED": "was pruned", "FAIL": "failed", "RUNNING": "is still running", "WAITING": "is waiting"}


def pick_trial(study: Any, number: int | None, states: tuple[str, ...] = ("COMPLETE",),
               refusal: str = "kept no checkpoint to export") -> Any:
    """Trial `number`, or the best by validation metric; StoreError if it is in another state."""
    if number is None:
        rows = leaderboard(study, top=1)
        if not rows:
            raise StoreError(f"study '{study.study_name}' has no completed trial yet (run `nas search`)")
        number = rows[0]["trial"]
    trial = find_trial(study, number)
    if trial.state.name not in states:
        done = [r["trial"] for r in leaderboard(study, top=10)]
        word = STATE_WORDS.get(trial.state.name, trial.state.name.lower())
        raise StoreError(f"--trial: trial {number} of study '{study.study_name}' {word}, so it {refusal}; "
                         f"best completed trials: {', '.join(map(str, done)) or 'none'}")
    return trial


def trial_model(trial: Any, store: Any, data: TaskData) -> tuple[nn.Module, Arch]:
    """A completed trial's network rebuilt from its arch and safetensors checkpoint (CPU, eval)."""
    arch = trial_arch(trial)
    return load_network(trial, arch, store, data), arch


def final_members(study: Any, trial: Any, refit: dict[str, Any]) -> list[tuple[Arch, float]]:
    """The final model's networks, each with its weight in the average: one (a refit), the K fold
    models (an ensemble), the search-time model and the refit (a pair), or every blended trial's
    (nas.search.blend), in stored order."""
    per_trial = int(refit.get(attrs.REFIT_MEMBERS) or 0) if refit.get(attrs.REFIT_KIND) in attrs.AVERAGED_KINDS else 1
    blend = refit.get(attrs.REFIT_BLEND) or [{"trial": trial.number, "weight": 1.0}]
    out = []
    for entry in blend:
        arch = trial_arch(trial if entry["trial"] == trial.number else find_trial(study, int(entry["trial"])))
        out += [(arch, float(entry["weight"]) / per_trial)] * per_trial
    return out


def _members(study: Any, trial: Any, refit: dict[str, Any], data: TaskData) -> nn.Module:
    """An untrained network of the final model's kind: one, or the (weighted) ensemble of its members."""
    members = final_members(study, trial, refit)
    nets = [build_model(arch, data.input_shape, data.out_dim, data.preprocessing) for arch, _ in members]
    if refit.get(attrs.REFIT_KIND) not in attrs.AVERAGED_KINDS and len(nets) == 1:
        return nets[0]
    return Ensemble(nets, data.kind, [weight for _, weight in members])


def refit_model(study: Any, trial: Any, store: Any, data: TaskData) -> tuple[nn.Module, Arch, dict[str, Any]] | None:
    """The trial's final model built after the search (network, arch, stored record), or None."""
    refit = trial_refit(study, trial.number)
    if refit is None:
        return None
    model = _members(study, trial, refit, data)
    try:
        model.load_state_dict(load_weights(refit[attrs.REFIT_CHECKPOINT], store, f"trial {trial.number} final model"))
    except RuntimeError as exc:
        raise StoreError(f"trial {trial.number}: final model checkpoint does not fit its architecture "
                         f"({str(exc).splitlines()[0]})") from None
    return model.eval(), trial_arch(trial), refit
