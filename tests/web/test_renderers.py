"""The site's form renderer writes Django's most frequent widget templates out in Python: its
output must be the template engine's, character for character."""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from maillage.web.conventions.forms import ActionAddForm, AxisAddForm
from maillage.web.directory.forms import SearchForm
from maillage.web.renderers import FAST, FastWidgetRenderer

pytestmark = pytest.mark.django_db


class EveryWidget(forms.Form):
    text = forms.CharField(
        widget=forms.TextInput(attrs={"placeholder": 'Le "Broc" & <Carros>', "data-x": True})
    )
    off = forms.CharField(required=False, widget=forms.TextInput(attrs={"disabled": False}))
    number = forms.IntegerField(widget=forms.NumberInput(attrs={"min": 0, "step": 1}))
    hidden = forms.CharField(widget=forms.HiddenInput)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    hour = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    mail = forms.EmailField()
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    agree = forms.BooleanField(required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    empty_notes = forms.CharField(required=False, widget=forms.Textarea)
    kind = forms.ChoiceField(
        choices=[
            ("", "Tous"),
            ("Petite enfance", [("eaje", "Crèches & micro-crèches"), ("am", "Assistants")]),
            ("lieu", "Lieu <accueil>"),
            (3, 3),
        ]
    )
    kinds = forms.MultipleChoiceField(choices=[("a", "A"), ("b", 'B "b"')])
    days = forms.MultipleChoiceField(
        choices=[(0, "lun"), (1, "mar"), (6, "dim")], widget=forms.CheckboxSelectMultiple
    )
    pick = forms.ChoiceField(choices=[("x", "X"), ("y", "Y")], widget=forms.RadioSelect)


DATA = {
    "text": "Saint-Jean <b>&</b>",
    "number": "12",
    "hidden": '"06033"',
    "day": "2026-11-29",
    "hour": "08:30",
    "mail": "a@b.example",
    "secret": "x<y",
    "agree": "on",
    "notes": "ligne 1\nligne <2>",
    "kind": "eaje",
    "kinds": ["a", "b"],
    "days": ["0", "6"],
    "pick": "y",
}


def _pages(form) -> list[str]:
    out = []
    for field in form:
        out.append(str(field))
        if hasattr(field.field.widget, "options") or hasattr(field.field, "choices"):
            out.extend(box.tag() for box in getattr(field, "subwidgets", []))
    return out


@pytest.mark.parametrize(
    "make",
    [
        lambda r: EveryWidget(renderer=r),
        lambda r: EveryWidget(DATA, renderer=r),
        lambda r: EveryWidget(
            initial={"day": datetime.date(2026, 1, 2), "notes": mark_safe("<b>sûr</b>")},
            renderer=r,
        ),
        lambda r: SearchForm(
            {"commune": "Carros", "days": ["0"], "atypical": ["late"]}, renderer=r
        ),
        lambda r: AxisAddForm(renderer=r),
        lambda r: ActionAddForm(axes=[], leads=[], renderer=r),
    ],
)
def test_the_fast_renderer_writes_what_the_templates_write(make):
    slow, fast = make(DjangoTemplates()), make(FastWidgetRenderer())
    assert _pages(fast) == _pages(slow)


def test_the_site_uses_it_and_it_covers_the_frequent_widgets(settings):
    assert settings.FORM_RENDERER == "maillage.web.renderers.FastWidgetRenderer"
    assert {"django/forms/widgets/select.html", "django/forms/widgets/text.html"} <= set(FAST)
