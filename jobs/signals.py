"""Signals other apps listen to, so ``jobs`` depends on none of them."""

from django.dispatch import Signal

# Sent once a job is completed, before its workspace is cleaned up.
# Arguments: ``job`` (the Job), ``output_dir`` (Path of what the submission wrote).
job_completed = Signal()
