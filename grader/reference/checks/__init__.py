"""Every hidden check of the course, by name.

Each module in this package (one per notebook) defines `CHECKS`, a list of `framework.Check`.
`registry()` collects them; a notebook's hidden test cell is one call,
`hidden_check("<name>", <learner's function>)`, and `<name>` must be a key here.
"""
from __future__ import annotations

import importlib
import pkgutil
import zlib
from functools import cache

from .framework import Check, Case, Raised, Returned, Unsendable, Verdict, judge

LOCAL_SEED_SALT = 2026


@cache
def registry() -> dict[str, Check]:
    checks: dict[str, Check] = {}
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name == "framework":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for check in getattr(module, "CHECKS", ()):
            if check.name in checks:
                raise RuntimeError(f"two hidden checks are named {check.name!r}")
            checks[check.name] = check
    return checks


def get_check(name: str) -> Check:
    try:
        return registry()[name]
    except KeyError:
        raise KeyError(f"there is no hidden check named {name!r}") from None


def local_seed(name: str) -> int:
    """The fixed seed used when a check runs outside grading (instructor, CI)."""
    return zlib.crc32(name.encode()) ^ LOCAL_SEED_SALT


def run_locally(name: str, candidate) -> Verdict:
    """Run check `name` on `candidate` in this process (instructors, CI): no grader involved."""
    from coursekit.hidden import run_cases
    from coursekit.wire import decode, encode

    check = get_check(name)
    cases = check.cases(local_seed(name))
    wire_cases = decode(encode([case.to_wire() for case in cases]), live=False)
    outcomes = [outcome_from_record(item) for item in run_cases(candidate, wire_cases)]
    return judge(check, cases, outcomes)


def outcome_from_record(item) -> Returned | Raised | Unsendable:
    """One recorded result, as the kernel wrote it (`coursekit.hidden.run_cases`)."""
    if not isinstance(item, dict) or len(item) != 1:
        raise ValueError("malformed result in record")
    (kind, body), = item.items()
    if kind == "returned":
        return Returned(body)
    if kind == "raised" and isinstance(body, (list, tuple)) and len(body) == 2:
        return Raised(str(body[0])[:100], str(body[1])[:2000])
    if kind == "unsendable" and isinstance(body, str):
        return Unsendable(body[:100])
    raise ValueError("malformed result in record")
