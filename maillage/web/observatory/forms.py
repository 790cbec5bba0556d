from django import forms

from maillage.core.imports import file_too_large_message, max_bytes
from maillage.observatory.models import DiagnosticComment


class CommentForm(forms.ModelForm):
    """A commentary block; `version` is the one the person saw (0: no block yet)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    text = forms.CharField(
        label="Commentaire des partenaires",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"}),
        help_text="Texte libre, repris tel quel dans la prochaine édition du diagnostic "
        "(10 000 caractères au plus).",
        error_messages={
            "max_length": "Le commentaire compte %(show_value)d caractères ; "
            "10 000 au plus sont acceptés."
        },
    )

    class Meta:
        model = DiagnosticComment
        fields = ["text"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.version if self.instance.pk else 0


class FigureImportForm(forms.Form):
    file = forms.FileField(
        label="Fichier CSV",
        help_text="UTF-8 ou Windows-1252, séparateur virgule ou point-virgule. "
        "Colonnes : indicator, commune ou territory, period, value, method, source, source_url, "
        "note (voir la documentation de l'observatoire).",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv", "class": "form-control"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_bytes():
            raise forms.ValidationError(file_too_large_message(upload.size))
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError("Choisissez un fichier .csv.")
        return upload
