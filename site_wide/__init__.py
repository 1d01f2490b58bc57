"""What spans the whole site rather than one app: the readiness and liveness probes,
the API's front door (``/api/``) and ``/api/me``, the platform-wide ``bootstrap``
command, and the benchmark-only view (routed only with ``LB_BENCH_VIEWS``).

It sits above every app (``/api/me`` reads the leaderboard's quotas and finals), so
no app imports it; ``config/`` routes to it. Not called ``platform``: that would
shadow the standard library's ``platform`` module, which Django and others import."""
