"""A child's case, the early-years notices recorded on it and the person index's transfers it follows, without
I/O: the domain, and the use cases on a fake."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from ehcp_kit.fakes import FakeCaseStore
from pathfinder.contracts.identity import ResponsibleLaChanged
from pathfinder.ehcp.domain.child_case import ChildCase, EarlyYearsNotice, LaChangeCause, ResponsibleLaChange
from pathfinder.ehcp.entrypoints.consumers import early_years_intake
from pathfinder.ehcp.service_layer.child_cases import child_case, record_early_years_notice


def notice() -> EarlyYearsNotice:
    return EarlyYearsNotice(uuid4(), "RR8", date(2026, 11, 2), datetime(2026, 11, 3, tzinfo=UTC))


def changed(*, to_la: str) -> ResponsibleLaChanged:
    return ResponsibleLaChanged(
        person_id=uuid4(), responsible_la=to_la, previous_la="805", changed_at=datetime(2026, 12, 4, 10, tzinfo=UTC)
    )


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


def test_a_transfer_moves_the_case_and_is_kept_for_review_once() -> None:
    case = ChildCase(person_id=uuid4(), responsible_la="805")
    case.record_early_years_notice(notice(), responsible_la="805")
    at = datetime(2026, 12, 4, 10, tzinfo=UTC)
    for _ in range(2):
        case.transferred("841", at=at)
    assert case.responsible_la == "841", "the case follows the child to the LA the person index names"
    assert case.responsible_la_changes == [ResponsibleLaChange("805", "841", None, at, LaChangeCause.TRANSFER)]
    assert case.transferred_at == at


def test_a_notice_from_before_the_latest_transfer_is_kept_but_does_not_move_the_case_back() -> None:
    case = ChildCase(person_id=uuid4(), responsible_la="805")
    sent_before = notice()  # received 3 November, read only after the transfer of 4 December
    case.transferred("841", at=datetime(2026, 12, 4, 10, tzinfo=UTC))
    case.record_early_years_notice(sent_before, responsible_la="805")
    assert (case.responsible_la, case.early_years_notices) == ("841", [sent_before])
    assert [change.cause for change in case.responsible_la_changes] == [LaChangeCause.TRANSFER]

    already_there = ChildCase(person_id=uuid4(), responsible_la="805")
    after_it = EarlyYearsNotice(uuid4(), "RR8", date(2026, 11, 2), datetime(2026, 12, 5, tzinfo=UTC))
    already_there.record_early_years_notice(after_it, responsible_la="841")  # a later notice got there first
    already_there.transferred("841", at=datetime(2026, 12, 4, 10, tzinfo=UTC))
    already_there.record_early_years_notice(sent_before, responsible_la="805")
    assert already_there.responsible_la == "841", "the transfer counts even when the case was already there"
    assert [change.cause for change in already_there.responsible_la_changes] == [LaChangeCause.NOTICE]


async def test_identitys_transfer_event_moves_the_case_and_opens_one_for_a_child_without() -> None:
    assert ResponsibleLaChanged in early_years_intake().event_types, "ehcp's consumer reads transfers"
    transfer = changed(to_la="841")
    handler = early_years_intake().handler_for(transfer)
    assert handler is not None
    store = FakeCaseStore()
    async with store.unit_of_work() as uow:
        await record_early_years_notice(person_id=transfer.person_id, responsible_la="805", uow=uow, **vars(notice()))
        await uow.commit()
    async with store.unit_of_work() as uow:
        await handler(transfer, uow, None)  # type: ignore[arg-type]
        await uow.commit()
    moved = await child_case(transfer.person_id, uow=store.unit_of_work())
    assert moved is not None and moved.responsible_la == "841"
    assert [(c.from_la, c.to_la, c.cause) for c in moved.responsible_la_changes] == [
        ("805", "841", LaChangeCause.TRANSFER)
    ]

    unknown = changed(to_la="841")
    async with store.unit_of_work() as uow:
        await handler(unknown, uow, None)  # type: ignore[arg-type]
        await uow.commit()
    async with store.unit_of_work() as uow:  # its notice from before the transfer, read late
        await record_early_years_notice(person_id=unknown.person_id, responsible_la="805", uow=uow, **vars(notice()))
        await uow.commit()
    late = await child_case(unknown.person_id, uow=store.unit_of_work())
    assert late is not None and (late.responsible_la, len(late.early_years_notices)) == ("841", 1)
    assert late.responsible_la_changes == [], "the case opened where the child is; nothing moved"
