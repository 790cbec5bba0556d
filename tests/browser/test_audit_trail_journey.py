"""The DPO of the Caf opens the audit trail from "Mon espace", filters it — accessible."""

from playwright.sync_api import expect

from maillage.audit.models import AuditAction
from maillage.audit.services import record


def test_dpo_reads_and_filters_the_audit_trail(
    browser_page, live_url, login, assert_accessible, dora, organisations, password
):
    for i in range(3):
        record(AuditAction.EXPORT, organisation=organisations["06033"], message=f"export {i}")
    record(AuditAction.IMPORT, organisation=organisations["caf"], message="import de la Caf")
    page = browser_page
    page.goto(live_url("/connexion/"))
    login(page, dora.email, password)
    page.get_by_role("link", name="Consulter le journal d'audit").click()
    expect(page.get_by_role("heading", name="Journal d'audit")).to_be_visible()
    expect(page.get_by_text("import de la Caf")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Action").select_option(label="Export")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_text("export 2")).to_be_visible()
    expect(page.get_by_text("import de la Caf")).to_have_count(0)
    assert_accessible(page)
