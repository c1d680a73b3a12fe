"""environment.yml (conda) and requirements/ (pip) name the same packages and versions."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def pip_pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / name).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            pins.update(pip_pins(line[3:].strip()))
        elif line:
            package, version = re.fullmatch(r"([A-Za-z0-9_.-]+)==([\w.]+)", line).groups()
            pins[package.lower()] = version
    return pins


def test_conda_environment_matches_the_pip_requirements():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {}
    for item in environment["dependencies"]:
        if isinstance(item, str) and "=" in item:
            package, version = item.split("=", 1)
            conda[package.lower()] = version
        elif isinstance(item, dict):  # the pip: section (packages conda-forge does not have)
            for line in item.get("pip", []):
                if "==" in line:
                    package, version = line.split("==", 1)
                    conda[package.strip().lower()] = version.strip()
    assert conda.pop("python") == "3.11"
    assert conda == pip_pins("grader.txt")


def test_the_learner_environment_has_no_grading_tools():
    learner = pip_pins("learner.txt")
    assert "nbgrader" not in learner and "torch" not in learner
    assert {"numpy", "matplotlib", "jupyterlab"} <= set(learner)
