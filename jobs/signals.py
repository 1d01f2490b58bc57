"""Signals other apps listen to, so ``jobs`` depends on none of them."""

from django.dispatch import Signal

# Sent inside the enqueue transaction (the owner's row is locked) before a job
# is created. Arguments: ``owner``, ``benchmark`` (slug). A receiver refuses
# the job by raising a domain error (``core.errors``), which reaches the client.
job_admitting = Signal()

# Sent before the enqueue, outside any lock. Argument: ``now``. Each receiver returns
# the benchmark slugs that admit a job now without looking at the owner's jobs (a
# running phase without per-phase limits): for those, ``job_admitting`` would pass,
# and the enqueue can run as one statement (jobs/enqueue_sql.py). A job of any other
# benchmark goes through ``job_admitting`` under the lock. No receiver: all admit.
job_admission_open = Signal()

# Sent once a job is completed, before its workspace is cleaned up.
# Arguments: ``job`` (the Job), ``output_dir`` (Path of what the submission
# wrote; it may be gone when staff re-record a job).
job_completed = Signal()
