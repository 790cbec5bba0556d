"""The competences grid of the convention PDF fits its page (landscape), Saint-Jeannet included."""

import pypdfium2
import pytest

from maillage.conventions import documents
from tests.conventions import conftest as conventions_fixtures

demo_organisations = conventions_fixtures.demo_organisations
demo_convention = conventions_fixtures.demo_convention


@pytest.mark.django_db
def test_the_competences_grid_fits_a_landscape_page(demo_convention):
    pdf = pypdfium2.PdfDocument(documents.convention_pdf(demo_convention))
    try:
        # The grid's header row is repeated on each of its pages.
        pages = [
            page
            for page in pdf
            if "Thème Compétence Carros" in " ".join(page.get_textpage().get_text_range().split())
        ]
        assert pages, "la grille des compétences est absente"
        for page in pages:
            width, height = page.get_size()
            assert width > height  # landscape
            text = page.get_textpage()
            found = text.search("Saint-Jeannet").get_next()
            assert found is not None, "la colonne Saint-Jeannet est absente"
            start, count = found
            right = max(text.get_charbox(i)[2] for i in range(start, start + count))
            assert right <= width - 20  # within the margin, not cut at the page edge
            # Rendered: the rightmost 15 points of the page (the margin) stay blank.
            image = page.render(scale=1).to_pil().convert("L")
            margin = image.crop((image.size[0] - 15, 0, image.size[0], image.size[1]))
            assert margin.getextrema()[0] > 200
    finally:
        pdf.close()


HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def _blocks(box, found: list) -> None:
    """The innermost blocks of `box` in document order (those holding lines of text)."""
    children = list(getattr(box, "children", None) or [])
    if children and all(type(child).__name__ == "LineBox" for child in children):
        found.append(box)
        return
    for child in children:
        if type(child).__name__ != "LineBox":
            _blocks(child, found)


@pytest.mark.django_db
def test_no_page_of_the_convention_pdf_ends_with_a_heading(demo_convention):
    """The plan annex used to leave a page with only « Annexe — Plan d'actions », the axis and
    the perspective headings (the first fiche, longer than what was left, went to the next
    page). Each page of the demo convention is laid out by WeasyPrint and its last block of text
    must not be a heading."""
    from weasyprint import HTML

    document = HTML(string=documents.convention_html(demo_convention)).render()
    assert len(document.pages) > 10
    orphans = []
    for number, page in enumerate(document.pages, start=1):
        found: list = []
        # The page box holds the root element's box, then the margin boxes (page numbers).
        _blocks(page._page_box.children[0], found)
        tags = [box.element_tag for box in found]
        assert tags, f"la page {number} est vide"
        if tags[-1] in HEADINGS:
            orphans.append((number, tags[-3:]))
    assert not orphans, f"pages terminées par un titre : {orphans}"
