"""Normalisation of identifiers and titles in ``zotmark.core.identifiers`` (DESIGN §2)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from tests.conftest import FIXTURES

from zotmark.core.identifiers import (
    arxiv_id,
    doi,
    identify,
    normalize_title,
    normalize_url,
    openreview_id,
)
from zotmark.core.model import Ident

# --- arXiv ids ---------------------------------------------------------------------------------

# Every link target of tests/fixtures/original-reading-list.md and the arXiv id it names.
ORIGINAL_LIST_URLS = {
    "https://ar5iv.labs.arxiv.org/html/2206.06488": "2206.06488",
    "https://ar5iv.labs.arxiv.org/html/1704.08292": "1704.08292",
    "https://ar5iv.labs.arxiv.org/html/2104.00437": "2104.00437",
    "https://ar5iv.labs.arxiv.org/html/1908.03744": "1908.03744",
    "https://ar5iv.labs.arxiv.org/html/1612.08727": "1612.08727",
    "https://deepmind.com/research/publications/wavenet-generative-model-raw-audio": None,
    "https://ar5iv.labs.arxiv.org/html/1704.01279": "1704.01279",
    "https://ar5iv.labs.arxiv.org/html/2103.04037": "2103.04037",
    "https://ar5iv.labs.arxiv.org/html/2203.11977": "2203.11977",
    "https://ar5iv.labs.arxiv.org/html/1705.06455": "1705.06455",
    "https://ar5iv.labs.arxiv.org/html/2004.09476": "2004.09476",
    "https://ar5iv.labs.arxiv.org/html/1906.00435": "1906.00435",
    "https://paperswithcode.com/dataset/mir-st500": None,
    "https://arxiv.org/abs/2105.07581": "2105.07581",
}


def test_the_url_table_covers_every_link_of_the_original_list() -> None:
    text = (FIXTURES / "original-reading-list.md").read_text()
    urls = set(re.findall(r"[(\[](https?://[^)\]\s]+)[)\]]", text))
    assert urls == set(ORIGINAL_LIST_URLS)


@pytest.mark.parametrize(("url", "expected"), ORIGINAL_LIST_URLS.items())
def test_arxiv_id_of_each_original_list_url(url: str, expected: str | None) -> None:
    assert arxiv_id(url) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://arxiv.org/abs/2104.00437", "2104.00437"),
        ("http://arxiv.org/abs/2104.00437v2", "2104.00437"),
        ("https://arxiv.org/abs/2104.00437v12", "2104.00437"),
        ("https://www.arxiv.org/abs/2104.00437", "2104.00437"),
        ("https://arxiv.org/pdf/2104.00437", "2104.00437"),
        ("https://arxiv.org/pdf/2104.00437.pdf", "2104.00437"),
        ("https://arxiv.org/pdf/2104.00437v3.pdf", "2104.00437"),
        ("http://arxiv.org/pdf/1506.05869.pdf", "1506.05869"),
        ("https://arxiv.org/html/2402.01234v1", "2402.01234"),
        ("https://arxiv.org/pdf/2104.00437.pdf?utm_source=x&utm_medium=refer", "2104.00437"),
        ("http://arxiv.org/pdf/1412.6980.pdf&embed", "1412.6980"),
        ("https://arxiv.org/abs/1412.6980", "1412.6980"),
        ("https://export.arxiv.org/abs/2104.00437", "2104.00437"),
        ("https://ar5iv.org/abs/2104.00437", "2104.00437"),
        ("https://ar5iv.org/html/2104.00437v1", "2104.00437"),
        ("https://ar5iv.labs.arxiv.org/html/2206.06488", "2206.06488"),
        ("arxiv.org/abs/2104.00437", "2104.00437"),
        ("arXiv:2104.00437v2", "2104.00437"),
        ("arxiv:2104.00437", "2104.00437"),
        ("arXiv: 2104.00437", "2104.00437"),
        ('"Title." arXiv preprint arXiv:1506.07285(2015) [[pdf]]', "1506.07285"),
        ("See arXiv:1508.06615, NIPS 2015", "1508.06615"),
        ("2104.00437", "2104.00437"),
        (" 2104.00437v2 ", "2104.00437"),
        ("https://arxiv.org/abs/2104.00437],", "2104.00437"),
        (
            "https://www.google.com/url?url=https%3A%2F%2Farxiv.org%2Fabs%2F1311.2901&usg=A",
            "1311.2901",
        ),
        ("10.48550/arXiv.2104.00437", "2104.00437"),
        ("https://doi.org/10.48550/arXiv.2104.00437", "2104.00437"),
        ("https://doi.org/10.48550/ARXIV.2104.00437", "2104.00437"),
    ],
)
def test_arxiv_id_of_new_style_forms(text: str, expected: str) -> None:
    assert arxiv_id(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hep-th/9901001", "hep-th/9901001"),
        ("astro-ph/0601001v1", "astro-ph/0601001"),
        ("math.GT/0309136", "math/0309136"),
        ("math-ph/0101001", "math-ph/0101001"),
        ("cond-mat/0102536v2", "cond-mat/0102536"),
        ("https://arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("https://arxiv.org/abs/hep-th/9901001v3", "hep-th/9901001"),
        ("https://arxiv.org/pdf/astro-ph/0601001v1.pdf", "astro-ph/0601001"),
        ("https://arxiv.org/abs/math.GT/0309136", "math/0309136"),
        ("https://export.arxiv.org/abs/quant-ph/0201082", "quant-ph/0201082"),
        ("arXiv:hep-th/9901001", "hep-th/9901001"),
        ("https://doi.org/10.48550/arXiv.hep-th/9901001", "hep-th/9901001"),
    ],
)
def test_arxiv_id_of_old_style_forms(text: str, expected: str) -> None:
    assert arxiv_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "https://deepmind.com/research/publications/wavenet-generative-model-raw-audio",
        "https://paperswithcode.com/dataset/mir-st500",
        "https://paperswithcode.com/paper/2104.00437",
        "https://example.com/papers/2104.00437.pdf",
        "https://example.com/abs/2104.00437",
        "https://notarxiv.org/abs/2104.00437",
        "https://img.shields.io/badge/arXiv-2104.00437-b31b1b.svg",
        "1234.5678",
        "2021",
        "Published 2104.00437 times",
        "arXiv:2113.00437",
        "arXiv:2104.0043",
        "arXiv:2104.004371",
        "arXiv:1412.69801",
        "https://arxiv.org/abs/0612.1234",
        "https://example.com/hep-th/9901001",
        "https://arxiv.org/help/bulk_data_s3",
        "https://openreview.net/forum?id=SkgxcnNYDS",
        "",
    ],
)
def test_arxiv_id_is_none_without_an_arxiv_id(text: str) -> None:
    assert arxiv_id(text) is None


def test_arxiv_id_takes_the_first_id_in_the_text() -> None:
    text = "arXiv:1706.03762 and later https://arxiv.org/abs/1810.04805"
    assert arxiv_id(text) == "1706.03762"


def test_arxiv_id_finds_the_id_of_every_arxiv_link_of_the_corpus() -> None:
    link = re.compile(r"https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})[^\s)\]]*")
    found = [
        (match.group(), match.group(1))
        for path in sorted((FIXTURES / "markdown").glob("*.md"))
        for match in link.finditer(path.read_text(encoding="utf-8"))
    ]
    assert len(found) > 1000
    assert [url for url, expected in found if arxiv_id(url) != expected] == []


def _new_style_id(year: int, month: int, number: int) -> str:
    yymm = f"{year:02d}{month:02d}"
    return f"{yymm}.{number:04d}" if yymm < "1501" else f"{yymm}.{number:05d}"


new_style_ids = st.builds(
    _new_style_id,
    st.integers(8, 40),
    st.integers(1, 12),
    st.integers(1, 9999),
)


@given(new_style_ids, st.integers(1, 40))
def test_arxiv_id_of_a_versioned_abs_url_is_the_id(identifier: str, version: int) -> None:
    assert arxiv_id(f"https://arxiv.org/abs/{identifier}v{version}") == identifier


@given(new_style_ids)
def test_arxiv_id_of_the_arxiv_doi_is_the_id(identifier: str) -> None:
    assert arxiv_id(f"https://doi.org/10.48550/arXiv.{identifier}") == identifier


# --- DOIs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://doi.org/10.1016/j.neucom.2021.03.091", "10.1016/j.neucom.2021.03.091"),
        ("http://doi.org/10.26464/epp2020001", "10.26464/epp2020001"),
        ("https://dx.doi.org/10.1109/TIP.2019.2913544", "10.1109/tip.2019.2913544"),
        ("https://doi.org/10.1038/s41586-021-03819-2#", "10.1038/s41586-021-03819-2"),
        ("https://doi.org/10.1093/gji/ggs010", "10.1093/gji/ggs010"),
        ("https://doi.org/10.1000%2Fabc", "10.1000/abc"),
        ("https://doi.org/10.1000/a%20b", "10.1000/a b"),
        ("doi:10.1190/1.1440881", "10.1190/1.1440881"),
        ("DOI: 10.1190/1.1440881", "10.1190/1.1440881"),
        ("Res. Lett., 41, 8809–8817, doi:10.1002/2014GL061855.", "10.1002/2014gl061855"),
        ("363–376. doi:10.1016/0021-9991(86)90199-3", "10.1016/0021-9991(86)90199-3"),
        ("see (doi:10.1145/3292500.3330701).", "10.1145/3292500.3330701"),
        ("[paper](https://doi.org/10.1145/3292500.3330701)", "10.1145/3292500.3330701"),
        ("doi = {10.1145/3292500.3330701},", "10.1145/3292500.3330701"),
        ("10.1145/3292500.3330701", "10.1145/3292500.3330701"),
        ("https://dl.acm.org/doi/10.1145/3292500.3330701", "10.1145/3292500.3330701"),
        ("https://dl.acm.org/doi/abs/10.1145/3292500.3330701", "10.1145/3292500.3330701"),
        (
            "https://link.springer.com/article/10.1007/s11263-015-0816-y",
            "10.1007/s11263-015-0816-y",
        ),
        ("https://doi.org/10.48550/arXiv.2104.00437", "10.48550/arxiv.2104.00437"),
    ],
)
def test_doi_of_each_form(text: str, expected: str) -> None:
    assert doi(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "https://arxiv.org/abs/2104.00437",
        "https://example.com/files/10.1145/3292500",
        "version10.1145/3292500",
        "10.1/x",
        "doi:10.1145/",
        "",
    ],
)
def test_doi_is_none_without_a_doi(text: str) -> None:
    assert doi(text) is None


# --- OpenReview ids -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://openreview.net/forum?id=SkgxcnNYDS", "SkgxcnNYDS"),
        ("https://openreview.net/pdf?id=B1e-f-C-", "B1e-f-C-"),
        ("https://openreview.net/forum?id=_nGgzQjzaRy", "_nGgzQjzaRy"),
        ("https://openreview.net/forum?id=URjNTQTAXM&referrer=%5Bthe%20profile", "URjNTQTAXM"),
        ("https://openreview.net/forum?noteId=abc&id=XYZ123", "XYZ123"),
        ("https://openreview.net/attachment?id=VLrtaSXOWP&name=pdf", "VLrtaSXOWP"),
        ("openreview.net/forum?id=SkgxcnNYDS", "SkgxcnNYDS"),
    ],
)
def test_openreview_id_of_each_form(url: str, expected: str) -> None:
    assert openreview_id(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://openreview.net/group?id=ICLR.cc/2024/Conference",
        "https://openreview.net/pdf/0a3b8c1d2e.pdf",
        "https://example.com/forum?id=SkgxcnNYDS",
        "https://arxiv.org/abs/2104.00437",
    ],
)
def test_openreview_id_is_none_for_other_urls(url: str) -> None:
    assert openreview_id(url) is None


# --- URLs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.COM/Path", "https://example.com/Path"),
        ("http://example.com/a", "https://example.com/a"),
        ("https://www.example.com/a", "https://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "https://example.com/a"),
        ("https://example.com:8080/a", "https://example.com:8080/a"),
        ("https://example.com/a/", "https://example.com/a"),
        ("https://example.com/", "https://example.com"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        ("https://example.com/a?utm_source=x&utm_medium=y", "https://example.com/a"),
        ("https://example.com/a?b=2&utm_campaign=z&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a?fbclid=abc&id=7", "https://example.com/a?id=7"),
        ("https://example.com/a%2fb", "https://example.com/a%2Fb"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://example.com/a/ /", "https://example.com/a"),
        ("https://user@Example.com/a", "https://user@example.com/a"),
        ("ftp://Files.Example.com/x/", "ftp://files.example.com/x"),
        ("mailto:someone@example.com", "mailto:someone@example.com"),
        ("assets/figure.png", "assets/figure.png"),
    ],
)
def test_normalize_url_of_each_form(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


def test_normalize_url_makes_variants_of_one_page_equal() -> None:
    variants = [
        "http://www.deepmind.com/research/publications/wavenet/",
        "https://deepmind.com/research/publications/wavenet#abstract",
        "HTTPS://DeepMind.com:443/research/publications/wavenet?utm_source=twitter",
    ]
    assert len({normalize_url(url) for url in variants}) == 1


def test_normalize_url_does_not_raise_on_a_malformed_url() -> None:
    assert normalize_url("http://[::1") == "http://[::1"


urls = st.builds(
    "{}://{}{}{}{}{}{}{}".format,
    st.sampled_from(["http", "https", "HTTP", "ftp"]),
    st.sampled_from(["", "www.", "WWW."]),
    st.from_regex(r"[A-Za-z0-9-]{1,12}(\.[A-Za-z]{2,5}){1,2}", fullmatch=True),
    st.sampled_from(["", ":80", ":443", ":8080"]),
    st.lists(st.from_regex(r"[A-Za-z0-9._~% -]{0,8}", fullmatch=True), max_size=4).map(
        lambda parts: "".join("/" + part for part in parts)
    ),
    st.sampled_from(["", "/", "//", " /", "/ /"]),
    st.lists(st.from_regex(r"(utm_)?[a-z]{1,4}=[A-Za-z0-9% ]{0,4}", fullmatch=True)).map(
        lambda params: "?" + "&".join(params) if params else ""
    ),
    st.sampled_from(["", "#", "#top"]),
)


@given(urls)
def test_normalize_url_is_idempotent_on_urls(url: str) -> None:
    once = normalize_url(url)
    assert normalize_url(once) == once


@given(st.text())
def test_normalize_url_is_idempotent_on_any_text(text: str) -> None:
    once = normalize_url(text)
    assert normalize_url(once) == once


def by_urllib(url: str) -> str:
    """What normalize_url means, spelt with urllib's urlsplit and urlunsplit (which it once
    called; it now cuts a URL with one regex, as urlsplit does)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    if not parts.scheme or not parts.netloc:
        return url.strip()
    scheme = "https" if parts.scheme == "http" else parts.scheme
    userinfo, at, hostport = parts.netloc.rpartition("@")
    hostport = hostport.strip().lower()
    host, colon, port = hostport.rpartition(":")
    if colon and port in ({"http": "80", "https": "443"}.get(parts.scheme), "443"):
        hostport = host
    netloc = f"{userinfo}{at}{hostport.removeprefix('www.')}"
    path = re.sub(r"%[0-9a-fA-F]{2}", lambda m: m.group().upper(), parts.path).rstrip("/ \t")
    params = [p.strip() for p in parts.query.split("&")]
    tracking = re.compile(r"(?:utm_[^=&]*|fbclid|gclid)(?:=|$)", re.IGNORECASE)
    params = [p for p in params if p and not tracking.match(p)]
    return urlunsplit((scheme, netloc, path, "&".join(sorted(params)), ""))


