from django import forms
from django.contrib.auth.forms import AuthenticationForm

from maillage.accounts.security import check_login_allowed


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Adresse électronique",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
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
