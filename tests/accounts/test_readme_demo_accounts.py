"""The README tells, for every demo account, where it starts and two things to try."""

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from maillage.accounts.demo import DEMO_USERS

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_demo_account_has_its_first_page_and_two_things_to_try():
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `([^`]+@maillage\.example)` \|(.*)\|$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")]
    first_page = reverse(settings.LOGIN_REDIRECT_URL)
    for email, *_ in DEMO_USERS:
        role, start, to_try = rows[email]
        assert role and f"`{first_page}`" in start, email
        assert " ; " in to_try, f"{email} : deux choses à essayer, séparées par « ; »"
