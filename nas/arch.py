"""The architecture spec: plain JSON data that, with the data's input shape and output size,
fully determines a network.

It is sampled once (`nas.sample`), stored with the trial as a user attribute, and read back by
the builder, the leaderboard, export and retrain. Nothing re-samples to rebuild a model.

    {"version": 1, "family": "cnn",
     "blocks": [{"channels": 32, "kernel": 3, "activation": "relu", "norm": "batch",
                 "pool": "max", "dropout": 0.1}],
     "head": {"pool": "flatten", "hidden": 128, "activation": "relu", "dropout": 0.2},
     "train": {"optimizer": "adamw", "lr": 0.003, "weight_decay": 1e-05, "batch_size": 64,
               "epochs": 12, "scheduler": "cosine"}}
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from nas.errors import NasError

ARCH_VERSION = 1


@dataclass(frozen=True)
class Arch:
    """A sampled architecture. `sections` holds the family's body (blocks, head, ...)."""

    family: str
    sections: dict[str, Any]
    train: dict[str, Any] = field(default_factory=dict)
    version: int = ARCH_VERSION

    def to_dict(self) -> dict[str, Any]:
        """A fresh plain-JSON dict (safe to mutate)."""
        body = json.loads(json.dumps(self.sections))
        return {"version": self.version, "family": self.family, **body, "train": dict(self.train)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    def model_key(self) -> str:
        """A short hash of the network alone (training knobs excluded): equal networks, equal keys."""
        body = json.dumps({"family": self.family, **self.sections}, sort_keys=True)
        return hashlib.sha1(body.encode()).hexdigest()[:12]

    def with_train(self, **changes: Any) -> Arch:
        """A copy with some training knobs replaced (e.g. epochs for retraining)."""
        return Arch(self.family, self.sections, {**self.train, **changes}, self.version)

    @classmethod
    def from_dict(cls, raw: Any) -> Arch:
        """Rebuild from stored JSON; raises NasError (never KeyError) on malformed data."""
        from nas.space import FAMILIES

        if not isinstance(raw, dict):
            raise NasError(f"architecture: expected a JSON object, got {type(raw).__name__}")
        try:
            raw = json.loads(json.dumps(raw))
        except (TypeError, ValueError) as exc:
            raise NasError(f"architecture: not plain JSON data ({exc})") from None
        version = raw.pop("version", ARCH_VERSION)
        if version != ARCH_VERSION:
            raise NasError(f"architecture: unsupported version {version} (this nas reads {ARCH_VERSION})")
        family = raw.pop("family", None)
        if not isinstance(family, str) or family not in FAMILIES:
            raise NasError(f"architecture: unknown family {family!r}")
        train = raw.pop("train", {})
        if not isinstance(train, dict):
            raise NasError("architecture: 'train' must be an object")
        unknown = [k for k in raw if k not in FAMILIES[family]]
        if unknown:
            raise NasError(f"architecture: unknown section '{unknown[0]}' for family {family}")
        return cls(family=family, sections=raw, train=train, version=version)
