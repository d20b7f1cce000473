"""`make fuzz`: the count of requests and server errors at the end of the run."""

from __future__ import annotations

import pytest

from tests.fuzz.test_api_fuzz import TALLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY["requests"]:
        terminalreporter.write_line(
            f"fuzz: {TALLY['requests']} requests, {TALLY['server_errors']} server errors, "
            f"{TALLY['operations']} operations in {TALLY['seconds']:.0f} s "
            f"({TALLY['skipped']} skipped: over the time budget) "
            f"({TALLY['unchecked_schemas']} with answers unchecked: prefixItems)"
        )
