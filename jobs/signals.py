"""Signals for what has happened to a job, so ``jobs`` depends on none of the apps that listen.

Admission is no signal: ``jobs`` asks ``phases`` directly (``jobs/admission.py``).
"""

from django.dispatch import Signal

# Sent once a job is completed, before its workspace is cleaned up.
# Arguments: ``job`` (the Job), ``output_dir`` (Path of what the submission
# wrote; it may be gone when staff re-record a job).
job_completed = Signal()

# Sent once a job has failed (the conditional update to ``failed`` took), never for a cancel.
# Arguments: ``job_id``, ``reason`` (the job's error text), ``kind`` (``submission`` or ``platform``).
job_failed = Signal()