def pieces(*choices: str, most: int) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(choices) | st.text(max_size=2), max_size=most).map("".join)


# URLs with what urlsplit treats specially: leading controls, tabs and line breaks anywhere,
# schemes and separators of every kind, IPv6 brackets, hosts NFKC turns into delimiters.
tricky_urls = st.builds(
    "{}{}{}{}{}".format,
    st.sampled_from(["", "\x00", "\x0b", "\x1c", "\t", "\xa0", " "]),
    st.sampled_from(["http", "HTTPS", "ftp", "git+ssh", "http", "1x", "a.b", "é", ""]),
    st.sampled_from(["://", "://", "://", "\t://", ":", ":/", "//"]),
    pieces(
        "www.", "Example.COM", "[", "]", "[::1]", "[v1.x]", "[1.2.3.4]", "@", ":80", ":443",
        "é", "\u2100", "\uff03", "\t", "\n", "a", most=4,
    ),
    pieces("/", "?", "#", "&", "=", "%2f", "%zz", "utm_x=1", "fbclid", "a=1", " ", "\r", most=8),
)  # fmt: skip


@given(st.one_of(urls, tricky_urls))
@example("\x00\x0bhttp://Example.com/a/")  # urlsplit strips leading controls
@example("ht\ttp://a/b\nc")  # and removes tabs and line breaks anywhere
@example("http://[::1/a")  # an unbalanced bracket: returned stripped
@example("http://[v1.x]:443/a")  # a bracketed host urlsplit accepts
@example("http://a\uff03b/c")  # a host NFKC turns into a delimiter: urlsplit refuses it
@example("git://www./x")  # a netloc normalised away
@example("svn://:443//x?b=1&a=2#f")
@example("1x://a")  # no scheme
def test_normalize_url_cuts_and_joins_a_url_as_urllib_does(url: str) -> None:
    assert normalize_url(url) == by_urllib(url)


