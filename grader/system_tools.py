"""Where a system tool is, whatever the caller's PATH.

Tools of the administrator (runuser, useradd, ...) live in /usr/sbin or /sbin, which a plain
user's PATH (and `sudo`'s, on some systems) lacks; the grader and the tests call them by the
absolute path found here. Standard library only: course.py uses it before any environment exists.
"""

from __future__ import annotations

import os
import shutil

SYSTEM_FOLDERS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


def system_tool(name: str) -> str | None:
    """The absolute path of the program `name`: the caller's PATH first, then the system's
    folders (SYSTEM_FOLDERS); None where neither has it."""
    path = os.pathsep.join([os.environ.get("PATH", os.defpath), *SYSTEM_FOLDERS])
    found = shutil.which(name, path=path)
    return os.path.abspath(found) if found else None


def require_system_tool(name: str, package: str) -> str:
    """`system_tool(name)`, or FileNotFoundError naming the package that provides it."""
    found = system_tool(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed (it comes with the {package} package)")
    return found
