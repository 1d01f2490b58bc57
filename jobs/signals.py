"""Signals other apps listen to, so ``jobs`` depends on none of them."""

from django.dispatch import Signal

# Sent inside the enqueue transaction (the owner's row is locked) before a job
# is created. Arguments: ``owner``, ``benchmark`` (slug). A receiver refuses
# the job by raising a domain error (``core.errors``), which reaches the client.
job_admitting = Signal()

# Sent once a job is completed, before its workspace is cleaned up.
# Arguments: ``job`` (the Job), ``output_dir`` (Path of what the submission
# wrote; it may be gone when staff re-record a job).
job_completed = Signal()
