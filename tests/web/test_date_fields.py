"""Every date typed on the site lies within a plausible range, refused in French otherwise."""

import datetime
import importlib
import inspect
import pkgutil

from django import forms

import maillage.web
from maillage.web.fields import PlausibleDateField


def _site_forms():
    for info in pkgutil.walk_packages(maillage.web.__path__, "maillage.web."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


def test_every_date_field_of_the_site_has_a_plausible_range():
    found, loose = 0, []
    for form in _site_forms():
        for name, field in form.base_fields.items():
            if isinstance(field, forms.DateField):
                found += 1
                if not isinstance(field, PlausibleDateField):
                    loose.append(f"{form.__module__}.{form.__name__}.{name}")
    assert found >= 10  # the walk did find the site's forms
    assert loose == []


def test_a_date_in_1900_is_refused_in_french_and_the_browser_knows_the_range():
    class MeetingLike(forms.Form):
        date = PlausibleDateField(years_before=25, years_after=10)

    today = datetime.date.today()
    form = MeetingLike({"date": "1900-01-01"})
    assert not form.is_valid()
    assert form.errors["date"] == [
        f"Saisissez une date comprise entre le 01/01/{today.year - 25} "
        f"et le 31/12/{today.year + 10}."
    ]
    assert MeetingLike({"date": today.isoformat()}).is_valid()
    assert not MeetingLike({"date": f"{today.year + 11}-01-01"}).is_valid()
    html = str(MeetingLike()["date"])
    assert f'min="{today.year - 25}-01-01"' in html and f'max="{today.year + 10}-12-31"' in html


def test_every_text_field_of_the_site_has_a_maximum_length():
    """Enforced by the browser (`maxlength`) and by the server (a French message)."""
    unbounded = []
    for form in _site_forms():
        for name, field in form.base_fields.items():
            if isinstance(field, forms.CharField) and field.max_length is None:
                unbounded.append(f"{form.__module__}.{form.__name__}.{name}")
    assert unbounded == []
