"""Every hidden check of the course, by name.

Each module in this package (one per notebook) defines `CHECKS`, a list of `framework.Check`.
`registry()` collects them; a notebook's hidden test cell is one call,
`hidden_check("<name>", <learner's function>)`, and `<name>` must be a key here. Each check is
held to its docstring's contracts too (`contracts.with_contracts`, from `contracts.CONTRACTS`).
"""

from __future__ import annotations

import builtins
import importlib
import pkgutil
import zlib
from functools import cache

from .contracts import with_contracts
from .framework import Case, Check, Raised, Returned, Unsendable, Verdict, judge

LOCAL_SEED_SALT = 2026
MAX_NOTES = 20


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
            checks[check.name] = with_contracts(check)
    return checks


def get_check(name: str) -> Check:
    try:
        return registry()[name]
    except KeyError:
        raise KeyError(f"there is no hidden check named {name!r}") from None


def local_seed(name: str) -> int:
    """The seed of the fresh cases when a check runs outside grading (instructor, CI)."""
    return zlib.crc32(name.encode()) ^ LOCAL_SEED_SALT


def run_locally(name: str, candidate, cases: list[Case] | None = None) -> Verdict:
    """Run check `name` on `candidate` in this process (instructors, CI): no grader involved.

    `cases` defaults to the public fixed set plus one fresh set from `local_seed(name)`."""
    check = get_check(name)
    return run_check(check, candidate, check.cases(local_seed(name)) if cases is None else cases)


def run_check(check: Check, candidate, cases: list[Case]) -> Verdict:
    """`check` on `candidate` and `cases`, in this process, through the same record format a
    grading kernel writes. This is a local run (instructors, CI, a learner's own machine), so
    exception messages and the details of upstream misses are kept; grading never keeps them."""
    from coursekit.hidden import run_cases
    from coursekit.wire import decode, encode

    wire_cases = decode(encode([case.to_wire() for case in cases]), live=False)
    record = decode(encode(run_cases(candidate, wire_cases, details=True)), live=False)
    return judge(check, cases, [outcome_from_record(item, local=True) for item in record])


def outcome_from_record(item, *, local: bool = False) -> Returned | Raised | Unsendable:
    """One recorded result, as the kernel wrote it (`coursekit.hidden.run_cases`).

    The kernel is the learner's: when grading (`local=False`) only the returned value is taken
    as it is. An exception keeps only its class name, and only if that is a built-in exception's
    (a class learner code made, even one named `NotRun` or `HiddenCheckFailed`, becomes ""); its
    message is dropped here, whatever the kernel sent. An unsendable value keeps only a built-in
    type's name; upstream misses only their number. `local=True` (a run on the learner's or
    instructor's own machine, where the learner is the only reader) keeps names and messages."""
    if not isinstance(item, dict) or not item:
        raise ValueError("malformed result in record")
    if "returned" in item and set(item) <= {"returned", "upstream_misses"}:
        return Returned(item["returned"], _misses(item.get("upstream_misses", []), local))
    if len(item) != 1:
        raise ValueError("malformed result in record")
    ((kind, body),) = item.items()
    if kind == "raised":
        name, message = _raised(body)
        if local:
            return Raised(name[:100], message[:2000])
        return Raised(name if _is_builtin(name, BaseException) else "")
    if kind == "unsendable" and isinstance(body, str):
        return Unsendable(body[:100] if local or _is_builtin(body, object) else "")
    raise ValueError("malformed result in record")


def _raised(body) -> tuple[str, str]:
    if isinstance(body, str):
        return body, ""
    if isinstance(body, (list, tuple)) and len(body) == 2 and all(isinstance(b, str) for b in body):
        return body[0], body[1]
    raise ValueError("malformed result in record")


def _is_builtin(name: str, base: type) -> bool:
    """Whether `name` is the name of a built-in class derived from `base` (only the name is
    known: a learner's class may share it, which is harmless, since only the name is shown)."""
    found = getattr(builtins, name, None) if name.isidentifier() else None
    return isinstance(found, type) and issubclass(found, base)


def _misses(items, local: bool) -> tuple[str, ...]:
    if type(items) is int and items >= 0:
        return ("",) * min(items, MAX_NOTES)
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ValueError("malformed result in record")
    if not local:
        return ("",) * min(len(items), MAX_NOTES)
    return tuple(item[:200] for item in items[:MAX_NOTES])
