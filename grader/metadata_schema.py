"""nbgrader's check of cell metadata, with its JSON schema checked once per process.

nbgrader's `CheckCellMetadata` (twice per student in autograde) validates every nbgrader cell
with `jsonschema.validate`, which first checks the *schema itself* against JSON Schema's
meta-schema, at every call: nearly all of the check's cost, about 0.1 s of the grading
process's CPU per notebook of 01. `check_metadata_schema_once` gives nbgrader's metadata module
a `validate` that checks each schema once and then validates as `jsonschema.validate` does:
the same cells pass, and a cell that fails raises the same (best-matching) error.
"""

from __future__ import annotations

import json
from functools import cache

import jsonschema
import nbgrader.nbgraderformat.common as nbgrader_metadata


class SchemaCheckedOnce:
    """What nbgrader's metadata module uses of the `jsonschema` module: `validate`."""

    @staticmethod
    def validate(instance, schema) -> None:
        validator = _validator(json.dumps(schema, sort_keys=True))
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error


@cache
def _validator(schema_text: str):
    schema = json.loads(schema_text)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def check_metadata_schema_once() -> None:
    nbgrader_metadata.jsonschema = SchemaCheckedOnce
