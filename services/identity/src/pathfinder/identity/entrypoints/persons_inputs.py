"""What the person index's HTTP API accepts, and the records it makes of it. Inputs hide their values from
validation errors: they are personal data."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pathfinder.auth import Principal
from pathfinder.contracts.base import LaCode
from pathfinder.contracts.fhir.nhs_number import NhsNumberVerificationStatus
from pathfinder.contracts.identity import IdentifierKind
from pathfinder.identity.persons.domain.demographics import Demographics, Sex
from pathfinder.identity.persons.domain.identifiers import AgencyIdentifier, InvalidIdentifier
from pathfinder.identity.persons.domain.review import IncomingRecord
from pathfinder.web.problems import Problem
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


class DemographicsIn(_Input):
    given_names: list[Name] = Field(default_factory=list, max_length=6)
    family_name: Name | None = None
    birth_date: date | None = None
    sex: Sex | None = None
    postcode: Annotated[str, StringConstraints(max_length=10)] | None = None
    address_lines: list[Line] = Field(default_factory=list, max_length=6)


class IdentifierIn(_Input):
    kind: IdentifierKind
    value: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    issuer: LaCode | None = Field(default=None, description="The LA that issued an LA case id")


class MatchIn(_Input):
    responsible_la: LaCode
    demographics: DemographicsIn = Field(default_factory=DemographicsIn)
    identifiers: list[IdentifierIn] = Field(default_factory=list, max_length=10)
    nhs_number_verification: NhsNumberVerificationStatus | None = Field(
        default=None, description="'01' (present and verified) makes an NHS number match decisive"
    )
    postcode_la: LaCode | None = Field(
        default=None,
        description="The LA of the child's postcode, as the caller's postcode directory gives it: evidence. A child "
        "new to the index whose postcode's LA is not the LA named waits for the platform to decide which is "
        "responsible (docs/decisions/0007-responsible-la.md)",
    )


class DecisionIn(_Input):
    decision: Literal["same-person", "new-person"]
    person_id: UUID | None = Field(default=None, description="The candidate chosen, for 'same-person'")
    responsible_la: LaCode | None = Field(
        default=None, description="For a responsible-LA review ('new-person'): the LA responsible, one of la_choices"
    )


class LinkIn(IdentifierIn):
    pass


class MergeIn(_Input):
    merged_person_id: UUID


class TransferIn(_Input):
    responsible_la: LaCode = Field(description="The registered LA the child is handed to")


def agency_identifier(given: IdentifierIn) -> AgencyIdentifier:
    try:
        return AgencyIdentifier.parse(given.kind, given.value, given.issuer)
    except InvalidIdentifier as invalid:
        raise Problem(422, "Request is not valid", str(invalid)) from None


def incoming_record(body: MatchIn, principal: Principal, today: date) -> IncomingRecord:
    given = body.demographics
    try:
        demographics = Demographics(
            given_names=tuple(given.given_names),
            family_name=given.family_name,
            birth_date=given.birth_date,
            sex=given.sex,
            postcode=given.postcode,
            address_lines=tuple(given.address_lines),
        )
    except ValueError:
        raise Problem(422, "Request is not valid", "demographics.postcode: not a UK postcode") from None
    if demographics.birth_date is not None and demographics.birth_date > today:
        raise Problem(422, "Request is not valid", "demographics.birth_date: in the future")
    identifiers = frozenset(agency_identifier(identifier) for identifier in body.identifiers)
    if not identifiers and not (demographics.birth_date and demographics.family_name):
        raise Problem(422, "Request is not valid", "Give an identifier, or at least a family name and date of birth.")
    verified = body.nhs_number_verification is NhsNumberVerificationStatus.PRESENT_AND_VERIFIED
    if verified and not any(identifier.kind is IdentifierKind.NHS_NUMBER for identifier in identifiers):
        raise Problem(422, "Request is not valid", "A verification status belongs to an NHS number.")
    return IncomingRecord(
        demographics=demographics,
        identifiers=identifiers,
        source_organisation=principal.organisation,
        source_role=principal.role.value,
        responsible_la=body.responsible_la,
        nhs_number_verified=verified,
        postcode_la=body.postcode_la,
    )