def test_a_canonical_url_is_its_own_normal_form_not_a_copy() -> None:
    url = "https://arxiv.org/abs/2105.07581"
    assert normalize_url(url) is url


# --- titles -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Vision Transformers: A Survey", "vision transformers a survey"),
        ("  VISION   transformers:\ta survey ", "vision transformers a survey"),
        ("$\\eta$-VAE", "etavae"),
        ("η-VAE", "etavae"),
        ("\\textbf{BERT}: Pre-training", "bert pretraining"),
        ("{B}ERT and {GPT}", "bert and gpt"),
        ("CO<sub>2</sub> capture", "co2 capture"),
        ("E = mc<sup>2</sup>", "e mc2"),
        ("<i>Attention</i> Is All You Need", "attention is all you need"),
        ("Line<br>break", "line break"),
        ("Tom &amp; Jerry", "tom jerry"),
        ("Schr\\\"{o}dinger's Cat", "schrödingers cat"),
        ("Schrödinger’s Cat", "schrödingers cat"),
        ("Ｆｕｌｌｗｉｄｔｈ", "fullwidth"),
        ("Multimodal Learning with ...", "multimodal learning with"),
        ("Multimodal Learning with …", "multimodal learning with"),
        ("Multimodal Learning with \\ldots", "multimodal learning with"),
        ("\\textquotedblleft Quoted\\textquotedblright", "quoted"),
        ("“Quoted” title!", "quoted title"),
        ("Straße", "strasse"),
        ("Transformers:A/B tests", "transformers a b tests"),
        ("", ""),
    ],
)
def test_normalize_title_of_each_form(title: str, expected: str) -> None:
    assert normalize_title(title) == expected


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Vision Transfomers are Robust Learners", "vision transfomers are robust learners."),
        ("WaveNet: A Generative Model for Raw Audio", "Wavenet - a generative model for raw audio"),
        ("Multi-modal Learning", "Multimodal learning"),
        ("$\\alpha$-Net: {T}he \\emph{best}", "α-Net: The best"),
        ("H<sub>2</sub>O", "H2O"),
        ("Deep Cross-Modal Audio-Visual Generation", "DEEP CROSS-MODAL AUDIO-VISUAL GENERATION"),
    ],
)
def test_normalize_title_makes_variants_equal(left: str, right: str) -> None:
    assert normalize_title(left) == normalize_title(right)


