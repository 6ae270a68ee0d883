"""Error pages say what happened and what to do, each once."""

from __future__ import annotations

import html as markup
import re

from flask.testing import FlaskClient

from portal.models import Role


def paragraphs(page: str) -> list[str]:
    """The text of the main content's paragraphs, tags removed."""
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    return [
        markup.unescape(re.sub(r"<[^>]+>", "", p)).strip()
        for p in re.findall(r"<p[^>]*>(.*?)</p>", main)
    ]


def test_the_403_page_says_whom_to_ask_once(client: FlaskClient, login_as) -> None:
    login_as(Role.MEMBER)
    response = client.get("/meetings/new")
    assert response.status_code == 403
    said = paragraphs(response.get_data(as_text=True))
    assert said == [
        "Ask your agency's administrator if you think you should.",
        "Go to the home page",
    ]


def test_the_404_page_gives_its_advice_once(client: FlaskClient, login_as) -> None:
    login_as(Role.MEMBER)
    response = client.get("/no-such-page")
    assert response.status_code == 404
    text = " ".join(paragraphs(response.get_data(as_text=True)))
    assert text.count("check it is correct") == 1
    assert text.count("entire address") == 1
