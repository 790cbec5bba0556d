"""Forms of the points grid, reserves and emergency admissions (agents)."""

from django import forms

from maillage.commission.enums import PER_UNIT_CRITERIA, Criterion, ReserveKind
from maillage.commission.grids import LineInput
from maillage.web.conventions.forms import DATE_WIDGET, BootstrapMixin
from maillage.web.fields import PlausibleDateField


class GridForm(BootstrapMixin, forms.Form):
    """A draft's header, and one row per criterion of the catalogue: points left empty means
    the criterion is not in the grid."""

    title = forms.CharField(label="Intitulé", max_length=200, required=False)
    valid_from = PlausibleDateField(
        label="S'applique aux commissions à partir du",
        years_before=1,
        years_after=5,
        widget=DATE_WIDGET,
        help_text="Jamais avant aujourd'hui : une grille ne s'applique pas au passé.",
    )
    deliberation = forms.CharField(
        label="Délibération ou décision d'adoption",
        max_length=255,
        required=False,
        help_text="Par exemple : délibération du conseil municipal n° 2026-42 du 12 mars 2026.",
    )
    notes = forms.CharField(
        label="Commentaire (interne)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in Criterion.choices:
            unit = " par unité" if code in PER_UNIT_CRITERIA else ""
            self.fields[f"points_{code}"] = forms.CharField(
                label=f"Points{unit} — {label}",
                required=False,
                max_length=12,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control"}),
            )
            self.fields[f"cap_{code}"] = forms.CharField(
                label=f"Plafond — {label}",
                required=False,
                max_length=12,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control"}),
            )
            self.fields[f"reason_{code}"] = forms.CharField(
                label=f"Fondement — {label}",
                required=False,
                max_length=255,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )

    @classmethod
    def initial_for(cls, grid) -> dict:
        initial = {
            "title": grid.title,
            "valid_from": grid.valid_from,
            "deliberation": grid.deliberation,
            "notes": grid.notes,
        }
        for row in grid.criteria.all():
            initial[f"points_{row.criterion}"] = _number(row.points)
            initial[f"cap_{row.criterion}"] = _number(row.cap) if row.cap is not None else ""
            initial[f"reason_{row.criterion}"] = row.reason
        return initial

    def rows(self):
        """(code, label, per unit, points field, cap field, reason field) for the template."""
        return [
            (
                code,
                label,
                code in PER_UNIT_CRITERIA,
                self[f"points_{code}"],
                self[f"cap_{code}"],
                self[f"reason_{code}"],
            )
            for code, label in Criterion.choices
        ]

    def lines(self) -> list[LineInput]:
        data = self.cleaned_data
        lines = []
        for code in Criterion.values:
            points = data.get(f"points_{code}", "")
            cap = data.get(f"cap_{code}", "")
            reason = data.get(f"reason_{code}", "")
            if points.strip() or cap.strip() or reason.strip():
                lines.append(LineInput(code, points, cap, reason))
        return lines


def _number(value) -> str:
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


class ReserveForm(BootstrapMixin, forms.Form):
    structure = forms.ModelChoiceField(label="Structure", queryset=None, empty_label="—")
    age_group = forms.ChoiceField(label="Tranche d'âge")
    kind = forms.ChoiceField(label="Places réservées pour", choices=ReserveKind.choices)
    employer = forms.CharField(
        label="Employeur (places réservées par un employeur)", max_length=200, required=False
    )
    places = forms.IntegerField(label="Nombre de places", min_value=1, max_value=200)
    release_if_unused = forms.TypedChoiceField(
        label="Si trop peu de familles éligibles",
        choices=[
            ("0", "Les places restent réservées (réserve stricte)"),
            ("1", "Les places sont libérées pour les autres familles"),
        ],
        coerce=lambda value: value == "1",
        initial="0",
    )
    valid_from = PlausibleDateField(
        label="À partir du", years_before=2, years_after=5, widget=DATE_WIDGET
    )
    valid_until = PlausibleDateField(
        label="Jusqu'au (facultatif)",
        years_before=2,
        years_after=10,
        widget=DATE_WIDGET,
        required=False,
    )
    reason = forms.CharField(
        label="Fondement (loi, convention, contrat de réservation)",
        max_length=255,
        required=False,
    )

    def __init__(self, *args, structures=None, bands=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = structures
        self.fields["age_group"].choices = [(b["code"], b["label"]) for b in bands or []]
        if editing:
            del self.fields["structure"]
            del self.fields["age_group"]


class EmergencyForm(BootstrapMixin, forms.Form):
    number = forms.CharField(
        label="Numéro de la demande",
        max_length=30,
        help_text="Le numéro figure sur la fiche de la demande (par exemple CAR-2026-00042).",
    )
    structure = forms.ModelChoiceField(label="Structure d'accueil", queryset=None, empty_label="—")
    age_group = forms.ChoiceField(label="Tranche d'âge")
    admitted_on = PlausibleDateField(
        label="Date d'admission", years_before=1, years_after=1, widget=DATE_WIDGET
    )
    reason = forms.CharField(
        label="Motif (demande de la PMI, situation)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Le motif est enregistré et rapporté avec les statistiques de la commission "
        "suivante. Pas de diagnostic médical.",
    )

    def __init__(self, *args, structures=None, bands=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = structures
        self.fields["age_group"].choices = [(b["code"], b["label"]) for b in bands or []]
