"""Dead letters, consumer lag and the archive's end as use cases on the fakes: a page of dead letters per group,
an LA's own only; redrive sends each once, then it is skipped; a dry run sends nothing; lag for engineers only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from event_history_kit.builders import LIFECYCLE, T0, dead_letter_of, engineer, kept, la_engineer
from event_history_kit.in_process import InMemoryHistory
from pathfinder.auth import OrganisationRole, Principal, Scope
from pathfinder.auth.testing import principal
from pathfinder.event_history.domain.archived_event import ArchivedEvent, archived
from pathfinder.event_history.domain.event_slice import SliceQuery
from pathfinder.event_history.domain.refusals import EventNotFound, InvalidQuery, NotAllowed
from pathfinder.event_history.service_layer.dead_letters import list_dead_letters, redrive, show_dead_letter
from pathfinder.event_history.service_layer.lag import consumer_lag
from pathfinder.event_history.service_layer.reading import Call, archive_end

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
WHY = "INC-3: intake fixed in 1.4.2"
INTAKE = "ehcp.early-years-intake"
ADVICE = "health-advice.requests"


def call(who: Principal) -> Call:
    return Call(who, WHY, NOW)


async def with_dead_letters() -> tuple[InMemoryHistory, list[ArchivedEvent]]:
    """Positions 1-4: four events (841, 805, 841, 841); 5-8: their dead letters, the last one of another group."""
    history = InMemoryHistory()
    originals = [
        kept(la=la, at=T0 + timedelta(minutes=n), offset=n) for n, la in enumerate(("841", "805", "841", "841"))
    ]
    letters = [archived(dead_letter_of(one, group=INTAKE if n < 3 else ADVICE, offset=n), fallback_id=uuid4(),
                        problem=None) for n, one in enumerate(originals)]  # fmt: skip
    await history.archive(*originals, *letters)
    return history, originals


async def test_dead_letters_come_a_page_at_a_time_per_group_and_an_la_sees_its_own() -> None:
    history, originals = await with_dead_letters()
    uow = history.store.unit_of_work
    first = await list_dead_letters(call(engineer()), SliceQuery(limit="2"), group=INTAKE, uow=uow())
    assert [one.position for one in first.dead_letters] == [5, 6] and first.next == 6
    rest = await list_dead_letters(call(engineer()), SliceQuery(after="6"), group=INTAKE, uow=uow())
    assert [one.position for one in rest.dead_letters] == [7] and rest.next is None
    letter = first.dead_letters[0]
    assert (letter.group, letter.original_event_id, letter.detail("reason")) == (
        INTAKE, originals[0].event_id, "handler-failed"
    )  # fmt: skip
    everyone = await list_dead_letters(call(engineer()), SliceQuery(), group=None, uow=uow())
    assert [one.position for one in everyone.dead_letters] == [5, 6, 7, 8]
    mine = await list_dead_letters(call(la_engineer("841")), SliceQuery(), group=None, uow=uow())
    assert [one.position for one in mine.dead_letters] == [5, 7, 8]
    with pytest.raises(InvalidQuery, match="consumer group's name"):
        await list_dead_letters(call(engineer()), SliceQuery(), group="no such;group", uow=uow())
    assert [entry.outcome for entry in history.store.audit] == ["allowed"] * 4 + ["refused: invalid"]
    assert history.store.audit[0].slice == {"group": INTAKE, "after": None, "limit": 2}


async def test_one_dead_letter_is_shown_and_another_las_is_not_found() -> None:
    history, originals = await with_dead_letters()
    uow = history.store.unit_of_work
    shown = await show_dead_letter(call(la_engineer("841")), 5, uow=uow())
    assert shown.record.event_id == originals[0].event_id and shown.record.is_dead_letter
    for position in (6, 1, 99):  # 805's; not a dead letter; nothing
        with pytest.raises(EventNotFound):
            await show_dead_letter(call(la_engineer("841")), position, uow=uow())


async def test_a_dead_letter_is_redriven_once_then_skipped() -> None:
    history, _originals = await with_dead_letters()
    uow = history.store.unit_of_work
    dry = await redrive(call(engineer()), positions=[5, 6], wanted=None, group=None, dry_run=True, uow=uow(),
                        sender=history.sender)  # fmt: skip
    assert [one.position for one in dry.redriven] == [5, 6] and history.sender.redriven == []
    assert history.store.redriven == {}, "a dry run marks nothing"
    done = await redrive(call(engineer()), positions=[5, 5, 1, 6], wanted=None, group=None, dry_run=False,
                         uow=uow(), sender=history.sender)  # fmt: skip
    assert [one.position for one in done.redriven] == [5, 6]
    assert [one.position for one in history.sender.redriven] == [5, 6], "each once, though asked twice"
    assert done.skipped == [(1, "no such dead letter here")]
    again = await redrive(call(engineer()), positions=[5], wanted=None, group=None, dry_run=False, uow=uow(),
                          sender=history.sender)  # fmt: skip
    assert again.redriven == [] and again.skipped[0][0] == 5 and "already redriven" in again.skipped[0][1]
    assert len(history.sender.redriven) == 2
    by_filter = await redrive(call(engineer()), positions=None, wanted=SliceQuery(), group=INTAKE, dry_run=False,
                              uow=uow(), sender=history.sender)  # fmt: skip
    assert [one.position for one in by_filter.redriven] == [7] and [p for p, _ in by_filter.skipped] == [5, 6]
    listed = await list_dead_letters(call(engineer()), SliceQuery(), group=None, uow=uow())
    assert [(one.position, one.redriven is not None) for one in listed.dead_letters] == [
        (5, True), (6, True), (7, True), (8, False)
    ]  # fmt: skip
    assert listed.dead_letters[0].redriven is not None and listed.dead_letters[0].redriven.reason == WHY
    assert [entry.action for entry in history.store.audit][:3] == [
        "dead-letters.dry-run", "dead-letters.redrive", "dead-letters.redrive"
    ]  # fmt: skip


async def test_an_la_redrives_its_own_dead_letters_only_and_a_redrive_names_what_it_redrives() -> None:
    history, _originals = await with_dead_letters()
    uow = history.store.unit_of_work
    done = await redrive(call(la_engineer("805")), positions=[5, 6], wanted=None, group=None, dry_run=False,
                         uow=uow(), sender=history.sender)  # fmt: skip
    assert [one.position for one in done.redriven] == [6] and done.skipped == [(5, "no such dead letter here")]
    for positions, wanted in (([], None), ([5], SliceQuery())):
        with pytest.raises(InvalidQuery, match="their positions, or a filter"):
            await redrive(call(engineer()), positions=positions, wanted=wanted, group=None, dry_run=False, uow=uow(),
                          sender=history.sender)  # fmt: skip
    assert [one.position for one in history.sender.redriven] == [6]


async def test_lag_is_for_the_platforms_engineers() -> None:
    history = InMemoryHistory(known_groups={INTAKE: [LIFECYCLE]})
    history.groups.logs[(LIFECYCLE, 0)] = [T0] * 5
    history.groups.committed[(INTAKE, LIFECYCLE, 0)] = 3
    uow = history.store.unit_of_work
    [lag] = await consumer_lag(call(engineer()), None, uow=uow(), groups=history.groups, known=history.known_groups)
    assert (lag.group, lag.topic, lag.partition, lag.committed, lag.end, lag.lag) == (INTAKE, LIFECYCLE, 0, 3, 5, 2)
    with pytest.raises(NotAllowed):
        await consumer_lag(call(la_engineer()), None, uow=uow(), groups=history.groups, known=history.known_groups)
    with pytest.raises(InvalidQuery, match="No platform consumer group is called nobody"):
        await consumer_lag(call(engineer()), "nobody", uow=uow(), groups=history.groups, known=history.known_groups)
    assert [entry.outcome for entry in history.store.audit] == ["allowed", "refused: not allowed", "refused: invalid"]


async def test_the_lag_of_an_las_own_consumer_group_is_read_on_the_topic_it_reads() -> None:
    history = InMemoryHistory(known_groups={INTAKE: [LIFECYCLE]})
    la_topic, la_group = "pathfinder.la.841.events", "la-841.case-system"
    history.groups.logs[(la_topic, 0)] = [T0] * 4
    history.groups.committed[(la_group, la_topic, 0)] = 1
    uow = history.store.unit_of_work
    [lag] = await consumer_lag(call(engineer()), la_group, topic=la_topic, uow=uow(), groups=history.groups,
                               known=history.known_groups)  # fmt: skip
    assert (lag.group, lag.topic, lag.committed, lag.end, lag.lag) == (la_group, la_topic, 1, 4, 3)
    with pytest.raises(InvalidQuery, match="give the topic it reads"):
        await consumer_lag(call(engineer()), la_group, uow=uow(), groups=history.groups, known=history.known_groups)
    with pytest.raises(InvalidQuery, match="Give --group with --topic"):
        await consumer_lag(call(engineer()), None, topic=la_topic, uow=uow(), groups=history.groups,
                           known=history.known_groups)  # fmt: skip


async def test_the_archives_end_is_where_following_it_starts() -> None:
    history = InMemoryHistory()
    assert await archive_end(call(la_engineer()), uow=history.store.unit_of_work()) == 0
    await history.archive(kept(), kept())
    assert await archive_end(call(engineer()), uow=history.store.unit_of_work()) == 2
    nobody = principal(OrganisationRole.NHS_TRUST, "RH8", Scope.NOTIFICATIONS_SUBMIT)
    with pytest.raises(NotAllowed):
        await archive_end(call(nobody), uow=history.store.unit_of_work())
    assert [(entry.action, entry.slice) for entry in history.store.audit][:2] == [
        ("archive.end", {"position": 0}), ("archive.end", {"position": 2})
    ]  # fmt: skip
