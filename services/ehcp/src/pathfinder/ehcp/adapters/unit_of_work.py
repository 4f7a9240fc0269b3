"""The ehcp unit of work on PostgreSQL."""

from __future__ import annotations

from pathfinder.ehcp.adapters.assessment_repository import SqlAssessments
from pathfinder.ehcp.adapters.case_views import SqlCaseViews
from pathfinder.ehcp.adapters.child_case_repository import SqlChildCases
from pathfinder.ehcp.adapters.command_replies import SqlCommandReplies
from pathfinder.ehcp.adapters.due_timer_repository import SqlDueTimers
from pathfinder.ehcp.adapters.plan_repository import SqlPlans
from pathfinder.ehcp.service_layer.unit_of_work import EhcpUnitOfWork
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession


class SqlEhcpUnitOfWork(SqlUnitOfWork, EhcpUnitOfWork):
    cases: SqlChildCases
    assessments: SqlAssessments
    plans: SqlPlans
    timers: SqlDueTimers
    replies: SqlCommandReplies
    views: SqlCaseViews

    def open_repositories(self, session: AsyncSession) -> None:
        self.cases = SqlChildCases(session)
        self.assessments = SqlAssessments(session)
        self.plans = SqlPlans(session)
        self.timers = SqlDueTimers(session)
        self.replies = SqlCommandReplies(session)
        self.views = SqlCaseViews(session)
