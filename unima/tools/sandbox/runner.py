"""The trusted runner that executes model-written code inside the sandbox.

This file runs *inside* the sandbox with ``python -I`` and imports only the standard library (the
sandbox cannot see the unima package). It is given one argument, the path of a JSON config the
host wrote, and then:

1. sets the resource limits with ``soft == hard`` so the code cannot raise them again;
2. in the weaker tiers, sets ``NO_NEW_PRIVS`` and loads the seccomp filter the host compiled
   (the bwrap tier has bwrap load it);
3. replaces standard input by an empty stream, so ``input()`` sees end-of-file at once;
4. runs the program as ``__main__`` with ``unima_result(name, value)`` in its globals;
5. saves matplotlib figures left open to ``outputs/figure_<n>.png`` and writes the published
   values as JSON for the host (only JSON crosses back, never pickles).

Exit status: the program's own (``sys.exit``), 1 for an uncaught exception, and
``OOM_EXIT_CODE`` when it ended with ``MemoryError``.
"""

from __future__ import annotations

import ctypes
import io
import json
import linecache
import os
import resource
import signal
import sys
import traceback

OOM_EXIT_CODE = 86
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def apply_limits(limits: dict[str, int], relative_nproc: bool) -> None:
    """Set every limit with soft == hard; ``relative_nproc`` adds the uid's running processes."""
    names = {
        "memory_bytes": resource.RLIMIT_AS,
        "file_size_bytes": resource.RLIMIT_FSIZE,
        "open_files": resource.RLIMIT_NOFILE,
        "cpu_seconds": resource.RLIMIT_CPU,
        "core_bytes": resource.RLIMIT_CORE,
        "max_processes": resource.RLIMIT_NPROC,
    }
    for key, which in names.items():
        value = int(limits[key])
        if key == "max_processes" and relative_nproc:
            value += count_own_processes()
        _soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))


def count_own_processes() -> int:
    """Threads and processes of this uid: ``RLIMIT_NPROC`` counts all of them, not only ours."""
    uid = os.getuid()
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid == uid:
                count += len(os.listdir(f"/proc/{entry}/task"))
        except OSError:
            continue
    return count


def load_seccomp(bpf_path: str) -> None:
    """Install a compiled BPF filter on this process (and so on everything it starts)."""
    with open(bpf_path, "rb") as handle:
        program = handle.read()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


def save_open_figures(outputs: str) -> None:
    """Save every matplotlib figure the code left open (only if it imported pyplot)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return
    for number in pyplot.get_fignums():
        target = os.path.join(outputs, f"figure_{number}.png")
        if not os.path.lexists(target):
            pyplot.figure(number).savefig(target, dpi=100)
    pyplot.close("all")


def make_publisher(values: dict[str, object]):
    """``unima_result(name, value)``: publish a JSON value to the host under ``name``."""

    def unima_result(name: str, value: object) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"unima_result needs a non-empty string name, got {name!r}")
        json.dumps(value, allow_nan=False)  # fail here, where the model can see why
        values[name] = value

    return unima_result


def run(config: dict) -> int:
    """Run the configured program; return the exit status the runner should end with."""
    if config.get("limits"):
        apply_limits(config["limits"], bool(config.get("relative_nproc")))
    if config.get("seccomp_bpf"):
        load_seccomp(config["seccomp_bpf"])
    # Writing past RLIMIT_FSIZE should raise OSError(EFBIG), not kill with SIGXFSZ.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdin = io.StringIO("")
    os.chdir(config["workdir"])
    sys.path.insert(0, config["workdir"])
    program_path = config["program"]
    with open(program_path, encoding="utf-8") as handle:
        source = handle.read()
    values: dict[str, object] = {}
    namespace = {
        "__name__": "__main__",
        "__file__": config["program_name"],
        "__builtins__": __builtins__,
        "unima_result": make_publisher(values),
    }
    sys.argv = [config["program_name"]]
    status = 0
    # Tracebacks then quote the program's lines, which the model needs to fix its code.
    linecache.cache[config["program_name"]] = (len(source), None, source.splitlines(True), "")
    try:
        code = compile(source, config["program_name"], "exec")
        exec(code, namespace)
    except SystemExit as stop:
        status = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if stop.code is not None and not isinstance(stop.code, int):
            print(stop.code, file=sys.stderr)
    except MemoryError:
        traceback.print_exc(limit=-8)
        status = OOM_EXIT_CODE
    except BaseException as error:  # the program's failure is reported, not ours
        # Drop the runner's own frame so the model sees only its code.
        user_frames = error.__traceback__.tb_next if error.__traceback__ else None
        traceback.print_exception(type(error), error, user_frames)
        status = 1
    finally:
        try:
            save_open_figures(config["outputs"])
        except Exception as error:
            print(f"[unima] could not save open figures: {error!r}", file=sys.stderr)
        try:
            with open(config["values_path"], "w", encoding="utf-8") as handle:
                json.dump(values, handle, allow_nan=False)
        except Exception as error:
            print(f"[unima] could not write published values: {error!r}", file=sys.stderr)
    return status


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        config = json.load(handle)
    status = run(config)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status & 0xFF)


if __name__ == "__main__":
    main()
