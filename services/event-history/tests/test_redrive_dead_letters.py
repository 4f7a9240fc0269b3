"""Redriving dead letters on the real broker and PostgreSQL: a consumer dead-letters an event, the archive keeps
the dead letter; redriven before the fix it fails again and the archive keeps its second dead letter too; after
the fix the second is redriven and applied once; redriving either again is skipped with the reason."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

from event_history_kit.builders import engineer, received
from event_history_kit.replaying import CountingConsumer, call_as
from event_history_kit.service import archive_service, producer_on, running, wait_until
from pathfinder.devstack.broker import EmbeddedBroker
from pathfinder.event_history.bootstrap import EventHistoryService
from pathfinder.event_history.domain.dead_letters import DeadLetter
from pathfinder.event_history.domain.event_slice import SliceQuery
from pathfinder.event_history.entrypoints.workers import archive_ingest
from pathfinder.event_history.service_layer.dead_letters import Redrive, list_dead_letters, redrive
from pathfinder.messaging.settings import KafkaSettings

Databases = Callable[[str], Awaitable[str]]


async def test_a_dead_letter_redriven_after_the_fix_is_applied_once_and_each_dead_letter_redriven_once(
    fresh_broker: EmbeddedBroker, fresh_database: Databases
) -> None:
    kafka = KafkaSettings(bootstrap_servers=fresh_broker.bootstrap_servers, profile="embedded", topic_partitions=3)
    service = await archive_service(await fresh_database("eh_redrive"), kafka)
    async with producer_on(await fresh_database("eh_redrive_producer"), kafka) as producer:
        intake = CountingConsumer(producer, "intake")  # the group whose dead letters the kit's relay publishes
        await intake.install()
        failing, fine = received(la="841"), received(la="841")
        intake.refused.add(failing.notification_id)
        failing_id, fine_id = await producer.publish([failing, fine])
        ingest = archive_ingest(service.archive_feed(), service.unit_of_work)
        try:
            async with running(producer.relay().run, intake.consumer().run, ingest):
                [first] = await _wait_for_dead_letters(service, intake.group, 1)
                assert (first.original_event_id, first.group) == (failing_id, intake.group)
                assert first.detail("reason") == "handler-failed"

                # Redriven before the fix: it fails again, and its second dead letter is kept beside the first.
                assert await _redrive(service, [first.position]) == ([first.position], [])
                [_, second] = await _wait_for_dead_letters(service, intake.group, 2)
                assert second.original_event_id == failing_id and second.position != first.position
                assert second.detail("failed_at") != first.detail("failed_at")

                intake.refused.clear()  # the fix
                redriven, skipped = await _redrive(service, [first.position, second.position])
                assert redriven == [second.position]
                assert [position for position, _ in skipped] == [first.position]
                assert "already redriven" in skipped[0][1]
                await wait_until(lambda: _applied(intake, failing_id), what="the redriven event applied")

                redriven, skipped = await _redrive(service, [second.position])
                assert redriven == [] and "already redriven" in skipped[0][1], "a dead letter is redriven once"
            assert await intake.applied() == {failing_id: 1, fine_id: 1}
            letters = await _dead_letters(service, intake.group)
            assert [one.redriven is not None for one in letters] == [True, True]
            assert letters[1].redriven is not None and letters[1].redriven.reason == "INC-9: intake fixed"
        finally:
            await service.api_sender.close()
            await service.engine.dispose()


async def _redrive(service: EventHistoryService, positions: list[int]) -> tuple[list[int], list[tuple[int, str]]]:
    done: Redrive = await redrive(
        call_as(engineer(), "INC-9: intake fixed"), positions=positions, wanted=None, group=None, dry_run=False,
        uow=service.unit_of_work(), sender=service.api_sender,
    )  # fmt: skip
    return [one.position for one in done.redriven], done.skipped


async def _dead_letters(service: EventHistoryService, group: str) -> list[DeadLetter]:
    page = await list_dead_letters(call_as(engineer()), SliceQuery(), group=group, uow=service.unit_of_work())
    return page.dead_letters


async def _wait_for_dead_letters(service: EventHistoryService, group: str, count: int) -> list[DeadLetter]:
    async def there() -> bool:
        return len(await _dead_letters(service, group)) >= count

    await wait_until(there, what=f"{count} dead letter(s) archived", timeout=90)
    return await _dead_letters(service, group)


async def _applied(consumer: CountingConsumer, event_id: UUID) -> bool:
    return (await consumer.applied())[event_id] >= 1
