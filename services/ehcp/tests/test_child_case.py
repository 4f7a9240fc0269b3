"""A child's case and the early-years notices recorded on it, without I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from pathfinder.ehcp.domain.child_case import ChildCase, EarlyYearsNotice, NoticeForAnotherLa


def notice() -> EarlyYearsNotice:
    return EarlyYearsNotice(uuid4(), "RR8", date(2026, 11, 2), datetime(2026, 11, 3, tzinfo=UTC))


def test_notices_are_kept_in_the_order_they_arrive() -> None:
    case = ChildCase(person_id=uuid4(), responsible_la="841")
    first, second = notice(), notice()
    case.record_early_years_notice(first, responsible_la="841")
    case.record_early_years_notice(second, responsible_la="841")
    assert case.early_years_notices == [first, second]


def test_a_notice_for_another_la_is_refused() -> None:
    case = ChildCase(person_id=uuid4(), responsible_la="841")
    with pytest.raises(NoticeForAnotherLa):
        case.record_early_years_notice(notice(), responsible_la="805")
    assert case.early_years_notices == []
