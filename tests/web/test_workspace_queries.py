"""The commune workspace asks the database the same number of times whatever it lists."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.audit.models import AuditAction
from maillage.audit.services import record
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.directory.factories import ChildminderFactory

WORKSPACE_QUERIES = 13


def _count(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/communes/06033/espace/").status_code == 200
    return len(queries)


def test_the_workspace_query_count_is_pinned_and_does_not_grow(
    client, bassin, bruno, organisations
):
    client.force_login(bruno)
    client.get("/communes/06033/espace/")  # warm-up: the session's first write
    few = _count(client)
    carros = organisations["06033"]
    for _ in range(8):
        ChildminderFactory(commune=bassin["06033"])
        MembershipFactory(user=UserFactory(), organisation=carros)
        record(AuditAction.UPDATE, actor=bruno, organisation=carros, message="modification")
    many = _count(client)
    assert many == few, (few, many)
    assert many <= WORKSPACE_QUERIES, many
