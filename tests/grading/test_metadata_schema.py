"""grader/metadata_schema.py: nbgrader's cell-metadata check, its schema checked once, passes
and fails the same cells with the same errors as `jsonschema.validate`."""

from __future__ import annotations

import copy

import jsonschema
import nbformat
import nbgrader.nbgraderformat.common as nbgrader_metadata
import pytest
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.preprocessors import CheckCellMetadata

from grader.metadata_schema import SchemaCheckedOnce
from grader.nbgrader_setup import nbgrader_config
from grader.settings import GradingSettings
from tests.grading.harness import cells_by_id, solution_notebook

GRADED = {
    "grade": True,
    "solution": False,
    "locked": True,
    "points": 2,
    "grade_id": "softmax_hidden",
    "schema_version": 3,
}
BROKEN = {
    "points as text": {"points": "two"},
    "grade not a flag": {"grade": "yes"},
    "no solution flag": {"solution": None},
    "grade id a number": {"grade_id": 7},
    "schema version as text": {"schema_version": "3"},
    "unknown key": {"colour": "red"},
}


def _errors(validate, metadata) -> str | None:
    try:
        validate(metadata, MetadataValidator().schema)
    except jsonschema.ValidationError as error:
        return f"{error.message} at {list(error.absolute_path)}"
    return None


@pytest.mark.parametrize("change", [{}, *BROKEN.values()], ids=["valid", *BROKEN])
def test_the_same_cells_fail_with_the_same_error(change):
    metadata = {**GRADED, **change}
    expected = _errors(jsonschema.validate, metadata)
    assert _errors(SchemaCheckedOnce.validate, metadata) == expected
    assert (expected is None) == (change == {})


def test_graders_configuration_gives_nbgrader_the_checked_once_schema_and_it_still_refuses(
    tmp_path,
):
    nbgrader_config(GradingSettings(folder=tmp_path))
    assert nbgrader_metadata.jsonschema is SchemaCheckedOnce
    notebook = solution_notebook("01_feedforward_limits")
    CheckCellMetadata().preprocess(copy.deepcopy(notebook), {})  # the solution passes
    broken = nbformat.from_dict(copy.deepcopy(notebook))
    cells_by_id(broken)["softmax_hidden"].metadata["nbgrader"]["points"] = "two"
    with pytest.raises(ValidationError, match="the nbgrader metadata may be corrupted"):
        CheckCellMetadata().preprocess(broken, {})
