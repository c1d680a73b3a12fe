"""Starts bubblewrap for one learner kernel; run by the system's python3, never imported.

It needs libseccomp's own Python binding (Debian/Ubuntu: `apt-get install python3-seccomp`),
which is not on PyPI, so the grader (in the course's environment) runs this file with the
system's interpreter, isolated (`/usr/bin/python3 -I`): standard library and `seccomp` only.

    kernel_launcher.py check                  build the filter; say what it denies (exit 0)
    kernel_launcher.py run [--cgroup DIR] -- BWRAP OPTIONS... -- COMMAND...
        join the memory cgroup DIR (a root grader's, made for this kernel), give this process
        (and so the kernel) a fresh session keyring, write the seccomp filter to a memfd and
        exec bubblewrap with `--seccomp FD`: the filter applies to COMMAND and all it starts.
    kernel_launcher.py run --load-filter -- COMMAND...
        (a kernel without the sandbox) the same keyring, the filter loaded here, exec COMMAND
    kernel_launcher.py clear-keyrings         empty the calling uid's user and user-session
        keyrings (a root grader runs it as a pooled kernel uid before and after each kernel)

Any failure exits non-zero with the reason on stderr: the kernel is then never started, and
the grader refuses to grade (it runs `check` first) rather than grade without the filter.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct
import sys

# System calls a NumPy/ipykernel kernel never needs: each returns EPERM (the process goes on).
DENIED = (
    # kernel keyrings: shared between processes and uids, they outlive the kernel
    "keyctl",
    "add_key",
    "request_key",
    # reading or steering other processes
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "pidfd_getfd",
    "process_madvise",
    "kcmp",
    # kernel attack surface no kernel of ours uses
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "fanotify_init",
    "lookup_dcookie",
    "open_by_handle_at",
    "modify_ldt",
    "vm86",
    "vm86old",
    "uselib",
    "syslog",
    "vhangup",
    "nfsservctl",
    # the mount family and namespaces
    "mount",
    "umount",
    "umount2",
    "pivot_root",
    "chroot",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsmount",
    "fsconfig",
    "fspick",
    "mount_setattr",
    "unshare",
    "setns",
    # the machine itself
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "create_module",
    "get_kernel_syms",
    "query_module",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "quotactl_fd",
    "ioperm",
    "iopl",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "stime",
    "sethostname",
    "setdomainname",
)
NAMESPACE_FLAGS = {  # clone() with any of these creates a namespace: EPERM
    "CLONE_NEWNS": 0x00020000,
    "CLONE_NEWCGROUP": 0x02000000,
    "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000,
    "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}
TERMINAL_IOCTLS = {"TIOCSTI": 0x5412, "TIOCLINUX": 0x541C}  # typing into a terminal
PERSONALITY_QUERY = 0xFFFFFFFF
KEYCTL_GET_KEYRING_ID, KEYCTL_JOIN_SESSION_KEYRING, KEYCTL_CLEAR = 0, 1, 7
KEYCTL_READ, KEYCTL_INVALIDATE = 11, 21
KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING = -4, -5


def build_filter():
    """The seccomp filter: allow by default, deny the calls above (EPERM). clone3 returns
    ENOSYS, as if the kernel had none, so the C library falls back to clone(), whose flags the
    filter can read (clone3's are behind a pointer)."""
    import seccomp

    denied = seccomp.ERRNO(errno.EPERM)
    syscall_filter = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in DENIED:
        try:
            syscall_filter.add_rule(denied, name)
        except RuntimeError:  # a call this architecture's libseccomp does not know
            pass
    flags_argument = 1 if platform.machine() in ("s390", "s390x") else 0
    for flag in NAMESPACE_FLAGS.values():
        syscall_filter.add_rule(
            denied, "clone", seccomp.Arg(flags_argument, seccomp.MASKED_EQ, flag, flag)
        )
    syscall_filter.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    for request in TERMINAL_IOCTLS.values():
        syscall_filter.add_rule(
            denied, "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, request)
        )
    # personality(): only the query (0xffffffff) passes; no execution domain or flag changes.
    syscall_filter.add_rule(denied, "personality", seccomp.Arg(0, seccomp.NE, PERSONALITY_QUERY))
    return syscall_filter


def filter_descriptor() -> int:
    """A memfd holding the compiled filter (BPF), positioned at its start, inheritable."""
    descriptor = os.memfd_create("rnn-course-seccomp", 0)
    with os.fdopen(os.dup(descriptor), "wb") as out:
        build_filter().export_bpf(out)
    if os.fstat(descriptor).st_size == 0:
        raise RuntimeError("libseccomp exported an empty filter")
    os.lseek(descriptor, 0, os.SEEK_SET)
    os.set_inheritable(descriptor, True)
    return descriptor


def _keyctl(operation: int, *arguments: int) -> int:
    import seccomp

    number = seccomp.resolve_syscall(seccomp.Arch.NATIVE, "keyctl")
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    result = libc.syscall(
        ctypes.c_long(number),
        ctypes.c_long(operation),
        *[ctypes.c_long(argument) for argument in arguments],
    )
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, f"keyctl({operation}): {os.strerror(code)}")
    return result


