"""Pagination of every list endpoint: `?limit=` is bounded, so one call cannot dump a table."""

from rest_framework.pagination import LimitOffsetPagination

MAX_LIMIT = 200


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=&offset=` (default PAGE_SIZE), at most MAX_LIMIT rows per page."""

    max_limit = MAX_LIMIT
