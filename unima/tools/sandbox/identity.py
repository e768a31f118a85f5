"""A uid of its own for each concurrent sandbox, so ``RLIMIT_NPROC`` counts one sandbox only.

``RLIMIT_NPROC`` counts every process of a uid. When every sandbox ran as uid 65534, one sandbox
with 127 children made another one's ``fork()`` fail. As root, each run now leases a uid from
``SANDBOX_UID_BASE`` on: the lease is an exclusive ``flock`` on a per-uid lock file (released by
the kernel even if the agent crashes) and a uid that still owns a process is skipped. Without
root no uid can be chosen; bwrap's user namespace then gives the run its own process count.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

# Far above login, system and systemd dynamic users (61184-65519) and the usual subuid ranges.
SANDBOX_UID_BASE = 0x7E000000
SANDBOX_UID_COUNT = 4096
LOCK_FOLDERS = (Path("/run/unima/sandbox-uids"),)


@dataclass
class UidLease:
    """One uid (and the gid of the same number) held for one sandbox run."""

    uid: int
    lock_descriptor: int

    def release(self) -> None:
        if self.lock_descriptor >= 0:
            os.close(self.lock_descriptor)  # closing drops the flock
            self.lock_descriptor = -1


def _lock_folder() -> Path | None:
    candidates = (*LOCK_FOLDERS, Path(tempfile.gettempdir()) / "unima-sandbox-uids-0")
    for folder in candidates:
        with contextlib.suppress(OSError):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            info = os.lstat(folder)
        except OSError:
            continue
        # Only a root-owned folder nobody else can write: lock files are opened there as root.
        if (
            stat.S_ISDIR(info.st_mode)
            and info.st_uid == 0
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        ):
            return folder
    return None


def uids_with_processes() -> set[int]:
    """Owners of the processes now running (a uid still in use is not leased again)."""
    owners: set[int] = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                owners.add(os.stat(f"/proc/{entry}").st_uid)
    return owners


def lease_sandbox_uid() -> UidLease | None:
    """Lease a free sandbox uid; ``None`` when not root or no lock folder or uid is free."""
    if os.geteuid() != 0:
        return None
    folder = _lock_folder()
    if folder is None:
        logger.warning("no safe folder for sandbox uid locks: sandboxes share uid 65534")
        return None
    busy = uids_with_processes()
    for uid in range(SANDBOX_UID_BASE, SANDBOX_UID_BASE + SANDBOX_UID_COUNT):
        if uid in busy:
            continue
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            descriptor = os.open(folder / f"{uid}.lock", flags, 0o600)
        except OSError:
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            continue
        return UidLease(uid, descriptor)
    logger.warning("all %d sandbox uids are in use: sandboxes share uid 65534", SANDBOX_UID_COUNT)
    return None
