"""Access rules of the observatory (maillage.observatory.perms)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from maillage.accounts.enums import Role
from maillage.observatory import diagnostic, perms
from tests.accounts.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.territories.factories import CommuneFactory, TerritoryGroupFactory

SLUG = "bassin-de-vie-carros"


def member(organisation, role):
    return MembershipFactory(user=UserFactory(), organisation=organisation, role=role)


def test_writing_a_territory_needs_the_caf_or_a_named_party(bassin, organisations):
    group = bassin["group"]
    elsewhere = OrganisationFactory(slug="ailleurs", communes=[CommuneFactory()])
    carros = organisations["06033"]
    le_broc = organisations["06025"]
    le_broc.territory_groups.add(group)  # named party for the bassin
    cases = [
        (member(carros, Role.AGENT), False),  # one of its communes alone
        (member(le_broc, Role.AGENT), True),
        (member(le_broc, Role.ADMIN), True),
        (member(organisations["caf"], Role.ADMIN), True),
        (member(le_broc, Role.READER), False),
        (member(elsewhere, Role.ADMIN), False),
        (None, False),
    ]
    for membership, allowed in cases:
        assert perms.can_write_territory(membership, group) is allowed, membership
        assert perms.can_edit_commentary(membership, group) is allowed
        assert perms.can_start_diagnostic(membership, group) is allowed
        assert perms.can_view_diagnostic(membership, group) is (membership is not None)


def test_small_counts_are_unmasked_for_the_covering_organisation_only(bassin, organisations):
    carros = member(organisations["06033"], Role.READER)
    communes = [bassin["06033"], bassin["06064"]]
    assert perms.raw_codes(carros, communes) == {"06033"}
    assert perms.can_see_raw_counts(carros, bassin["06033"])
    assert not perms.can_see_raw_counts(carros, bassin["06064"])
    assert perms.raw_codes(None, communes) == set()


def test_fetch_and_check_helpers(bassin, organisations):
    group = bassin["group"]
    organisations["06033"].territory_groups.add(group)
    reader = member(organisations["06033"], Role.READER)
    agent = member(organisations["06033"], Role.AGENT)
    with pytest.raises(Http404):
        perms.get_territory("inconnu")
    with pytest.raises(PermissionDenied, match="professionnels"):
        perms.get_diagnostic_territory(None, SLUG)
    assert perms.get_diagnostic_territory(reader, SLUG) == group
    with pytest.raises(PermissionDenied, match="agents et administrateurs"):
        perms.get_territory_for_commentary(reader, SLUG, "axes")
    with pytest.raises(Http404):
        perms.get_territory_for_commentary(agent, SLUG, "inconnue")
    assert perms.get_territory_for_commentary(agent, SLUG, "axes") == group
    with pytest.raises(PermissionDenied):
        perms.get_territory_for_generation(reader, SLUG)
    assert perms.get_territory_for_generation(agent, SLUG) == group
    diagnostic.new_edition(group)
    with pytest.raises(PermissionDenied):
        perms.get_edition(None, SLUG, 1)
    assert perms.get_edition(reader, SLUG, 1).number == 1
    with pytest.raises(Http404):
        perms.get_edition(reader, SLUG, 2)
    other = TerritoryGroupFactory(slug="autre")
    assert not perms.can_write_territory(agent, other)
