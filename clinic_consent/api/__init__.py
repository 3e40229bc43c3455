"""The JSON API under /api/v1: personal bearer tokens, problem+json errors (RFC 9457), an
OpenAPI 3.1 document generated from the code, and FHIR R5 Consent resources.

The API calls the same operations and the same access loaders as the web pages: what a user
may not see on a page is a 404 here too, and every call is written to the access log.
"""
