"""Every directory page renders without an undefined template variable (test settings mark
them INVALID_TEMPLATE_VARIABLE)."""

import io

from django.urls import reverse

from maillage.directory import demo
from maillage.directory.models import Childminder, Structure


def test_pages_have_no_undefined_variable(client, located_bassin, bruno, password):
    demo.load(io.StringIO())
    urls = [
        reverse("web:directory_search"),
        reverse("web:directory_search") + "?commune=Le+Broc&age_months=6&until_time=19:00",
        reverse("web:directory_search") + "?commune=Nulle&radius_km=x",
        reverse("web:directory_simulator"),
        reverse("web:directory_open_data"),
    ]
    urls += [reverse("web:directory_structure", args=[s.pk]) for s in Structure.objects.all()]
    urls += [
        reverse("web:directory_childminder", args=[c.pk]) for c in Childminder.objects.all()[:10]
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "INVALID_TEMPLATE_VARIABLE" not in response.content.decode(), url
    for care in ("collective", "assistant_maternel"):
        page = client.post(
            reverse("web:directory_simulator"),
            {"care": care, "date": "2025-10-01", "monthly_resources": "2500", "children": "1",
             "aeeh_children": "0", "hours_per_month": "120", "hourly_wage": "4.2"},
        ).content.decode()  # fmt: skip
        assert "INVALID_TEMPLATE_VARIABLE" not in page and "étape par étape" in page
    client.login(username=bruno.email, password=password)
    childminder = Childminder.objects.filter(commune__insee_code="06033").first()
    for url in (
        reverse("web:directory_import"),
        reverse("web:directory_declare_availability", args=[childminder.pk]),
        reverse("web:directory_childminder", args=[childminder.pk]),
    ):
        page = client.get(url).content.decode()
        assert "INVALID_TEMPLATE_VARIABLE" not in page, url
