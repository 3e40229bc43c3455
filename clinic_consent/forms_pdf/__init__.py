"""Consent form templates with their versions, and the PDF documents generated from them."""
