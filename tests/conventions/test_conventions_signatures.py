"""Each signing party of a convention has a signature block, in the PDF and the DOCX."""

import io

import pytest
from docx import Document

from maillage.conventions import documents
from maillage.conventions.enums import PartyRole
from tests.conventions.test_conventions_documents import docx_headings, pdf_text


@pytest.mark.django_db
def test_every_signing_party_has_a_signature_block(convention):
    associated = convention.parties.last()
    associated.role = PartyRole.ASSOCIATED
    associated.save()
    signing = [p.organisation.name for p in convention.parties.exclude(pk=associated.pk)]
    text = pdf_text(documents.convention_pdf(convention))
    assert "Signatures" in text
    for name in signing:
        assert f"Pour {name}" in text
    assert f"Pour {associated.organisation.name}" not in text
    assert text.count("Signature et cachet") == len(signing)
    content = documents.convention_docx(convention)
    assert "Signatures" in docx_headings(content)
    paragraphs = [p.text for p in Document(io.BytesIO(content)).paragraphs]
    assert [p for p in paragraphs if p.startswith("Pour ")] == [f"Pour {n}" for n in signing]
