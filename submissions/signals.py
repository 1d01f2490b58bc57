"""Signals other apps listen to, so ``submissions`` depends on none of them."""

from django.dispatch import Signal

# Sent before an upload is stored. Argument: ``benchmark`` (slug). A receiver
# refuses the upload by raising a domain error (``core.errors``).
submission_admitting = Signal()
