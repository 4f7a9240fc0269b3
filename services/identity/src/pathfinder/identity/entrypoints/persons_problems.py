"""How the person index's refusals answer over HTTP: each with its own problem document, the refusal's words as
its detail."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import NamedTuple

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pathfinder.identity.persons.service_layer.refusals import (
    Conflict,
    LinkNotHeld,
    MergeNotHeld,
    PersonErased,
    PersonIndexRefusal,
    PersonMerged,
    PersonNotFound,
    ReviewNotFound,
    UnregisteredLa,
)
from pathfinder.web.problems import problem_response


class _Problem(NamedTuple):
    status: int
    title: str
    type_: str = "about:blank"


_PROBLEMS: dict[type[PersonIndexRefusal], _Problem] = {
    PersonNotFound: _Problem(404, "Not Found"),
    ReviewNotFound: _Problem(404, "Not Found"),
    LinkNotHeld: _Problem(404, "Not Found"),
    MergeNotHeld: _Problem(404, "Not Found"),
    PersonErased: _Problem(410, "Gone", "urn:pathfinder:problem:person-erased"),
    PersonMerged: _Problem(410, "Gone", "urn:pathfinder:problem:person-merged"),
    Conflict: _Problem(409, "Conflict"),
    UnregisteredLa: _Problem(422, "Unregistered LA", "urn:pathfinder:problem:responsible-la-not-registered"),
}


def refusal_problem(refusal: PersonIndexRefusal) -> tuple[int, str, str]:
    """The status, title and problem type a refusal answers with, for answers that carry several."""
    problem = _PROBLEMS.get(type(refusal), _Problem(409, "Conflict"))
    return problem.status, problem.title, problem.type_


def _answering(problem: _Problem) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def answer(_request: Request, refusal: Exception) -> JSONResponse:
        return problem_response(problem.status, problem.title, str(refusal), type_=problem.type_)

    return answer


def install_person_index_problems(app: FastAPI) -> None:
    for refusal, problem in _PROBLEMS.items():
        app.add_exception_handler(refusal, _answering(problem))
