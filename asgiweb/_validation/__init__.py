"""Validation with pydantic v2's error types and messages, without needing pydantic.

``compiler`` turns an annotation into one converter, once, at registration;
``scalars``, ``datetimes`` and ``constraints`` hold the rules it composes.
"""
