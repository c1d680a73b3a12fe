"""CONTRIBUTING.md names only what exists: every backticked span that reads as a path, a command or
Python resolves in the repository.

- a path (has a `/` or a file suffix) exists, from the repository's root or from a folder named in
  the same paragraph, table row or list item; `<...>` and `NN_name` stand for any name;
- a command `python -m MODULE ...` names an importable module (`tools.<name>`: the package
  `tools`), `python FILE ...` an existing file;
- Python: a name alone (`name`, `name=...`) is defined somewhere in the repository's Python (a
  function, class, module, assignment or parameter) or is a builtin; a dotted name (`a.b.c`)
  imports, or each of its parts is defined; `from m import n` imports; a function called
  (`f(x, key=...)`) has a definition (def or class) whose parameters take the call's keywords and
  number of arguments. The arguments themselves are examples (`Mistake("...", wrong_function)`),
  not checked;
- anything else (`-k`, `Inputs:`, `### BEGIN SOLUTION`) is prose and is not checked.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import importlib.util
import os
import re
from functools import cache
from pathlib import Path

from grader.layout import REPOSITORY

DOCUMENT = REPOSITORY / "CONTRIBUTING.md"
NOT_SOURCE = {".venv", ".git", "grading", "build", "dist", "checkpoints"}  # top-level folders
PLACEHOLDER = re.compile(r"<[^<>]+>|NN_name")
FILE_SUFFIXES = (".py", ".md", ".ipynb", ".npz", ".txt", ".toml", ".yml", ".json", ".cfg")
PYTHON = re.compile(r"^(?:\w+=\S*\s+)*(?:\S*/)?python3?$")


def blocks(text: str) -> list[str]:
    """Paragraphs, table rows and list items, fenced code left out."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return [block for block in re.split(r"\n\s*\n|\n(?=\||- )", text) if block.strip()]


def spans(block: str) -> list[str]:
    return [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", block)]


PARAMETER = "parameter"  # a function's parameter or a class's field: may itself be a function


@cache
def definitions() -> dict[str, list]:
    """Every name the repository's Python defines -> how: def or class nodes, PARAMETER, or None
    (a module, package or assigned name)."""
    found: dict[str, list] = {}
    for path in python_files():
        found.setdefault(path.stem, []).append(None)
        found.setdefault(path.parent.name, []).append(None)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        fields = {
            id(statement.target)
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef)
            for statement in node.body
            if isinstance(statement, ast.AnnAssign)
        }
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.setdefault(node.name, []).append(node)
            elif isinstance(node, ast.arg):
                found.setdefault(node.arg, []).append(PARAMETER)
            elif isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Store):
                found.setdefault(getattr(node, "id", None) or node.attr, []).append(
                    PARAMETER if id(node) in fields else None
                )
    return found


def python_files() -> list[Path]:
    files = []
    for folder, subfolders, names in os.walk(REPOSITORY):
        if Path(folder) == REPOSITORY:
            subfolders[:] = [name for name in subfolders if name not in NOT_SOURCE]
        files += [Path(folder) / name for name in names if name.endswith(".py")]
    return files


def is_defined(name: str) -> bool:
    return name in definitions() or hasattr(builtins, name) or _importable(name)


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def resolves_dotted(dotted: str) -> bool:
    """`a.b.c`: the longest importable prefix, then attributes; or else every part defined."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        if _importable(".".join(parts[:cut])):
            value = importlib.import_module(".".join(parts[:cut]))
            for attribute in parts[cut:]:
                if not hasattr(value, attribute):
                    return _importable(f"{value.__name__}.{attribute}") and attribute == parts[-1]
                value = getattr(value, attribute)
            return True
    return all(is_defined(part) for part in parts)


def accepts(definition: ast.AST, call: ast.Call) -> bool:
    """Whether a def (or a class, by its fields or __init__) takes the call's arguments."""
    if isinstance(definition, ast.ClassDef):
        inits = [n for n in definition.body if getattr(n, "name", None) == "__init__"]
        if inits:
            definition = inits[0]
        else:
            fields = [
                n.target.id
                for n in definition.body
                if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
            ]
            return len(call.args) <= len(fields) and all(
                k.arg is None or k.arg in fields for k in call.keywords
            )
    arguments = definition.args
    positional = [a.arg for a in arguments.posonlyargs + arguments.args]
    positional = [name for name in positional if name not in ("self", "cls")]
    named = positional + [a.arg for a in arguments.kwonlyargs]
    starred = any(isinstance(a, ast.Starred) for a in call.args)
    return (
        (len(call.args) <= len(positional) or arguments.vararg is not None)
        and (not starred or arguments.vararg is not None)
        and all(
            k.arg is None or k.arg in named or arguments.kwarg is not None for k in call.keywords
        )
    )


