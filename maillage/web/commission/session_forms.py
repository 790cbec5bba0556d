"""Forms of the commission's session pages (agents)."""

from django import forms

from maillage.commission.enums import Method, SessionKind
from maillage.web.conventions.forms import BootstrapMixin
from maillage.web.fields import PlausibleDateField


class SessionForm(BootstrapMixin, forms.Form):
    territory = forms.ModelChoiceField(
        label="Territoire", queryset=None, empty_label=None,
        error_messages={"invalid_choice": "Choisissez un territoire dont vous tenez le guichet."},
    )  # fmt: skip
    kind = forms.ChoiceField(label="Nature", choices=SessionKind.choices)
    name = forms.CharField(
        label="Intitulé", max_length=200, required=False,
        help_text="Par défaut : « Commission principale du jj/mm/aaaa ».",
    )  # fmt: skip
    date = PlausibleDateField(label="Date de la commission", years_before=1, years_after=3)
    freeze_date = PlausibleDateField(
        label="Arrêt de la liste", required=False, years_before=1, years_after=3,
        help_text="Par défaut, le délai du guichet unique avant la commission.",
    )  # fmt: skip
    reference_date = PlausibleDateField(
        label="Date de référence des âges", years_before=1, years_after=3,
        help_text="Les tranches d'âge sont calculées à cette date (souvent la rentrée).",
    )  # fmt: skip
    entry_from = PlausibleDateField(label="Entrées à partir du", years_before=1, years_after=3)
    entry_until = PlausibleDateField(label="Entrées jusqu'au", years_before=1, years_after=4)

    def __init__(self, *args, territories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = territories

    def clean(self):
        data = super().clean()
        start, end = data.get("entry_from"), data.get("entry_until")
        if start and end and start > end:
            self.add_error("entry_until", "La période d'entrée doit finir après son début.")
        date, freeze = data.get("date"), data.get("freeze_date")
        if date and freeze and freeze > date:
            self.add_error(
                "freeze_date", "La liste est arrêtée au plus tard le jour de la commission."
            )
        return data


class PlacesForm(BootstrapMixin, forms.Form):
    structure = forms.ModelChoiceField(
        label="Structure", queryset=None,
        error_messages={"invalid_choice": "Choisissez une structure du guichet unique."},
    )  # fmt: skip
    age_group = forms.ChoiceField(label="Tranche d'âge")
    places = forms.IntegerField(
        label="Places", min_value=0, max_value=500,
        help_text="0 retire la ligne.",
    )  # fmt: skip
    start_date = PlausibleDateField(
        label="Date d'entrée", required=False, years_before=1, years_after=4,
        help_text="Par défaut, le début de la période d'entrée.",
    )  # fmt: skip

    def __init__(self, *args, structures, bands, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = structures
        self.fields["age_group"].choices = [(b["code"], b["label"]) for b in bands]


class RunForm(BootstrapMixin, forms.Form):
    method = forms.ChoiceField(label="Méthode", choices=Method.choices, initial=Method.SIBLINGS)


class OverrideForm(BootstrapMixin, forms.Form):
    structure = forms.ChoiceField(label="Décision de la commission")
    reason = forms.CharField(
        label="Motif de la commission", min_length=10, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Obligatoire. Il est enregistré, tracé et cité dans le courrier de la famille.",
        error_messages={
            "required": "Écrivez le motif de la commission : il est cité dans le courrier.",
            "min_length": "Écrivez le motif en quelques mots au moins (10 caractères).",
        },
    )  # fmt: skip

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].choices = [("", "Pas de place à cette commission"), *choices]
        self.fields["structure"].required = False
