"""The seccomp deny-list, compiled once per process to classic BPF with libseccomp.

Denied calls return an error (``EPERM``, or ``ENOSYS`` for ``clone3`` so that the C library falls
back to ``clone``, whose flags a filter can inspect); everything else is allowed. The list is the
one of reliability §1.6 plus user-namespace creation, which the root path of the bwrap tier cannot
forbid with ``--disable-userns``. The weaker tiers also deny every socket family but ``AF_UNIX``
(no network namespace protects them).

If ``pyseccomp`` or libseccomp is missing, ``compile_filter`` returns ``None`` and callers record
that the run had no seccomp filter.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import tempfile
from functools import lru_cache

logger = logging.getLogger(__name__)

DENIED_SYSCALLS: tuple[str, ...] = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "keyctl",
    "add_key",
    "request_key",
    "mount",
    "umount2",
    "pivot_root",
    "swapon",
    "swapoff",
    "reboot",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "personality",
    "setns",
    "open_by_handle_at",
    "fsopen",
    "fsmount",
    "move_mount",
    "open_tree",
)
CLONE_NEWUSER = 0x10000000


@lru_cache(maxsize=4)
def compile_filter(deny_network: bool) -> bytes | None:
    """Return the BPF program for this machine's architecture, or ``None`` without libseccomp.

    Args:
        deny_network: also deny ``socket``/``socketpair`` for every family but ``AF_UNIX``.
    """
    try:
        # Optional at run time: the bindings need libseccomp, and without it the sandbox still runs.
        import pyseccomp
    except (ImportError, RuntimeError, OSError) as error:
        logger.warning("seccomp unavailable (%s); sandbox runs without a syscall filter", error)
        return None
    deny = pyseccomp.ERRNO(errno.EPERM)
    syscall_filter = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
    for name in DENIED_SYSCALLS:
        try:
            syscall_filter.add_rule(deny, name)
        except (OSError, RuntimeError, ValueError):
            logger.debug("syscall %s is unknown on this architecture; not filtered", name)
    # A new user namespace would give the code capabilities over fresh mounts (S36).
    user_namespace = pyseccomp.Arg(0, pyseccomp.MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER)
    syscall_filter.add_rule(deny, "unshare", user_namespace)
    syscall_filter.add_rule(deny, "clone", user_namespace)
    syscall_filter.add_rule(pyseccomp.ERRNO(errno.ENOSYS), "clone3")
    if deny_network:
        not_unix = pyseccomp.Arg(0, pyseccomp.NE, socket.AF_UNIX)
        syscall_filter.add_rule(deny, "socket", not_unix)
        syscall_filter.add_rule(deny, "socketpair", not_unix)
    with tempfile.TemporaryFile() as handle:
        syscall_filter.export_bpf(handle)
        handle.flush()
        os.lseek(handle.fileno(), 0, os.SEEK_SET)
        return handle.read()
