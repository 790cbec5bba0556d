from functools import lru_cache

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`mapping[key]`, or None when absent (mode columns of the coverage tables)."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def index(sequence, position):
    """`sequence[position]`, or None when out of range."""
    try:
        return sequence[int(position)]
    except (IndexError, TypeError, ValueError):
        return None


# The cells of the coverage and demand tables, as tags rather than `{% include %}` of a small
# template: a territory's dashboard draws ~1,500 of them, and each include costs a template
# context push and a node walk (half of the page's rendering time on 60 communes).
_MASKED = mark_safe('<span title="effectif inférieur au seuil de secret statistique">masqué</span>')
_MISSING = mark_safe('<span title="donnée non disponible">n.d.</span>')
_DEMAND_MASKED = mark_safe(
    '<span title="effectif inférieur au seuil de secret statistique, ou permettant de le '
    'retrouver">masqué</span>'
)


# The same few thousand numbers come back on every page (counts, rates of the same territory):
# their localised text is kept per process, by value, type and language (Django's
# `floatformat` and `intcomma` cost ≈ 40 % of a dashboard's rendering).
@lru_cache(maxsize=8192)
def _rate_text(value, kind, language):
    return floatformat(value, 1)


@lru_cache(maxsize=8192)
def _count_text(value, kind, language):
    return intcomma(floatformat(value, 0))


@register.simple_tag
def rate_cell(value, masked=False):
    """A rate (places pour 100 enfants) or why it is absent: masked, or not available."""
    if masked:
        return _MASKED
    if value is None:
        return _MISSING
    return _rate_text(value, type(value), get_language())


@register.simple_tag
def count_cell(value, masked=False):
    """A count (thousands grouped) or why it is absent: masked, or not available."""
    if masked:
        return _MASKED
    if value is None:
        return _MISSING
    return _count_text(value, type(value), get_language())


@register.simple_tag
def demand_count(value):
    """A count of the expressed demand: None means masked (these counts are never unknown)."""
    if value is None:
        return _DEMAND_MASKED
    return _count_text(value, type(value), get_language())
