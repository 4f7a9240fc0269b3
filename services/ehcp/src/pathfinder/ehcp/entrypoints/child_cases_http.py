"""The ehcp HTTP API: a child's case, for the LA responsible for the child."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pathfinder.auth import Principal, Scope, ensure_la_may_see, withheld_as_missing
from pathfinder.ehcp.domain.child_case import LaChangeCause
from pathfinder.ehcp.entrypoints.http_dependencies import Dependencies
from pathfinder.ehcp.service_layer.child_cases import child_record
from pathfinder.web.access import require_scopes
from pathfinder.web.problems import Problem
from pydantic import BaseModel, Field

router = APIRouter(prefix="/children", tags=["child cases", "person-data"])


class EarlyYearsNoticeView(BaseModel):
    notification_id: UUID
    notifying_organisation: str
    opinion_formed_on: date
    received_at: datetime


class ResponsibleLaChangeView(BaseModel):
    from_la: str
    to_la: str
    notification_id: UUID | None = Field(description="The notice that named the new LA; none for a transfer")
    changed_at: datetime
    cause: LaChangeCause = Field(
        description="`notice`: a notice named another LA; `transfer`: the person index handed the child over"
    )


class CaseLink(BaseModel):
    id: UUID
    stage: str
    href: str = Field(description="Where to read it: `/assessments/{id}` or `/plans/{id}`")


class ChildCaseView(BaseModel):
    person_id: UUID
    responsible_la: str
    early_years_notices: list[EarlyYearsNoticeView]
    assessments: list[CaseLink] = Field(description="The child's EHC needs assessments, oldest first")
    plans: list[CaseLink] = Field(description="The child's EHC plans, oldest first")
    responsible_la_changes: list[ResponsibleLaChangeView] = Field(
        description="Each time a notice named another LA than the case had, or the person index transferred the "
        "child (it owns the child's LA): the case moved with it; kept for the LAs' review"
    )


NOT_FOUND = Problem(404, "Not Found", "No case is held for that person id.")


@router.get("/{person_id}", response_model=ChildCaseView, summary="A child's case, by pseudonymous person id")
async def child_case(
    person_id: UUID,
    dependencies: Dependencies,
    principal: Annotated[Principal, Depends(require_scopes(Scope.CASES_READ))],
) -> ChildCaseView:
    """The child's case as the responsible LA holds it (``cases:read``), by pseudonymous person id: the early-years
    notices it received and its EHC needs assessment and plan. Another LA's child is answered as no case. This is
    where every ehcp event's ``ce_dataref`` points."""
    record = await child_record(person_id, uow=dependencies.unit_of_work())
    if record is None:
        raise NOT_FOUND
    case = record.case
    with withheld_as_missing(NOT_FOUND):
        ensure_la_may_see(principal, case.responsible_la)
    return ChildCaseView(
        person_id=case.person_id,
        responsible_la=case.responsible_la,
        early_years_notices=[EarlyYearsNoticeView(**vars(notice)) for notice in case.early_years_notices],
        assessments=[
            CaseLink(id=one.assessment_id, stage=one.stage.value, href=f"/assessments/{one.assessment_id}")
            for one in record.assessments
        ],
        plans=[
            CaseLink(id=one.plan_id, stage="maintained" if one.maintained else "ceased", href=f"/plans/{one.plan_id}")
            for one in record.plans
        ],
        responsible_la_changes=[ResponsibleLaChangeView(**vars(change)) for change in case.responsible_la_changes],
    )
