"""An LA's open cases, the officer's worklist: its open assessments and maintained plans, soonest next statutory
due date first, filtered by stage and due date, paged with an opaque cursor."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pathfinder.ehcp.entrypoints.commands_http import Reader
from pathfinder.ehcp.entrypoints.http_dependencies import Dependencies
from pathfinder.ehcp.service_layer.case_views import MAX_PAGE, open_cases
from pathfinder.ehcp.service_layer.unit_of_work import OpenCaseFilter
from pathfinder.web.problems import Problem, problem_responses
from pydantic import BaseModel, Field

router = APIRouter(prefix="/open-cases", tags=["EHC needs assessments", "EHC plans"])


class OpenCaseView(BaseModel):
    case_id: UUID = Field(description="The assessment's or plan's id")
    case_kind: str = Field(description="assessment or plan")
    person_id: UUID
    la_reference: str | None
    stage: str
    next_limit: str | None = Field(description="The next statutory limit the LA must meet")
    next_due_on: date | None
    opened_on: date = Field(description="The request received, or the plan issued")


class OpenCasesPage(BaseModel):
    cases: list[OpenCaseView]
    next: str | None = Field(description="Give it as `after` for the next page; none on the last page")


@router.get("", response_model=OpenCasesPage, responses=problem_responses(401, 403, 422, 429),
            summary="The LA's open assessments and plans, soonest due first")  # fmt: skip
async def list_open_cases(
    dependencies: Dependencies,
    principal: Reader,
    stage: Annotated[list[str] | None, Query(max_length=10, description="requested, assessing, draft-served, "
                                              "maintained, under-review (any of them)")] = None,
    due_on_or_before: date | None = None,
    due_on_or_after: date | None = None,
    la: Annotated[str | None, Query(pattern=r"^[0-9]{3}$", description="The platform only: which LA")] = None,
    after: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> OpenCasesPage:  # fmt: skip
    """The officer's worklist: the LA's open assessments and maintained plans, soonest next statutory due date
    first (cases owing none last), each with that limit; filtered by stage and by a due-date window, `limit` per
    page, `next` the cursor for the following page. An LA reads its own only."""
    responsible_la = la or principal.la_code
    if responsible_la is None:
        raise Problem(422, "Request is not valid", "Say which LA's open cases: la=<DfE LA code>")
    where = OpenCaseFilter(responsible_la, tuple(stage or ()), due_on_or_before, due_on_or_after)
    try:
        page = await open_cases(where, after=after, limit=limit, principal=principal, uow=dependencies.unit_of_work())
    except ValueError:
        raise Problem(422, "Request is not valid", "The cursor `after` is not one this list gave") from None
    return OpenCasesPage(cases=[OpenCaseView(**vars(row)) for row in page.rows], next=page.next_cursor)
