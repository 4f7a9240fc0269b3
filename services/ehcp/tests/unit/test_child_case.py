"""A child's case and the early-years notices recorded on it, without I/O: the domain, and the use case on a fake."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from ehcp_kit.fakes import FakeCaseStore
from pathfinder.ehcp.domain.child_case import ChildCase, EarlyYearsNotice, ResponsibleLaChange
from pathfinder.ehcp.service_layer.child_cases import child_case, record_early_years_notice


def notice() -> EarlyYearsNotice:
    return EarlyYearsNotice(uuid4(), "RR8", date(2026, 11, 2), datetime(2026, 11, 3, tzinfo=UTC))


def test_notices_are_kept_in_the_order_they_arrive() -> None:
    case = ChildCase(person_id=uuid4(), responsible_la="841")
    first, second = notice(), notice()
    case.record_early_years_notice(first, responsible_la="841")
    case.record_early_years_notice(second, responsible_la="841")
    assert case.early_years_notices == [first, second]


def test_a_notice_naming_another_la_moves_the_case_and_is_kept_for_review() -> None:
    case = ChildCase(person_id=uuid4(), responsible_la="841")
    moved = notice()
    case.record_early_years_notice(moved, responsible_la="805")
    assert case.early_years_notices == [moved], "never lost, never dead-lettered"
    assert case.responsible_la == "805", "the person index owns the LA: no first notice locks the LA out"
    assert case.responsible_la_changes == [ResponsibleLaChange("841", "805", moved.notification_id, moved.received_at)]


async def test_an_early_years_notice_opens_the_case_and_a_rolled_back_one_leaves_nothing() -> None:
    store = FakeCaseStore()
    person_id, first, second = uuid4(), notice(), notice()
    for given in (first, second):
        async with store.unit_of_work() as uow:
            await record_early_years_notice(person_id=person_id, responsible_la="841", uow=uow, **vars(given))
            await uow.commit()
    async with store.unit_of_work() as uow:
        await record_early_years_notice(person_id=person_id, responsible_la="841", uow=uow, **vars(notice()))
        await uow.rollback()
    case = await child_case(person_id, uow=store.unit_of_work())
    assert case is not None and case.responsible_la == "841"
    assert case.early_years_notices == [first, second]
    async with store.unit_of_work() as uow:
        await record_early_years_notice(person_id=person_id, responsible_la="805", uow=uow, **vars(notice()))
        await uow.commit()
    moved = await child_case(person_id, uow=store.unit_of_work())
    assert moved is not None and (moved.responsible_la, len(moved.responsible_la_changes)) == ("805", 1)
