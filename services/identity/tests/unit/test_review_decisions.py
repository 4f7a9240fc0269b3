"""Deciding a possible match on the in-memory index: the held record goes to the person chosen (or to a new
one), the decision is announced and becomes the answer to the request held for it; a review is decided once,
for a candidate, by its own LA or the platform."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from uuid import UUID, uuid4

import pytest
from identity_kit.callers import la, platform, trust
from identity_kit.children import identifier, incoming_record
from identity_kit.person_index_fakes import FakePersonIndex
from pathfinder.auth import AccessDenied, Principal
from pathfinder.contracts.identity import IdentifierKind, PossibleMatchResolved
from pathfinder.identity.persons.domain.audit import AuditAction, AuditOutcome, Purpose
from pathfinder.identity.persons.domain.matching import MatchOutcome
from pathfinder.identity.persons.domain.person import LinkMethod
from pathfinder.identity.persons.domain.review import ReviewStatus
from pathfinder.identity.persons.service_layer.attempts import Caller
from pathfinder.identity.persons.service_layer.matching import MatchResult, match_person
from pathfinder.identity.persons.service_layer.refusals import Conflict, ReviewNotFound
from pathfinder.identity.persons.service_layer.review_decisions import decide_review
from pathfinder.identity.persons.service_layer.unit_of_work import MatchAnswer

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
HELD_REQUEST = "early-years-notification:held"


@dataclass
class Held:
    amelia: UUID
    review_id: UUID


@pytest.fixture
async def held(index: FakePersonIndex) -> Held:
    """Amelia in the index; a record of "Millie" (her short name) with a UPN, held for review."""
    amelia = await match_person(
        incoming_record(identifiers=[identifier(IdentifierKind.NHS_NUMBER)]),
        Caller(trust("RR8"), Purpose.RECORD_LINKAGE),
        uow=index.unit_of_work(),
        local_authorities=index.local_authorities,
        now=NOW,
    )
    millie = await match_person(
        incoming_record(given=("Millie",), identifiers=[identifier(IdentifierKind.UPN)]),
        Caller(trust("RR8"), Purpose.RECORD_LINKAGE),
        uow=index.unit_of_work(),
        local_authorities=index.local_authorities,
        now=NOW,
        request_id=HELD_REQUEST,
    )
    assert millie.outcome is MatchOutcome.POSSIBLE_MATCH
    assert amelia.person_id is not None and millie.review_id is not None
    return Held(amelia.person_id, millie.review_id)


async def decide(
    index: FakePersonIndex,
    review_id: UUID,
    decision: Literal["same-person", "new-person"],
    person_id: UUID | None = None,
    by: Principal | None = None,
) -> MatchResult:
    caller = Caller(by or la("841"), Purpose.RECORD_LINKAGE)
    return await decide_review(
        review_id,
        decision,
        person_id,
        caller,
        uow=index.unit_of_work(),
        local_authorities=index.local_authorities,
        now=NOW,
    )


def resolved(index: FakePersonIndex) -> list[PossibleMatchResolved]:
    return [event for event in index.committed.events if isinstance(event, PossibleMatchResolved)]


async def test_same_person_links_the_held_record_and_announces_the_decision(index: FakePersonIndex, held: Held) -> None:
    reviewer = la("841")
    result = await decide(index, held.review_id, "same-person", held.amelia, by=reviewer)
    assert (result.outcome, result.person_id) == (MatchOutcome.MATCH, held.amelia)
    upn = next(link for link in index.state.links.values() if link.kind is IdentifierKind.UPN)
    assert (upn.owner_id, upn.method) == (held.amelia, LinkMethod.REVIEWED)
    [announced] = resolved(index)
    assert (announced.review_id, announced.decision, announced.person_id, announced.responsible_la) == (
        held.review_id,
        "same-person",
        held.amelia,
        "841",
    )
    review = index.state.reviews[held.review_id]
    assert (review.status, review.incoming, review.decided_by) == (ReviewStatus.SAME_PERSON, None, reviewer.subject)
    assert index.state.answers[("RR8", HELD_REQUEST)] == MatchAnswer(MatchOutcome.MATCH, held.amelia, held.review_id)


async def test_new_person_registers_the_held_record_as_a_child_of_its_own(index: FakePersonIndex, held: Held) -> None:
    result = await decide(index, held.review_id, "new-person", by=platform())
    assert result.outcome is MatchOutcome.NO_MATCH and result.person_id not in (None, held.amelia)
    assert set(index.state.persons) == {held.amelia, result.person_id}
    [announced] = resolved(index)
    assert (announced.decision, announced.person_id) == ("new-person", result.person_id)
    assert index.state.answers[("RR8", HELD_REQUEST)].person_id == result.person_id


async def test_a_review_is_decided_once(index: FakePersonIndex, held: Held) -> None:
    await decide(index, held.review_id, "same-person", held.amelia)
    with pytest.raises(Conflict, match="already been decided"):
        await decide(index, held.review_id, "new-person")
    assert len(index.state.persons) == 1 and len(resolved(index)) == 1
    last = index.audited()[-1]
    assert (last.action, last.outcome, last.detail["decision"]) == (
        AuditAction.DECIDE_REVIEW,
        AuditOutcome.DENIED,
        "new-person",
    )


async def test_only_a_candidate_may_be_chosen(index: FakePersonIndex, held: Held) -> None:
    with pytest.raises(Conflict, match="not one of the review's candidates"):
        await decide(index, held.review_id, "same-person", uuid4())
    with pytest.raises(Conflict, match="names the person chosen"):
        await decide(index, held.review_id, "same-person", None)
    assert index.state.reviews[held.review_id].status is ReviewStatus.PENDING
    assert resolved(index) == []


@pytest.mark.parametrize(
    ("reviewer", "refusal"),
    [(trust("RR8"), AccessDenied), (la("805"), ReviewNotFound)],  # another LA's review is as if absent
    ids=["nhs body", "another la"],
)
async def test_nhs_bodies_and_other_las_do_not_decide(
    index: FakePersonIndex, held: Held, reviewer: Principal, refusal: type[Exception]
) -> None:
    with pytest.raises(refusal):
        await decide(index, held.review_id, "same-person", held.amelia, by=reviewer)
    assert index.state.reviews[held.review_id].status is ReviewStatus.PENDING
    last = index.audited()[-1]
    assert (last.outcome, last.review_id, last.responsible_la) == (AuditOutcome.DENIED, held.review_id, "841")


async def test_an_unknown_review_is_not_found_and_the_attempt_audited(index: FakePersonIndex) -> None:
    missing = uuid4()
    with pytest.raises(ReviewNotFound):
        await decide(index, missing, "new-person")
    [entry] = index.audited()
    assert (entry.action, entry.outcome, entry.review_id) == (
        AuditAction.DECIDE_REVIEW,
        AuditOutcome.NOT_FOUND,
        missing,
    )
