"""Properties of the s23 notification mapping: what is built reads back the same, and no input, however
malformed, gets anything but a submission or a rejection with a valid, value-free OperationOutcome."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta, timezone
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.communication import Communication
from fhir.resources.R4B.operationoutcome import OperationOutcome
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pathfinder.contracts.fhir.early_years import (
    EarlyYearsNotificationSubmission,
    ReasonCoding,
    early_years_communication,
    early_years_message_bundle,
    parse_early_years_notification,
)
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.contracts.fhir.nhs_number import NhsNumberVerificationStatus, nhs_number_check_digit
from pathfinder.contracts.fhir.outcome import FhirInputRejected

PROPERTIES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=16),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=12,
)
DELETE = object()


@st.composite
def unissued_nhs_numbers(draw: st.DrawFn) -> str:
    """Numbers in the 999 range, never issued to anyone."""
    first_nine = "999" + draw(st.text("0123456789", min_size=6, max_size=6))
    check = nhs_number_check_digit(first_nine)
    return f"{first_nine}{check}" if check is not None else "9990000018"


def words(max_size: int = 12) -> st.SearchStrategy[str]:
    letters = st.text(st.characters(categories=["L"]), min_size=1, max_size=max_size)
    return st.lists(letters, min_size=1, max_size=2).map(" ".join)


@st.composite
def children(draw: st.DrawFn) -> ChildDemographics:
    nhs_number = draw(st.none() | unissued_nhs_numbers())
    return ChildDemographics(
        nhs_number=nhs_number,
        nhs_number_verification=draw(st.none() | st.sampled_from(NhsNumberVerificationStatus)) if nhs_number else None,
        given_names=tuple(draw(st.lists(words(), max_size=3))),
        family_name=draw(st.none() | words()),
        birth_date=draw(st.dates(date(2015, 1, 1), date(2030, 12, 31))),
        sex=draw(st.none() | st.sampled_from(["male", "female", "other", "unknown"])),
        postcode=draw(st.none() | st.from_regex(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}", fullmatch=True)),
        address_lines=tuple(draw(st.lists(words(20), max_size=3))),
    )


@st.composite
def submissions(draw: st.DrawFn) -> EarlyYearsNotificationSubmission:
    offset = draw(st.sampled_from([timedelta(0), timedelta(hours=1), timedelta(hours=-5, minutes=-30)]))
    reason = st.builds(
        ReasonCoding,
        system=st.sampled_from(["http://snomed.info/sct", "http://hl7.org/fhir/sid/icd-10"]),
        code=st.from_regex(r"[A-Za-z0-9.\-]{1,18}", fullmatch=True),
        display=st.none() | words(30),
    )
    dates = st.dates(date(2015, 1, 1), date(2035, 12, 31))
    return EarlyYearsNotificationSubmission(
        message_id=draw(st.from_regex(r"[A-Za-z0-9\-.]{1,64}", fullmatch=True)),
        submission_format="fhir-message",
        notifying_organisation=draw(st.from_regex(r"[A-Z0-9]{3,10}", fullmatch=True)),
        responsible_la=draw(st.none() | st.from_regex(r"[0-9]{3}", fullmatch=True)),
        opinion_formed_on=draw(dates),
        parent_informed_on=draw(st.none() | dates),
        discussion_offered_on=draw(st.none() | dates),
        voluntary_organisations_signposted=draw(st.none() | st.booleans()),
        sent_at=draw(st.datetimes(datetime(2015, 1, 1), datetime(2035, 12, 31), timezones=st.just(timezone(offset)))),
        reason_codes=tuple(draw(st.lists(reason, max_size=3))),
        child=draw(children()),
    )


def as_json(document: dict[str, Any]) -> Any:
    return json.loads(json.dumps(document))


def read_or_rejected(document: object, *, never_shown: tuple[str, ...] = ()) -> EarlyYearsNotificationSubmission | None:
    try:
        return parse_early_years_notification(document)
    except FhirInputRejected as error:
        outcome = error.operation_outcome()
    OperationOutcome.model_validate(outcome)
    assert outcome["issue"], "a rejection has at least one issue"
    text = json.dumps(outcome)
    assert not any(value in text for value in never_shown), "input values in the outcome"
    return None


def locations(node: Any, here: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [here]
    if isinstance(node, dict):
        for key, value in node.items():
            found += locations(value, (*here, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += locations(value, (*here, index))
    return found


def changed(document: Any, location: tuple[str | int, ...], value: object) -> Any:
    if not location:
        return document if value is DELETE else value
    result = copy.deepcopy(document)
    parent = result
    for step in location[:-1]:
        parent = parent[step]
    if value is DELETE:
        del parent[location[-1]]
    else:
        parent[location[-1]] = value
    return result


def corrupted(value: Any) -> list[Any]:
    """Values of the wrong JSON type, or wrong content, for ``value``."""
    return [DELETE, None, [value], {"value": value}, str(value), 0, "", -1.5, True, [], {}]


@PROPERTIES
@given(submissions())
def test_a_built_message_reads_back_as_the_same_submission(submission: EarlyYearsNotificationSubmission) -> None:
    bundle = as_json(early_years_message_bundle(submission, bundle_id="bundle-1"))
    Bundle.model_validate(bundle)
    assert parse_early_years_notification(bundle) == submission


@PROPERTIES
@given(submissions(), st.none() | st.just("https://fhir.example.nhs.uk/Id/notification"))
def test_a_built_communication_reads_back_as_the_same_submission(
    submission: EarlyYearsNotificationSubmission, identifier_system: str | None
) -> None:
    communication = as_json(early_years_communication(submission, identifier_system=identifier_system))
    Communication.model_validate(communication)
    expected = submission.model_copy(update={"submission_format": "fhir-communication"})
    assert parse_early_years_notification(communication) == expected


@PROPERTIES
@given(
    JSON
    | st.fixed_dictionaries(
        {"resourceType": st.sampled_from(["Bundle", "Communication"])},
        optional={"type": JSON, "entry": JSON, "subject": JSON, "contained": JSON, "extension": JSON, "status": JSON},
    )
)
def test_any_json_is_read_or_rejected_with_a_valid_outcome(document: Any) -> None:
    read_or_rejected(document)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(submissions(), st.booleans(), st.data())
def test_deleting_or_corrupting_any_element_gives_a_submission_or_a_clean_rejection(
    submission: EarlyYearsNotificationSubmission, as_message: bool, data: st.DataObject
) -> None:
    if as_message:
        document = as_json(early_years_message_bundle(submission, bundle_id="bundle-1"))
    else:
        document = as_json(early_years_communication(submission))
    for _ in range(data.draw(st.integers(1, 3))):
        location = data.draw(st.sampled_from(locations(document)))
        target = document
        for step in location:
            target = target[step]
        document = changed(document, location, data.draw(st.sampled_from(corrupted(target)) | JSON))
    never_shown = tuple(v for v in (submission.child.nhs_number, submission.child.birth_date.isoformat()) if v)
    read_or_rejected(document, never_shown=never_shown)
