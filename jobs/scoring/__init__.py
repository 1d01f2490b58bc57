"""Scoring helpers owned by the job: dataset readiness and seeds/intervals."""
