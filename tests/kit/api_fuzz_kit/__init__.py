# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Property-based requests from a service's own OpenAPI document (schemathesis), sent in-process to the app as
the API process builds it: every answer must be no server error and match its documented schema."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance


@dataclass
class FuzzReport:
    failures: list[str] = field(default_factory=list)
    answered: defaultdict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))


def generated_cases(operation: Any, examples: int) -> list[Any]:
    """The operation's generated cases (positive and negative), reproducible from run to run."""
    cases: list[Any] = []

    @settings(
        max_examples=examples, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=operation.as_strategy())
    def collect(case: Any) -> None:
        cases.append(case)

    collect()
    return cases


def request_arguments(case: Any, headers: Mapping[str, str]) -> dict[str, Any]:
    """The case as httpx request arguments: a raw body goes as content, form fields as data."""
    serialized = case.as_transport_kwargs(base_url="http://n", headers=dict(headers))
    arguments: dict[str, Any] = {
        "method": serialized["method"],
        "url": serialized["url"],
        "headers": serialized.get("headers") or {},
        "params": serialized.get("params"),
    }
    if "json" in serialized:
        arguments["json"] = serialized["json"]
    data = serialized.get("data")
    if isinstance(data, str | bytes):
        arguments["content"] = data
    elif data is not None:
        arguments["data"] = data
    if serialized.get("files"):
        arguments["files"] = serialized["files"]
    return arguments


async def fuzz(
    document: dict[str, Any],
    http: httpx.AsyncClient,
    headers: Mapping[str, str],
    *,
    existing: Mapping[str, str] | None = None,
    examples: int = 12,
) -> FuzzReport:
    """Every operation's generated cases, half of those with a path parameter named in ``existing`` sent to that
    existing record (so that requests also reach records that exist, not only unknown ids)."""
    report = FuzzReport()
    for result in schemathesis.openapi.from_dict(document).get_all_operations():
        assert isinstance(result, Ok), result.err()
        operation = result.ok()
        for number, case in enumerate(generated_cases(operation, examples)):
            for name, value in (existing or {}).items():
                if number % 2 == 0 and name in (case.path_parameters or {}):
                    case.path_parameters[name] = value
            response = await http.request(**request_arguments(case, headers))
            report.answered[operation.label][response.status_code] += 1
            try:
                case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
            except AssertionError as failure:
                report.failures.append(f"{operation.label}: {response.status_code} {failure}")
    return report
