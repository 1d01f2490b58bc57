"""``lb_job_enqueue``: the enqueue as one statement on PostgreSQL (jobs/enqueue_sql.py).

A PL/pgSQL function because the lock must come before the counts: each statement in
it takes its snapshot when it starts (READ COMMITTED), so the counts, read after the
owner's lock is granted, include the job of a request that held the lock before. One
plain statement would count from a snapshot taken before its lock wait. SQLite needs no
function: a writing statement takes its write lock before it reads (jobs/enqueue_sql.py).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION lb_job_enqueue(
    p_row jsonb,              -- the job row (core.db.row_json), its benchmark taken from the submission
    p_lock_space integer,     -- the advisory lock key space of the enqueue (jobs.enqueue_sql.LOCK_SPACE)
    p_visible_to_all boolean, -- staff may enqueue any submission; others only their own
    p_open text[],            -- benchmarks that admit a job without counting (NULL: all)
    p_active text[],          -- the statuses of a pending or running job
    p_since timestamptz,      -- the start of the rate window
    p_cancelled text, p_failed text, p_platform text,  -- what the rate does not count
    p_max_active integer, p_rate_limit integer)
RETURNS TABLE (benchmark text, active bigint, used bigint, inserted boolean)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    v_owner integer := (p_row->>'owner_id')::integer;
    v_submission uuid := (p_row->>'submission_id')::uuid;
BEGIN
    -- Serialises one owner's enqueues, until this statement's transaction ends.
    PERFORM pg_advisory_xact_lock(p_lock_space, v_owner);
    SELECT (SELECT s.benchmark FROM submissions_submission s
             WHERE s.id = v_submission AND (p_visible_to_all OR s.owner_id = v_owner)),
           count(*) FILTER (WHERE j.status = ANY (p_active)),
           count(*) FILTER (WHERE j.created_at >= p_since AND j.status <> p_cancelled
                            AND NOT (j.status = p_failed AND j.failure_kind = p_platform))
      INTO benchmark, active, used
      FROM jobs_job j
     WHERE j.owner_id = v_owner AND (j.status = ANY (p_active) OR j.created_at >= p_since);
    inserted := COALESCE(benchmark = ANY (COALESCE(p_open, ARRAY[benchmark]))
                         AND active < p_max_active AND used < p_rate_limit, false);
    IF inserted THEN
        INSERT INTO jobs_job
        SELECT * FROM jsonb_populate_record(NULL::jobs_job, p_row || jsonb_build_object('benchmark', benchmark));
    END IF;
    RETURN NEXT;
END
$fn$;
"""

DROP = (
    "DROP FUNCTION IF EXISTS lb_job_enqueue(jsonb, integer, boolean, text[], text[], timestamptz, text, text, "
    "text, integer, integer)"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0002_owner_created_index"),
        ("submissions", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
