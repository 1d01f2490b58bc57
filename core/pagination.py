"""DRF's pagination for every list endpoint: ``{next, previous, results}``.

Database lists page with a cursor (stable while rows are added, no COUNT);
short in-memory lists (benchmarks from the registry, experiments from MLflow)
page by number, with the same ``next``/``previous`` links.
"""

from __future__ import annotations

from rest_framework.pagination import CursorPagination, PageNumberPagination


class NewestFirst(CursorPagination):
    ordering = ("-created_at", "-pk")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ListPages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
