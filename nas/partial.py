"""Write-then-rename: a file or folder is whole or absent, even when the writer is killed.

Why: a process killed (or a disk filling up) in the middle of a write must not leave a half
checkpoint or half bundle under its real name (issue 14). Writers put their work under a hidden
temporary name beside the destination, which names the host and process that owns it, and
rename it into place when it is complete (a rename within one folder is atomic). What a killed
process left behind is recognised by its name and removed by the next writer on that host:

    .model.safetensors.myhost.4242.9f3c1a2b.partial
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
from pathlib import Path

SUFFIXES = ("partial", "old")


def temporary_name(name: str, what: str = "partial") -> str:
    """A hidden, unique name for `name` being written (`what`: 'partial', or 'old' for a copy
    moved aside), tagged with this host and process."""
    return f".{name}.{_host()}.{os.getpid()}.{secrets.token_hex(4)}.{what}"


def _host() -> str:
    return socket.gethostname().replace(".", "-") or "host"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def is_orphan(path: Path, name: str) -> bool:
    """True for a temporary of `name` whose writer, on this host, is no longer running."""
    prefix = f".{name}."
    if not path.name.startswith(prefix):
        return False
    parts = path.name[len(prefix):].split(".")
    if len(parts) != 4 or parts[3] not in SUFFIXES or parts[0] != _host() or not parts[1].isdigit():
        return False
    return int(parts[1]) != os.getpid() and not _alive(int(parts[1]))


def remove_orphans(folder: Path, name: str | None = None) -> list[Path]:
    """Remove what killed writers left in `folder` (for `name` only, or for any name); best effort."""
    removed = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for path in entries:
        target = name if name is not None else _target_name(path.name)
        if target is None or not is_orphan(path, target):
            continue
        try:
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
            removed.append(path)
        except OSError:
            continue  # another process cleans it up at the same moment, or it is not ours to remove
    return removed


def _target_name(entry: str) -> str | None:
    """'model.safetensors' from '.model.safetensors.host.42.abcd.partial' (None if not a temporary)."""
    parts = entry.split(".")
    if not entry.startswith(".") or len(parts) < 6 or parts[-1] not in SUFFIXES:
        return None
    return ".".join(parts[1:-4])
