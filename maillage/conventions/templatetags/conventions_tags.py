"""Template filters of the conventions pages."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from maillage.conventions.models import REFERENCE_RE

register = template.Library()


@register.filter
def action_links(text, slug):
    """Turns "cf 1.2.2" into a link to the fiche action 1.2.2 of the convention `slug`."""
    text = conditional_escape(text or "")
    out, last = [], 0
    for match in REFERENCE_RE.finditer(text):
        code = match.group(1).rstrip(".")
        try:
            url = reverse("web:convention_action", kwargs={"slug": slug, "code": code})
        except NoReverseMatch:
            continue
        out.append(text[last : match.start()])
        out.append(format_html('<a href="{}">{}</a>', url, match.group(0)))
        last = match.end()
    out.append(text[last:])
    return mark_safe("".join(str(part) for part in out))


@register.filter
def status_badge(status):
    return {
        "ongoing": "text-bg-primary",
        "new": "text-bg-warning",
        "done": "text-bg-success",
        "abandoned": "text-bg-secondary",
    }.get(status, "text-bg-light")


@register.filter
def attr_list(obj, name):
    return getattr(obj, name, None) or []