def test_normalize_title_keeps_different_titles_apart() -> None:
    assert normalize_title("Audio Visual Learning") != normalize_title("Visual Audio Learning")


markup_text = st.text(alphabet=st.sampled_from(list("ab Η$\\{}<>/&;#'-_.…^\"vHto1\u0301\t")))


@given(st.text())
def test_normalize_title_is_idempotent(title: str) -> None:
    once = normalize_title(title)
    assert normalize_title(once) == once


@given(markup_text)
def test_normalize_title_is_idempotent_on_markup(title: str) -> None:
    once = normalize_title(title)
    assert normalize_title(once) == once


# --- identify -----------------------------------------------------------------------------------


def test_identify_an_ar5iv_entry() -> None:
    ident = identify(
        "Multimodal Learning with Transformers: A Survey",
        "https://ar5iv.labs.arxiv.org/html/2206.06488",
    )
    assert ident == Ident(
        arxiv="2206.06488",
        url="https://ar5iv.labs.arxiv.org/html/2206.06488",
        title="multimodal learning with transformers a survey",
    )


def test_identify_a_plain_url_entry_keys_on_the_normalised_url() -> None:
    ident = identify("MIR-ST500: A Dataset", "http://www.paperswithcode.com/dataset/mir-st500/")
    assert ident.arxiv is None
    assert ident.primary == "url:https://paperswithcode.com/dataset/mir-st500"