def python_problems(span: str) -> list[str]:
    """What in a span of Python does not resolve ([] for prose that is not Python)."""
    keyword = re.match(r"^(\w+)=(?!=)", span)
    problems = [keyword.group(1)] if keyword and not is_defined(keyword.group(1)) else []
    try:
        tree = ast.parse(span[keyword.end() :] if keyword else span)
    except SyntaxError:
        return problems
    if (
        len(tree.body) == 1
        and isinstance(tree.body[0], ast.Expr)
        and isinstance(tree.body[0].value, ast.Name)
    ):
        name = tree.body[0].value.id
        return problems + ([] if is_defined(name) else [name])
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            problems += [
                f"{node.module}.{alias.name}"
                for alias in node.names
                if not resolves_dotted(f"{node.module}.{alias.name}")
            ]
        elif isinstance(node, ast.Attribute) and re.fullmatch(r"[\w.]+", ast.unparse(node)):
            problems += [] if resolves_dotted(ast.unparse(node)) else [ast.unparse(node)]
        elif isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            name = getattr(node.func, "id", None) or node.func.attr
            kinds = definitions().get(name, [])
            callables = [kind for kind in kinds if isinstance(kind, ast.AST)]
            dotted = isinstance(node.func, ast.Attribute) and resolves_dotted(
                ast.unparse(node.func)
            )
            if (
                not callables
                and PARAMETER not in kinds
                and not hasattr(builtins, name)
                and not dotted
            ):
                problems.append(
                    f"{name} (called, but no function, class or parameter has that name)"
                )
            elif callables and not any(accepts(d, node) for d in callables):
                problems.append(
                    f"{ast.unparse(node)} (no definition of {name} takes these arguments)"
                )
    return problems


def path_exists(span: str, bases: list[Path]) -> bool:
    pattern = PLACEHOLDER.sub("*", span.rstrip("/"))
    return any(
        any(base.glob(pattern)) if "*" in pattern else (base / pattern).exists() for base in bases
    )


def is_path(span: str) -> bool:
    return (
        not re.search(r"[\s()'\"=,]", span)
        and not span.startswith("/")
        and ("/" in span or span.endswith(FILE_SUFFIXES))
    )


def problems_in(block: str) -> list[str]:
    named_folders = [
        REPOSITORY / PLACEHOLDER.split(span)[0].rsplit("/", 1)[0]
        for span in spans(block)
        if is_path(span) and "/" in span
    ]
    bases = [REPOSITORY] + [
        folder
        for named in named_folders
        if named.is_dir()
        for folder in [named, *named.parents]
        if REPOSITORY in folder.parents
    ]
    problems = []
    for span in spans(block):
        words = span.split()
        command = next(
            (i for i, word in enumerate(words) if PYTHON.match(" ".join(words[: i + 1]))), None
        )
        if command is not None and len(words) > command + 1:
            rest = words[command + 1 :]
            module = PLACEHOLDER.split(rest[1])[0].rstrip(".") if len(rest) > 1 else ""
            if rest[0] == "-m" and not _importable(module):
                problems.append(f"{span} (no module {module})")
            elif rest[0].endswith(".py") and not path_exists(rest[0], [REPOSITORY]):
                problems.append(f"{span} (no file {rest[0]})")
        elif is_path(span):
            if not path_exists(span, bases):
                problems.append(f"{span} (no such path)")
        else:
            problems += [f"{span}: {problem}" for problem in python_problems(span)]
    return problems


def test_contributing_names_only_what_exists():
    problems = [
        problem
        for block in blocks(DOCUMENT.read_text(encoding="utf-8"))
        for problem in problems_in(block)
    ]
    assert not problems, "CONTRIBUTING.md names what does not exist:\n" + "\n".join(problems)


def test_the_resolver_fails_on_what_does_not_exist():
    """The check above can fail: names, paths, signatures and commands that do not exist."""
    assert problems_in("`grader/no_such_module.py`, `coursekit/`")[0].startswith("grader/no_such")
    assert problems_in("`rnn_numpy.rnn.no_such_function`") != []
    assert problems_in("`a_name_defined_nowhere_in_the_repository`") != []
    assert problems_in("`limits=(case, value) -> problem`") == []
    assert problems_in("`no_such_parameter=1`, `no_such_function(1)`") != []
    assert problems_in("`function_check(name, no_such_keyword=1)`") != []
    assert problems_in("`python -m tools.no_such_tool`") != []
    assert (
        problems_in(
            "`rnn_numpy.rnn.rnn_forward`, `GRADING_CEILINGS`, `-k`, `Inputs:`, "
            "`python -m grader release`, `grader/checks/<notebook>.py`"
        )
        == []
    )