def join_fresh_session_keyring() -> int:
    """Replace this process's session keyring by a new, empty, anonymous one; its serial."""
    return _keyctl(KEYCTL_JOIN_SESSION_KEYRING, 0)


def clear_user_keyrings() -> None:
    """Invalidate every key linked in this uid's user and user-session keyrings (so none can
    be read by its serial any more, whatever else still links it, without waiting for the
    kernel's key garbage collector), then empty both keyrings."""
    for keyring in (KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING):
        serial = _keyctl(KEYCTL_GET_KEYRING_ID, keyring, 1)
        for key in _linked_keys(serial):
            try:
                _keyctl(KEYCTL_INVALIDATE, key)
            except OSError:
                pass  # not ours to invalidate: unlinked below all the same
        _keyctl(KEYCTL_CLEAR, serial)


def _linked_keys(keyring: int) -> list[int]:
    """The serials of the keys linked in `keyring` (KEYCTL_READ of a keyring)."""
    size = _keyctl(KEYCTL_READ, keyring, 0, 0)
    if size <= 0:
        return []
    buffer = ctypes.create_string_buffer(size)
    got = _keyctl(KEYCTL_READ, keyring, ctypes.addressof(buffer), size)
    return list(struct.unpack(f"{min(got, size) // 4}i", buffer.raw[: min(got, size) // 4 * 4]))


def join_cgroup(folder: str) -> None:
    with open(os.path.join(folder, "cgroup.procs"), "w") as procs:
        procs.write(str(os.getpid()))


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "check":
        build_filter()
        filter_descriptor()
        print(
            "denied (EPERM): " + " ".join(DENIED) + "; clone with namespace flags; "
            "ioctl TIOCSTI/TIOCLINUX; personality changes; clone3 (ENOSYS)"
        )
        return 0
    if command == "clear-keyrings":
        clear_user_keyrings()
        return 0
    if command == "run" and "--" in argv:
        options, bwrap = argv[1 : argv.index("--")], argv[argv.index("--") + 1 :]
        if options[:1] == ["--cgroup"]:
            join_cgroup(options[1])
            options = options[2:]
        load_here = options == ["--load-filter"]
        if (options and not load_here) or not bwrap:
            raise SystemExit(f"usage: {__doc__}")
        join_fresh_session_keyring()
        if load_here:  # no bubblewrap: this process loads the filter (and no_new_privs)
            build_filter().load()
            os.execvp(bwrap[0], bwrap)
        descriptor = filter_descriptor()
        os.execv(bwrap[0], [bwrap[0], "--seccomp", str(descriptor), *bwrap[1:]])
    print(f"usage: {__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (ImportError, OSError, RuntimeError, ValueError) as error:
        print(f"kernel launcher: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