def test_identify_without_url_keys_on_the_title() -> None:
    ident = identify("VideoBERT", None)
    assert ident == Ident(title="videobert")
    assert ident.primary == "title:videobert"


def test_identify_maps_an_arxiv_doi_to_arxiv() -> None:
    ident = identify("T", "https://doi.org/10.48550/arXiv.2104.00437")
    assert (ident.arxiv, ident.doi) == ("2104.00437", None)


def test_identify_maps_an_arxiv_doi_in_the_text_to_arxiv() -> None:
    ident = identify("T", None, "doi:10.48550/arXiv.2104.00437")
    assert (ident.arxiv, ident.doi) == ("2104.00437", None)


def test_identify_keeps_a_publisher_doi_next_to_an_arxiv_doi() -> None:
    ident = identify(
        "T", "https://doi.org/10.48550/arXiv.2104.00437", "doi:10.1145/3292500.3330701"
    )
    assert (ident.arxiv, ident.doi) == ("2104.00437", "10.1145/3292500.3330701")


def test_identify_keeps_a_publisher_doi() -> None:
    ident = identify("T", "https://doi.org/10.1145/3292500.3330701")
    assert (ident.arxiv, ident.doi) == (None, "10.1145/3292500.3330701")


def test_identify_counts_an_arxiv_mention_in_the_text() -> None:
    ident = identify(
        "Neural Machine Translation", "https://github.com/x/nmt", "arXiv preprint arXiv:1409.0473"
    )
    assert ident.arxiv == "1409.0473"
    assert ident.url == "https://github.com/x/nmt"


def test_identify_prefers_the_url_over_the_text() -> None:
    ident = identify("T", "https://arxiv.org/abs/1706.03762", "arXiv:1810.04805")
    assert ident.arxiv == "1706.03762"


def test_identify_finds_an_openreview_id() -> None:
    ident = identify("T", "https://openreview.net/forum?id=SkgxcnNYDS")
    assert ident.openreview == "SkgxcnNYDS"
    assert ident.primary == "openreview:SkgxcnNYDS"


def test_identify_ignores_numbers_in_a_non_arxiv_url() -> None:
    ident = identify("T", "https://example.com/2104.00437", "Published 2021, pages 1234.5678")
    assert ident.arxiv is None
