"""Matching many records at once (backfills): each answered exactly as ``$match`` answers it alone — the same
rules, the same idempotency on its request id, the same audit — in one call. Each record keeps its own
transaction: a refusal undoes only its own record's work and leaves its audit entry, as the rules require."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pathfinder.auth import AccessDenied
from pathfinder.identity.persons.domain.review import IncomingRecord
from pathfinder.identity.persons.service_layer.attempts import Caller
from pathfinder.identity.persons.service_layer.matching import MatchResult, match_person
from pathfinder.identity.persons.service_layer.ports import LocalAuthorities
from pathfinder.identity.persons.service_layer.refusals import PersonIndexRefusal
from pathfinder.identity.persons.service_layer.unit_of_work import PersonIndexUnitOfWork

MatchAnswerOrRefusal = MatchResult | PersonIndexRefusal | AccessDenied


@dataclass
class _AskedOnce:
    """The registry's answer for each LA a batch names, asked once for the batch rather than for each record."""

    registry: LocalAuthorities
    answers: dict[str, bool] = field(default_factory=dict)

    async def registered(self, la_code: str) -> bool:
        if la_code not in self.answers:
            self.answers[la_code] = await self.registry.registered(la_code)
        return self.answers[la_code]


@dataclass(frozen=True)
class RecordToMatch:
    incoming: IncomingRecord
    request_id: str | None


async def match_persons(
    records: Sequence[RecordToMatch],
    caller: Caller,
    *,
    uow: PersonIndexUnitOfWork,
    local_authorities: LocalAuthorities,
    now: datetime,
) -> list[MatchAnswerOrRefusal]:
    """Each record's answer, in order: its match result, or the refusal ``$match`` would have answered with."""
    answers: list[MatchAnswerOrRefusal] = []
    local_authorities = _AskedOnce(local_authorities)
    for record in records:
        try:
            answers.append(
                await match_person(
                    record.incoming,
                    caller,
                    uow=uow,
                    local_authorities=local_authorities,
                    now=now,
                    request_id=record.request_id,
                )
            )
        except (PersonIndexRefusal, AccessDenied) as refused:
            answers.append(refused)
    return answers
