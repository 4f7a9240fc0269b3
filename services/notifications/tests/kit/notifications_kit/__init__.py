"""Test kit of the notifications service: FHIR messages to send, fakes for the fast tier, the service on a real
database for the server tier. Never shipped: it lives beside the tests."""
