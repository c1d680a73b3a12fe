"""Copying a learner's folder never follows a link (grader/learner_files.py)."""

from __future__ import annotations

import logging

import pytest

from grader.learner_files import TooLarge, copy_learner_folder

LOG = logging.getLogger("test")


def test_only_plain_files_and_folders_are_copied_never_through_a_link(tmp_path):
    secret = tmp_path / "secret.key"
    secret.write_text("the instructor's")
    learner = tmp_path / "inbound"
    (learner / "sub").mkdir(parents=True)
    (learner / "answer.ipynb").write_text("{}")
    (learner / "sub" / "notes.txt").write_text("mine")
    (learner / "evil.html").symlink_to(secret)
    (learner / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)
    copy_learner_folder(learner, tmp_path / "copy", None, 10_000, LOG)
    copied = sorted(
        str(path.relative_to(tmp_path / "copy")) for path in (tmp_path / "copy").rglob("*")
    )
    assert copied == ["answer.ipynb", "sub", "sub/notes.txt"]
    assert not any(path.is_symlink() for path in (tmp_path / "copy").rglob("*"))


def test_a_linked_submission_folder_and_a_too_large_one_are_refused(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "big.bin").write_bytes(b"x" * 5000)
    (tmp_path / "linked").symlink_to(tmp_path / "real", target_is_directory=True)
    with pytest.raises(OSError):
        copy_learner_folder(tmp_path / "linked", tmp_path / "copy1", None, 10_000, LOG)
    with pytest.raises(TooLarge):
        copy_learner_folder(tmp_path / "real", tmp_path / "copy2", None, 1000, LOG)
