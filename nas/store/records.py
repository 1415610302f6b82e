"""Typed records at the storage boundary: what a study remembers, and a trial's architecture.

Optuna keeps user attributes as JSON. nas writes its study description once, as one versioned
`StudyRecord`, and reads it back through `study_record(study)` everywhere (resume checks,
leaderboard, export, report), never by string key. Version 1 is the plain dict that nas 0.1 wrote
(no `record_version` key); it reads unchanged. Version 3 added `cv` (how a trial is scored); a
record without it scored every trial on the holdout split (`cv` 1).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from nas.arch import Arch
from nas.errors import NasError, StoreError
from nas.store import attrs

RECORD_VERSION = 3


@dataclass(frozen=True)
class StudyRecord:
    """A study's identity and description: data, seed, space, metric and objectives.

    Every field has a default so that a partial record (a study made by hand or by an older nas)
    still reads; what needs a field checks it (export refuses a study without a data spec)."""

    task: str | None = None
    dataset: str | None = None
    seed: int = 0
    data_spec: dict[str, Any] = field(default_factory=dict)  # nas.data.DataSpec.to_dict()
    space: dict[str, Any] = field(default_factory=dict)  # nas.space.Space.to_dict()
    data: dict[str, Any] = field(default_factory=dict)  # TaskData.describe(): shapes, preprocessing, fingerprint
    metric: str = "value"
    direction: str = "maximize"
    version: str = ""  # the nas version that created the study
    objectives: list[str] = field(default_factory=list)
    cv: int = 1  # folds over train + validation a trial is scored on; 1: the holdout split
    record_version: int = RECORD_VERSION

    @property
    def fingerprint(self) -> str | None:
        return self.data.get("fingerprint")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Any) -> StudyRecord:
        """Read a stored record (any version this nas knows); StoreError when it is not one."""
        if not isinstance(raw, dict):
            raise StoreError("study record: expected a JSON object (was the study made by nas?)")
        version = int(raw.get("record_version", 1))
        if version > RECORD_VERSION:
            raise StoreError(f"study record: version {version} is newer than this nas reads ({RECORD_VERSION}); upgrade nas")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in raw.items() if k in known}
        values["record_version"] = RECORD_VERSION
        values.setdefault("objectives", [raw.get("metric")])
        try:
            return cls(**values)
        except TypeError as exc:
            raise StoreError(f"study record: incomplete ({exc})") from None


def study_record(study: Any) -> StudyRecord | None:
    """The study's record, or None for a study nas did not create (or not yet described)."""
    raw = study.user_attrs.get(attrs.STUDY_RECORD)
    return None if raw is None else StudyRecord.from_dict(raw)


def require_record(study: Any) -> StudyRecord:
    record = study_record(study)
    if record is None:
        raise StoreError(f"study '{study.study_name}': not made by `nas search` (it has no nas record)")
    return record


def trial_arch(trial: Any) -> Arch:
    """The stored architecture of a trial (raises StoreError if it has none)."""
    raw = trial.user_attrs.get(attrs.ARCH)
    if raw is None:
        raise StoreError(f"trial {trial.number}: has no stored architecture")
    try:
        return Arch.from_dict(raw)
    except NasError as exc:
        raise StoreError(f"trial {trial.number}: {exc}") from None



def trial_refit(study: Any, number: int) -> dict[str, Any] | None:
    """Trial `number`'s refit on train + validation (the attrs.REFIT_* keys), or None."""
    raw = study.user_attrs.get(attrs.refit_key(number))
    return raw if isinstance(raw, dict) and raw.get(attrs.REFIT_CHECKPOINT) else None


def study_refits(study: Any) -> dict[int, dict[str, Any]]:
    """Every refit stored in the study, by trial number (one read of the study's attributes)."""
    found = {}
    for key, raw in study.user_attrs.items():
        number = key[len(attrs.REFIT_PREFIX):]
        if key.startswith(attrs.REFIT_PREFIX) and number.isdigit() and isinstance(raw, dict):
            found[int(number)] = raw
    return found
