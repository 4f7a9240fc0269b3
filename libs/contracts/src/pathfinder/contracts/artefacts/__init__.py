"""Documents generated from the event models and checked in: JSON Schemas, the AsyncAPI document and the
catalogue page. :mod:`~pathfinder.contracts.artefacts.files` renders and checks them all."""
