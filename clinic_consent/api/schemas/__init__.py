"""Marshmallow schemas of the API's bodies: what goes in, what comes out, and its documentation."""
