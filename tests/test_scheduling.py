"""The test workers' units of work and their order (tests/scheduling.py, tests/balance.py)."""

from __future__ import annotations

from tests.balance import costliest_first, unit_costs
from tests.scheduling import unit_of


def test_a_unit_is_a_module_a_test_class_or_the_tests_of_a_parameter_marked_with_at():
    assert unit_of("tests/grading/test_cli.py::test_parser[autograde]") == (
        "tests/grading/test_cli.py"
    )
    assert unit_of("tests/a/test_b.py::TestNotebook01::test_c") == (
        "tests/a/test_b.py::TestNotebook01"
    )
    assert unit_of("tests/a/test_b.py::test_c[@01_feedforward_limits]") == (
        "tests/a/test_b.py@01_feedforward_limits"
    )
    assert unit_of("tests/a/test_b.py::test_c[x-@05_lstm]") == "tests/a/test_b.py@05_lstm"


def test_the_costliest_units_first_on_whichever_worker_is_free():
    rows = [("m.py::a[@1]", "gw0", 5.0), ("m.py::b[@1]", "gw0", 1.0), ("n.py::c", "gw1", 4.0)]
    assert unit_costs(rows) == {"m.py@1": 6.0, "n.py": 4.0}
    # 6 and 5 start; 4 goes after 5, 3 after 6, 2 after either (9 and 9)
    assert costliest_first({"a": 6, "b": 5, "c": 4, "d": 3, "e": 2}) == [9.0, 11.0]
