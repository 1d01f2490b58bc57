"""Request bodies validated by one shared serializer instance.

``Serializer(data=...)`` deep-copies its declared fields for every new instance;
on the hottest POSTs (enqueue, upload) that copy was most of the validation's cost
(0.07 and 0.16 ms against 0.01 and 0.02; docs/performance.md). ``run_validation``
keeps nothing on the instance, so one instance per form serves every request, and its
errors have the shape ``is_valid(raise_exception=True)`` raises.
"""

from __future__ import annotations

from rest_framework import serializers


def validated(form: serializers.Serializer, data) -> dict:
    """``data`` validated by ``form`` (a shared, unbound instance), or a 400 ``ValidationError``."""
    return form.run_validation(data)
