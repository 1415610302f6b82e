"""Checkpoints: a trial's weights as safetensors in Optuna's artifact store (no pickles).

Kept out of `nas.store`'s package namespace on purpose: safetensors.torch imports torch, and the
read commands (leaderboard, studies) must not pay for that. Import `nas.store.checkpoints`.
"""
from __future__ import annotations

import os
import tempfile
from typing import Any

from optuna.artifacts import download_artifact, upload_artifact
from optuna.artifacts.exceptions import ArtifactNotFound
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from nas.errors import StoreError
from nas.models import build_model
from nas.store import attrs

VAL_OUTPUTS_KEY = "outputs"  # the one tensor of a trial's validation-outputs artifact (attrs.VAL_OUTPUTS)


def save_checkpoint(trial: Any, state: dict[str, Any], store: Any) -> str:
    """Write a state dict as safetensors into the artifact store; returns the artifact id."""
    tensors = {k: v.detach().cpu().contiguous() for k, v in state.items()}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"trial-{trial.number}.safetensors")
        save_file(tensors, path)
        return upload_artifact(artifact_store=store, file_path=path, study_or_trial=trial)


def save_refit_checkpoint(study: Any, number: int, state: dict[str, Any], store: Any) -> str:
    """Write trial `number`'s refit weights, attached to the study (a finished trial cannot take
    new artifacts); returns the artifact id."""
    tensors = {k: v.detach().cpu().contiguous() for k, v in state.items()}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"trial-{number}-refit.safetensors")
        save_file(tensors, path)
        return upload_artifact(artifact_store=store, file_path=path, study_or_trial=study)


def load_weights(artifact_id: str, store: Any, what: str) -> dict[str, Any]:
    """Load weights by artifact id (safetensors: no pickles); `what` names them in errors."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "weights.safetensors")
        try:
            download_artifact(artifact_store=store, artifact_id=artifact_id, file_path=path)
            return load_file(path)
        except (ArtifactNotFound, OSError) as exc:  # issue 14: the folder was removed, or this file
            raise StoreError(f"{what}: checkpoint {artifact_id} is missing from the artifact store "
                             f"({getattr(exc, 'strerror', None) or 'not found'})") from None
        except SafetensorError as exc:
            raise StoreError(f"{what}: checkpoint {artifact_id} is unreadable ({exc})") from None


def load_checkpoint(trial: Any, store: Any) -> dict[str, Any]:
    """Load a trial's weights (safetensors: no pickles). StoreError when it has none."""
    artifact_id = trial.user_attrs.get(attrs.CHECKPOINT)
    if not artifact_id:
        raise StoreError(f"trial {trial.number}: has no checkpoint (state {trial.state.name.lower()})")
    return load_weights(artifact_id, store, f"trial {trial.number}")


def load_val_outputs(trial: Any, store: Any) -> Any | None:
    """A trial's stored validation outputs (attrs.VAL_OUTPUTS; out of fold with cross-validation),
    or None when it has none (stored before they existed, or their file is gone)."""
    artifact_id = trial.user_attrs.get(attrs.VAL_OUTPUTS)
    if not artifact_id:
        return None
    try:
        return load_weights(artifact_id, store, f"trial {trial.number} validation outputs").get(VAL_OUTPUTS_KEY)
    except StoreError:
        return None


def load_network(trial: Any, arch: Any, store: Any, data: Any) -> Any:
    """Trial `trial`'s network, its `arch` (a nas.arch.Arch) built for `data` (a TaskData) and
    given its checkpoint: on the CPU, in eval mode. StoreError when the checkpoint is missing or
    does not fit the architecture. Export ships it (nas.ship.source.trial_model); a holdout
    study's final model averages it with the refit (nas.search.refit)."""
    model = build_model(arch, data.input_shape, data.out_dim, data.preprocessing)
    try:
        model.load_state_dict(load_checkpoint(trial, store), strict=True)
    except RuntimeError as exc:
        raise StoreError(f"trial {trial.number}: checkpoint does not fit its architecture ({str(exc).splitlines()[0]})") from None
    return model.eval()
