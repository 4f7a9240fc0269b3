"""``POST /persons/$match-batch``: many records matched in one call, for backfills. Each record is answered as
``POST /persons/$match`` would answer it alone (its ``request_id`` as that call's ``X-Request-ID``), in order:
its match, or its refusal as a problem (status, type, title, detail). Audited per record, as ``$match`` is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pathfinder.auth import AccessDenied, Principal, Scope
from pathfinder.identity.entrypoints.dependencies import PersonIndexDependencies, person_index_dependencies
from pathfinder.identity.entrypoints.persons_inputs import MatchIn, incoming_record
from pathfinder.identity.entrypoints.persons_problems import refusal_problem
from pathfinder.identity.entrypoints.persons_views import MatchOut
from pathfinder.identity.persons.domain.audit import Purpose
from pathfinder.identity.persons.service_layer.attempts import Caller
from pathfinder.identity.persons.service_layer.batch_matching import MatchAnswerOrRefusal, RecordToMatch, match_persons
from pathfinder.identity.persons.service_layer.matching import MatchResult
from pathfinder.telemetry.correlation import current_correlation_id
from pathfinder.web.access import require_scopes
from pathfinder.web.problems import Problem
from pydantic import BaseModel, Field, StringConstraints

MAX_BATCH_RECORDS = 500
router = APIRouter(tags=["person-data"])


class MatchRecordIn(MatchIn):
    request_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        default=None, description="As $match's X-Request-ID: a retry with the same id is answered as the first"
    )


class MatchBatchIn(BaseModel):
    records: list[MatchRecordIn] = Field(min_length=1, max_length=MAX_BATCH_RECORDS)


class MatchProblemOut(BaseModel):
    type: str
    title: str
    detail: str


class MatchAnswerOut(BaseModel):
    request_id: str | None
    status: int = Field(description="What $match would have answered: 200, or the refusal's status")
    match: MatchOut | None = None
    problem: MatchProblemOut | None = None


class MatchBatchOut(BaseModel):
    answers: list[MatchAnswerOut]


@router.post(
    "/persons/$match-batch", response_model=MatchBatchOut, summary="Find or create the persons many records are about"
)
async def match_persons_in_batch(
    body: MatchBatchIn,
    principal: Annotated[Principal, Depends(require_scopes(Scope.PERSONS_MATCH))],
    index: Annotated[PersonIndexDependencies, Depends(person_index_dependencies)],
    purpose: Annotated[Purpose | None, Query(description="Why the caller acts")] = None,
) -> MatchBatchOut:
    """Up to 500 records, each matched as ``$match`` matches one, answered in order; one record's refusal leaves
    the others' answers as they are."""
    now = index.clock()
    caller = Caller(principal, purpose or Purpose.RECORD_LINKAGE, current_correlation_id())
    answers: list[MatchAnswerOut | None] = []
    records: list[RecordToMatch] = []
    for record in body.records:
        try:
            records.append(RecordToMatch(incoming_record(record, principal, now.date()), record.request_id))
            answers.append(None)
        except Problem as invalid:
            problem = MatchProblemOut(type="about:blank", title=invalid.title, detail=str(invalid))
            answers.append(MatchAnswerOut(request_id=record.request_id, status=invalid.status, problem=problem))
    matched = iter(
        await match_persons(
            records, caller, uow=index.unit_of_work(), local_authorities=index.local_authorities, now=now
        )
    )
    return MatchBatchOut(
        answers=[
            answer or _answer(record.request_id, next(matched))
            for answer, record in zip(answers, body.records, strict=True)
        ]
    )


def _answer(request_id: str | None, found: MatchAnswerOrRefusal) -> MatchAnswerOut:
    if isinstance(found, MatchResult):
        return MatchAnswerOut(request_id=request_id, status=200, match=MatchOut.of(found))
    if isinstance(found, AccessDenied):
        problem = MatchProblemOut(type="about:blank", title="Forbidden", detail=str(found))
        return MatchAnswerOut(request_id=request_id, status=403, problem=problem)
    status, title, type_ = refusal_problem(found)
    return MatchAnswerOut(
        request_id=request_id, status=status, problem=MatchProblemOut(type=type_, title=title, detail=str(found))
    )
