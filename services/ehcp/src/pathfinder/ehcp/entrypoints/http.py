"""The ehcp HTTP API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from pathfinder.ehcp import handlers
from pathfinder.ehcp.unit_of_work import EhcpUnitOfWork
from pathfinder.web.problems import Problem
from pydantic import BaseModel

router = APIRouter(prefix="/children", tags=["child cases"])


class EarlyYearsNoticeView(BaseModel):
    notification_id: UUID
    notifying_organisation: str
    opinion_formed_on: date
    received_at: datetime


class ChildCaseView(BaseModel):
    person_id: UUID
    responsible_la: str
    early_years_notices: list[EarlyYearsNoticeView]


def unit_of_work(request: Request) -> EhcpUnitOfWork:
    uow: EhcpUnitOfWork = request.app.state.unit_of_work()
    return uow


@router.get("/{person_id}", response_model=ChildCaseView, summary="A child's case, by pseudonymous person id")
async def child_case(person_id: UUID, uow: Annotated[EhcpUnitOfWork, Depends(unit_of_work)]) -> ChildCaseView:
    case = await handlers.child_case(person_id, uow)
    if case is None:
        raise Problem(404, "Not Found", "No case is held for that person id.")
    return ChildCaseView(
        person_id=case.person_id,
        responsible_la=case.responsible_la,
        early_years_notices=[EarlyYearsNoticeView(**vars(notice)) for notice in case.early_years_notices],
    )
