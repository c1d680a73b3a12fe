"""What the notebook check tests share."""
from __future__ import annotations


def assert_explained(mistake, text: str) -> None:
    """A failed verdict tells the learner what is wrong: the mistake's own hint, or the rule it
    broke (a dtype the docstring does not allow), or, for a mistake
    that makes the function raise, the error and the case whose label names the danger."""
    assert (("hint:" in text and mistake.description in text)
            or "the docstring asks for a" in text.replace("for an", "for a")
            or ("raised" in text and ("underflow" in text or "overflow" in text))), text
