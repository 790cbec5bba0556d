from django import forms
from django.contrib.auth.forms import AuthenticationForm

from maillage.accounts.security import check_login_allowed
from maillage.web.fields import PlausibleDateField


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Adresse électronique",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": "Adresse électronique ou mot de passe incorrect. Vérifiez votre saisie.",
        "inactive": "Ce compte est désactivé.",
    }

    def clean(self):
        # Per-address slow-down (never a lock): the password is not even checked while it lasts.
        check_login_allowed(self.request)
        return super().clean()


class OtpCodeForm(forms.Form):
    code = forms.CharField(
        label="Code de vérification",
        max_length=20,
        help_text="Les 6 chiffres affichés par votre application, ou un code de secours.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        error_messages={"required": "Saisissez le code de vérification."},
    )


class AuditTrailFilterForm(forms.Form):
    """Filters of the audit trail page (GET: no personal value among them)."""

    action = forms.ChoiceField(label="Action", required=False)
    object_type = forms.ChoiceField(label="Type d'objet", required=False)
    object_id = forms.CharField(
        label="Identifiant de l'objet",
        required=False,
        max_length=64,
        help_text="Par exemple le numéro d'une fiche, pour savoir qui l'a consultée.",
    )
    organisation = forms.TypedChoiceField(
        label="Organisation", required=False, coerce=int, empty_value=None
    )
    date_from = PlausibleDateField(
        years_before=30,
        years_after=1,
        label="Du",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Saisissez une date valide (jj/mm/aaaa)."},
    )
    date_until = PlausibleDateField(
        years_before=30,
        years_after=1,
        label="Au",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Saisissez une date valide (jj/mm/aaaa)."},
    )

    def __init__(self, *args, actions=(), object_types=(), organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Toutes"), *actions]
        self.fields["object_type"].choices = [("", "Tous"), *[(t, t) for t in object_types]]
        self.fields["organisation"].choices = [
            ("", "Toutes"),
            *[(o.pk, o.name) for o in organisations],
        ]
        if len(organisations) <= 1:
            del self.fields["organisation"]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_until")
        if start and end and end < start:
            self.add_error("date_until", "La date de fin précède la date de début.")
        return data
