"""FHIR R4 (UK Core) mappings between NHS systems and the platform, through fhir.resources.R4B."""
