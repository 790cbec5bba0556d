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
