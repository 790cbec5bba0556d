"""Cheap consistency checks over the whole project (after les-emplois' tests/test_consistency.py)."""

from django.urls import URLPattern, URLResolver, get_resolver

# Every page and endpoint reachable without logging in, reviewed. Adding one is a decision:
# say why in the review. API views opted out of the login redirect still apply their own DRF
# permissions (e.g. the conventions API answers 403 to anonymous callers).
PUBLIC = {
    "web:home", "web:health", "web:login", "web:logout", "web:territory_group", "web:commune",
    "web:directory_search", "web:directory_structure", "web:directory_childminder",
    "web:directory_open_data", "web:directory_export", "web:directory_simulator",
    "web:observatory_index", "web:observatory_commune", "web:observatory_dashboard",
    "web:observatory_maps", "web:observatory_map_data",
    "api:schema", "api:docs", "api:commune-list", "api:commune-detail",
    "api:structure-list", "api:structure-detail", "api:childminder-list",
    "api:simulator-psu", "api:simulator-cmg", "api:observatory-coverage",
    "api:conventions", "api:convention-plan",
    "web:personal_data", "web:legal_notice", "web:accessibility",
    "api:guichet-applications", "api:guichet-application",
    # organisation key (token) authentication, as the guichet API
    "api:commission-offers", "api:commission-offer-accept", "api:commission-offer-refuse",
    "web:guichet_index", "web:guichet_rules", "web:guichet_signup", "web:guichet_invitation",
    "web:commission_rules",
    "web:commission_public_statistics",
}  # fmt: skip


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(
                pattern.url_patterns,
                namespace + (f"{pattern.namespace}:" if pattern.namespace else ""),
            )
        elif isinstance(pattern, URLPattern):
            yield namespace + (pattern.name or str(pattern.pattern)), pattern.callback


def test_only_reviewed_views_are_public():
    public = {
        name
        for name, view in _walk(get_resolver().url_patterns)
        if getattr(view, "login_required", True) is False and not name.startswith("admin:")
    }
    assert public == PUBLIC


def test_every_view_has_a_name():
    unnamed = [
        name
        for name, _ in _walk(get_resolver().url_patterns)
        if ":" not in name and not name.startswith("admin")
    ]
    assert unnamed == []


def test_conventions_api_refuses_anonymous_callers(client, db):
    assert client.get("/api/v1/conventions/").status_code in (401, 403)


def test_an_unknown_template_variable_fails_the_test():
    import pytest
    from django.template import Context, Template, TemplateSyntaxError

    assert Template("{{ known }}").render(Context({"known": "oui"})) == "oui"
    with pytest.raises(TemplateSyntaxError, match="Variable de gabarit inconnue"):
        Template("{{ unknown }}").render(Context({}))


def test_audit_is_written_by_the_domain_never_by_pages_or_the_api():
    """Views parse, call one domain service and render: `record(` belongs to the domain."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "maillage"
    offenders = [
        f"{path.relative_to(root.parent)}:{number}"
        for folder in ("web", "api")
        for path in sorted((root / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"(?<![\w.])record\(|\.record\(|\brecord_many\(", line)
    ]
    assert offenders == [], offenders


def test_no_thread_is_started_by_the_application():
    """Background work is a task run by the worker, never a thread of the web process."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "maillage"
    offenders = [
        str(path.relative_to(root.parent))
        for path in sorted(root.rglob("*.py"))
        if "threading" in path.read_text(encoding="utf-8")
    ]
    assert offenders == [], offenders


def test_every_model_names_itself_in_french_singular_and_plural():
    """The admin never derives a plural by appending « s » (« objectif partagés »)."""
    from django.apps import apps

    missing = [
        model._meta.label
        for model in apps.get_models()
        if model.__module__.startswith("maillage.")
        and not (
            "verbose_name" in model._meta.original_attrs
            and "verbose_name_plural" in model._meta.original_attrs
        )
    ]
    assert missing == [], f"verbose_name et verbose_name_plural à déclarer : {missing}"
