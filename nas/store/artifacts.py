"""The checkpoint folder: Optuna's file-system artifact store, with whole-or-absent writes.

Why not Optuna's store as is: its `write` opens the final file and copies into it, so a full disk
or a kill in the middle leaves a truncated checkpoint under its real name (issue 14). Here a
checkpoint is written under a temporary name and renamed when complete; a failed write removes
its temporary, and temporaries of killed processes are removed when the store is next opened.
A folder removed during a search is created again, so the trials after it keep their
checkpoints (the ones before it are gone: exporting them says so in one line).
"""
from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import BinaryIO

from optuna.artifacts import FileSystemArtifactStore

from nas.partial import remove_orphans, temporary_name


class AtomicArtifactStore(FileSystemArtifactStore):
    """A `FileSystemArtifactStore` whose artifacts are never seen half written."""

    def __init__(self, base_path: str | Path) -> None:
        super().__init__(base_path)
        remove_orphans(Path(base_path))

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        final = Path(self._get_filepath(artifact_id))
        final.parent.mkdir(parents=True, exist_ok=True)  # removed while the search ran: make it again
        tmp = final.with_name(temporary_name(final.name))
        try:
            with open(tmp, "wb") as f:
                shutil.copyfileobj(content_body, f)
            os.replace(tmp, final)
        except OSError as exc:  # e.g. disk full: the error names the folder, not the temporary
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise OSError(exc.errno, exc.strerror, str(final.parent)) from None
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
