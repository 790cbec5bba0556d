"""Convention forms: dates in 1900 and oversized texts are refused in French, nothing typed is lost."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse


@pytest.mark.django_db
def test_a_meeting_in_1900_is_refused_and_what_was_typed_is_kept(client, convention, bruno):
    from maillage.conventions.models import Meeting

    client.force_login(bruno)
    response = client.post(
        reverse("web:convention_governance", kwargs={"slug": convention.slug}),
        {"body": "COPIL", "date": "1900-12-01", "agenda": "Bilan 2022"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Saisissez une date comprise entre le" in page and "Bilan 2022" in page
    assert not Meeting.objects.exists()


@pytest.mark.django_db
def test_a_measurement_in_1900_is_refused(client, convention, bruno):
    client.force_login(bruno)
    indicator = convention.indicators.get()
    response = client.post(
        reverse(
            "web:convention_measurement_add", kwargs={"slug": convention.slug, "pk": indicator.pk}
        ),
        {f"i{indicator.pk}-value": "4", f"i{indicator.pk}-on": "1900-06-30"},
        HTTP_HX_REQUEST="true",
    )
    assert "Saisissez une date comprise entre le" in response.content.decode()
    assert not indicator.measurements.exists()


@pytest.mark.django_db
def test_minutes_too_long_are_refused_in_french_and_kept(client, convention, bruno):
    from maillage.conventions.models import Meeting

    client.force_login(bruno)
    endpoint = reverse("web:convention_governance", kwargs={"slug": convention.slug})
    assert 'maxlength="50000"' in client.get(endpoint).content.decode()
    minutes = "Compte rendu très détaillé. " * 2000  # 56 000 characters
    response = client.post(endpoint, {"body": "COPIL", "date": "2022-12-01", "minutes": minutes})
    page = response.content.decode()
    assert response.status_code == 400
    assert "au plus 50000 caractères" in page
    assert minutes.strip() in page
    assert not Meeting.objects.exists()


@pytest.mark.django_db
def test_an_action_text_is_limited_as_typed_not_by_its_number_of_lines(client, convention, bruno):
    from maillage.web.conventions.forms import LinesField

    field = LinesField(max_length=20)
    assert field.clean("un\ndeux\ntrois") == ["un", "deux", "trois"]
    with pytest.raises(ValidationError) as refused:
        field.clean("x" * 21)
    assert "Ce texte compte 21 caractères ; 20 au plus sont acceptés." in str(refused.value)
