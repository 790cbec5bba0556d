import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_the_plan_api_is_for_parties_only(client, convention, charlie, outsider):
    client.force_login(charlie)
    listing = client.get(reverse("api:conventions")).json()
    assert [c["slug"] for c in listing] == ["ctg-test"]
    plan = client.get(reverse("api:convention-plan", kwargs={"slug": "ctg-test"})).json()
    assert [a["code"] for a in plan["axes"][0]["actions"]] == ["1.1.1", "1.2.1"]
    assert plan["calendar"][0] == {
        "body": "COTECH",
        "body_name": "Comité technique",
        "kind": "meeting",
        "date": "2021-03-15",
        "confirmed": False,
        "meeting_date": None,
        "label": "Comité technique : réunion",
    }
    client.force_login(outsider)
    response = client.get(reverse("api:convention-plan", kwargs={"slug": "ctg-test"}))
    assert response.status_code == 403 and "organisations parties" in response.json()["detail"]
    assert client.get(reverse("api:conventions")).json() == []
    assert client.get(reverse("api:convention-plan", kwargs={"slug": "absente"})).status_code == 404
