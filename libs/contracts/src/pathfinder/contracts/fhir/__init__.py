"""FHIR R4 (UK Core) mappings between NHS systems and the platform, through fhir.resources.R4B.

- in: s23 early-years notifications, as a message Bundle or a bare Communication (:mod:`.early_years`);
- out: advice requests as ServiceRequest + Task (:mod:`.advice_request`, read back by
  :mod:`.advice_request_reader`), advice from health as DocumentReference or QuestionnaireResponse
  (:mod:`.advice`, read by :mod:`.advice_reader`), platform events as Subscriptions Backport notification
  Bundles (:mod:`.subscription_notification`, read by :mod:`.subscription_notification_reader`);
- errors: OperationOutcome with NHS Spine codes and no personal data in diagnostics (:mod:`.outcome`).
"""

from pathfinder.contracts.fhir.advice import SubmittedAdvice, submitted_advice_resource
from pathfinder.contracts.fhir.advice_reader import parse_submitted_advice
from pathfinder.contracts.fhir.advice_request import AdviceRequestView, advice_request_resources
from pathfinder.contracts.fhir.advice_request_reader import parse_advice_request
from pathfinder.contracts.fhir.early_years import (
    EarlyYearsNotificationSubmission,
    early_years_communication,
    early_years_message_bundle,
    parse_early_years_notification,
)
from pathfinder.contracts.fhir.nhs_number import is_valid_nhs_number, normalise_nhs_number
from pathfinder.contracts.fhir.outcome import FhirInputRejected, OutcomeIssue, SpineErrorCode, operation_outcome
from pathfinder.contracts.fhir.subscription_notification import NotificationEvent, subscription_notification_bundle
from pathfinder.contracts.fhir.subscription_notification_reader import read_subscription_notification

__all__ = [
    "AdviceRequestView",
    "EarlyYearsNotificationSubmission",
    "FhirInputRejected",
    "NotificationEvent",
    "OutcomeIssue",
    "SpineErrorCode",
    "SubmittedAdvice",
    "advice_request_resources",
    "early_years_communication",
    "early_years_message_bundle",
    "is_valid_nhs_number",
    "normalise_nhs_number",
    "operation_outcome",
    "parse_advice_request",
    "parse_early_years_notification",
    "parse_submitted_advice",
    "read_subscription_notification",
    "submitted_advice_resource",
    "subscription_notification_bundle",
]
