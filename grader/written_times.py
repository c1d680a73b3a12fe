"""Times written by people in the instructor's CSV files (an LMS's submission times, per-learner
due dates), read one way: ISO 8601 (`2026-03-01T17:05:00Z`, `2026-03-01 17:05:00+01:00`) or a
written date (`Sunday, 1 March 2026, 5:05 PM`); a time without a zone is read in the zone the
instructor gives (`--times-zone`, an IANA name) and refused without one. Results are naive UTC,
as nbgrader stores times."""

from __future__ import annotations

import datetime
import zoneinfo

import dateutil.parser

from .faults import one_line


class BadTimes(ValueError):
    """A file of times that cannot be read as one; the message names the row and what is wrong."""


def column_name(name: str) -> str:
    """A header cell compared case-insensitively, spaces and dashes as _: `Student ID` ->
    `student_id`."""
    cleaned = "".join(c if c.isalnum() else "_" for c in name.strip().casefold())
    return "_".join(part for part in cleaned.split("_") if part)


def time_zone(zone: str | None) -> datetime.tzinfo | None:
    """The zone named `zone` (an IANA name, or UTC); None for none."""
    if not zone:
        return None
    if zone.upper() == "UTC":
        return datetime.UTC
    try:
        return zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise BadTimes(
            f"unknown time zone {zone!r}; give an IANA name such as Europe/Berlin or UTC"
        ) from None


def parse_time(written: str, zone: datetime.tzinfo | None, where: str) -> datetime.datetime:
    """`written` as naive UTC; `where` (file and row) starts the error message."""
    try:
        when = dateutil.parser.parse(written)
    except (ValueError, OverflowError):
        raise BadTimes(f"{where}: {one_line(written)[:60]!r} is not a time") from None
    if when.tzinfo is None:
        if zone is None:
            raise BadTimes(
                f"{where}: {one_line(written)[:60]!r} has no time zone; pass "
                f"--times-zone (e.g. --times-zone Europe/Berlin, or UTC)"
            )
        when = when.replace(tzinfo=zone)
    return when.astimezone(datetime.UTC).replace(tzinfo=None)
