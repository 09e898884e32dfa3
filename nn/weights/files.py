"""Files that keep what they replace: atomic writes through symlinks that keep the target's mode, and
bounded reads.

write_atomically(path, data) follows symlinks to the real file, writes a temporary file beside it
(same directory, so the same file system), flushes it to disk and renames it over the target: a
crash leaves the old file whole. The temporary file is created with mode 0o666, which the kernel
reduces by the umask (so the umask is never read or changed); saving over an existing file gives
the new one the old one's mode (and owner, where allowed). A temporary file left by a process that
died is removed by the next save of the same target (on POSIX systems).
"""

from __future__ import annotations

import os
import secrets
import stat
from typing import Union

PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
TEMPORARY_SUFFIX = ".chaingrad-tmp"


def check_path(path: object, owner: str) -> str:
    """`path` as a str, or TypeError: numbers (file descriptors) and other objects are refused."""
    if isinstance(path, (str, bytes, os.PathLike)) and not isinstance(path, bool):
        name = os.fspath(path)
        if isinstance(name, (str, bytes)):
            text = os.fsdecode(name)
            if not text:
                raise ValueError(f"{owner} got an empty path; pass a file name such as 'weights.json'")
            return text
    raise TypeError(
        f"{owner} needs a file path (str or os.PathLike), got {type(path).__name__}: {str(path)[:60]!r}"
        + ("; a number would be read as a file descriptor, which nn never does" if isinstance(path, int) else "")
    )


def file_name(name: str) -> str:
    """A file name for a message: quoted, its last 100 characters if it is longer."""
    return repr(name if len(name) <= 120 else "..." + name[-100:])


def _temporary_prefix(target: str) -> str:
    return f".{os.path.basename(target)}."


def _alive(pid: int) -> bool:
    """Whether process `pid` runs (signal 0 probes on POSIX; elsewhere, where os.kill would end the
    process, every writer counts as alive and no leftover is removed)."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(target: str) -> None:
    """Remove temporary files beside `target` left by processes that no longer run."""
    directory, prefix = os.path.dirname(target), _temporary_prefix(target)
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(TEMPORARY_SUFFIX)):
            continue
        pid_text = name[len(prefix):-len(TEMPORARY_SUFFIX)].split(".")[0]
        if pid_text.isdigit() and int(pid_text) != os.getpid() and not _alive(int(pid_text)):
            try:
                os.remove(os.path.join(directory, name))
            except OSError:
                pass


def write_atomically(path: PathLike, data: bytes) -> None:
    """Write `data` to `path` (through symlinks) via a temporary file beside the real target, flushed to
    disk, then renamed over it; keeps the old file's mode; a crash leaves the previous file whole."""
    target = os.path.realpath(check_path(path, "write_atomically"))
    directory = os.path.dirname(target)
    os.makedirs(directory, exist_ok=True)
    remove_leftovers(target)
    try:
        old: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        old = None
    if old is not None and not stat.S_ISREG(old.st_mode):
        raise IsADirectoryError(f"{target!r} exists and is not a regular file; choose another path")
    temporary = os.path.join(directory, f"{_temporary_prefix(target)}{os.getpid()}.{secrets.token_hex(4)}{TEMPORARY_SUFFIX}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temporary, flags, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            if old is not None:
                os.chmod(temporary, stat.S_IMODE(old.st_mode))
                if os.name == "posix" and (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
                    try:
                        os.chown(temporary, old.st_uid, old.st_gid)
                    except OSError:
                        pass  # not allowed: the file is ours now, as any editor's save would make it
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        try:
            os.remove(temporary)
        except OSError:
            pass
        raise
    _sync_directory(directory)


def _sync_directory(directory: str) -> None:
    """Flush the rename to disk (where the system allows opening a directory)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def read_bounded(path: PathLike, limit: int, error: type[Exception], owner: str) -> bytes:
    """The bytes of the file at `path`, refusing (with `error`) one larger than `limit` before reading it."""
    name = check_path(path, owner)
    with open(name, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            raise error(
                f"{file_name(name)} is {size:,} bytes, more than the {limit:,} a weights file may have; "
                f"pass max_bytes={size} to {owner} if you trust it"
            )
        data = handle.read(limit + 1)
    if len(data) > limit:  # it grew while being read, or is not a plain file
        raise error(f"{file_name(name)} holds more than {limit:,} bytes; pass a larger max_bytes to {owner} if you trust it")
    return data
