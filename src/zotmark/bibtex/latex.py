"""LaTeX text in BibTeX fields: escaping Unicode text for export, decoding it on import.

Pure. :func:`escape` makes any text safe inside a braced BibTeX value (special characters
escaped, braces kept balanced, Unicode kept as UTF-8); :func:`decode` turns field text back into
plain Unicode (accents, special letters, escaped characters, Greek letters, formatting commands
removed, braces dropped). For every text ``t``, ``decode(escape(t))`` is ``t`` with its
whitespace collapsed.
"""

from __future__ import annotations

import re
import unicodedata

_ESCAPES = {
    "\\": r"\textbackslash{}", "%": r"\%", "&": r"\&", "$": r"\$", "#": r"\#", "_": r"\_",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}  # fmt: skip
_BRACE_WORDS = {"{": r"\textbraceleft{}", "}": r"\textbraceright{}"}
# Ligatures LaTeX would form (-- ---, `` ''), broken with an empty group so that they survive.
_LIGATURE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPECIAL = re.compile(r"[\\{}%&$#_~^\x00-\x08\x0b-\x1f\x7f]|--|``|''")

_ACCENT_SYMBOLS = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    ".": "\u0307",
}  # fmt: skip
_ACCENT_WORDS = {
    "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328", "r": "\u030a",
    "d": "\u0323", "b": "\u0331", "t": "\u0361",
}  # fmt: skip
_SPACING_ACCENT = {"\u0302": "^", "\u0303": "~"}
_SYMBOLS = {"\\": " ", " ": " ", "\n": " ", "-": "", ",": " ", ";": " ", "/": "", "@": ""}
_WORDS = {
    "textbraceleft": "{", "textbraceright": "}", "textbackslash": "\\", "textasciitilde": "~",
    "textasciicircum": "^", "textunderscore": "_", "textdollar": "$", "textbar": "|",
    "textless": "<", "textgreater": ">", "ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ",
    "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ",
    "dh": "ð", "DH": "Ð", "th": "þ", "TH": "Þ", "ng": "ŋ", "NG": "Ŋ", "dj": "đ", "DJ": "Đ",
    "ldots": "…", "dots": "…", "textellipsis": "…", "textendash": "–", "textemdash": "—",
    "textquoteleft": "‘", "textquoteright": "’", "textquotedblleft": "“",
    "textquotedblright": "”", "guillemotleft": "«", "guillemotright": "»", "S": "§", "P": "¶",
    "dag": "†", "ddag": "‡", "copyright": "©", "textcopyright": "©", "textregistered": "®",
    "texttrademark": "™", "pounds": "£", "textsterling": "£", "euro": "€", "texteuro": "€",
    "textdegree": "°", "times": "×", "pm": "±", "cdot": "·", "infty": "∞", "to": "→",
    "rightarrow": "→", "leftarrow": "←", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥",
    "neq": "≠", "approx": "≈", "sim": "∼", "textbullet": "•", "nobreakspace": " ",
    "quad": " ", "qquad": " ", "varepsilon": "ε", "vartheta": "ϑ", "varphi": "φ", "varpi": "ϖ",
    "varrho": "ϱ", "varsigma": "ς", "partial": "∂", "nabla": "∇", "hbar": "ℏ", "ell": "ℓ",
}  # fmt: skip
# Formatting commands: the command goes, its argument stays.
_DROPPED_TEXT = (
    "text textbf textit textrm textsf texttt textsc textup textmd textnormal textsl emph "
    "underline mathrm mathbf mathit mathsf mathtt mathcal mathbb mathfrak mathscr mathnormal "
    "boldsymbol bm operatorname mbox hbox textsuperscript textsubscript ensuremath left right "
    "displaystyle protect relax bf it em rm sf tt sc sl small footnotesize large Large LARGE "
    "normalsize xspace nocase NoCaseChange url path"
)
_DROPPED = frozenset(_DROPPED_TEXT.split())
_TOKEN = re.compile(r"\\(?P<word>[A-Za-z]+)\s*|\\(?P<symbol>.)|---|--|``|''|[^\\${}~`'-]+|.", re.S)
_PLAIN_TOKENS = {"~": " ", "---": "—", "--": "–", "``": "“", "''": "”", "$": "", "{": ""}


def escape(text: str) -> str:
    """``text`` safe inside a braced BibTeX value: ``\\ % & $ # _ ~ ^`` escaped, braces as
    ``\\{ \\}`` when they pair up and as ``\\textbraceleft{}``/``\\textbraceright{}``
    otherwise, LaTeX ligatures broken, control characters turned into spaces."""
    if not _SPECIAL.search(text):
        return text
    text = _CONTROL.sub(" ", text)
    paired = _braces_pair(text)
    out = []
    for char in text:
        if char in "{}":
            out.append("\\" + char if paired else _BRACE_WORDS[char])
        else:
            out.append(_ESCAPES.get(char, char))
    return _LIGATURE.sub("{}", "".join(out))


def protect_case(text: str) -> str:
    """``text`` escaped, with every word that has a capital after its first letter (acronyms,
    CamelCase: ``BERT``, ``ViLBERT``, ``GPT-3``) wrapped in braces so that styles which
    sentence-case titles keep it; other words may be lower-cased by the style."""
    words = re.split(r"(\s+)", _CONTROL.sub(" ", text))
    paired = _braces_pair(text)
    out = []
    for word in words:
        escaped = _escape_word(word, paired)
        letters = [c for c in word if c.isalpha()]
        needs = any(c.isupper() for c in letters[1:])
        out.append(f"{{{escaped}}}" if needs else escaped)
    return _LIGATURE.sub("{}", "".join(out))


def _escape_word(word: str, paired: bool) -> str:
    """One word escaped as :func:`escape` does, brace style decided for the whole text."""
    return "".join(
        ("\\" + c if paired else _BRACE_WORDS[c]) if c in "{}" else _ESCAPES.get(c, c) for c in word
    )


def _braces_pair(text: str) -> bool:
    """Whether the braces of ``text`` nest properly (``\\{``/``\\}`` then stay balanced)."""
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def decode(text: str, *, collapse: bool = True) -> str:
    """Plain Unicode for the LaTeX of a BibTeX field (see the module docstring).

    Unknown commands keep their name (``\\LaTeX`` gives ``LaTeX``); math delimiters and
    braces are dropped. With ``collapse`` every run of whitespace becomes one space;
    otherwise blank lines (paragraphs) are kept.
    """
    out: list[str] = []
    accent: str | None = None
    for match in _TOKEN.finditer(text):
        token = match.group()
        if match.group("word") is not None or match.group("symbol") is not None:
            piece, new_accent = _command(match.group("word"), match.group("symbol"))
            if new_accent is not None:
                accent = new_accent
                continue
        elif token == "}":
            piece = _SPACING_ACCENT.get(accent or "", "")
            accent = None
        elif token == "{" and accent is not None:
            continue
        else:
            piece = _PLAIN_TOKENS.get(token, token)
        if accent is not None and piece.strip():
            piece, accent = _accented(piece, accent), None
        out.append(piece)
    return _whitespace("".join(out), collapse)


def _command(word: str | None, symbol: str | None) -> tuple[str, str | None]:
    """What a control word or symbol produces: ``(text, None)`` or ``("", combining mark)``."""
    if word is not None:
        if word in _ACCENT_WORDS:
            return "", _ACCENT_WORDS[word]
        if word in _WORDS:
            return _WORDS[word], None
        return ("" if word in _DROPPED else _greek(word) or word), None
    assert symbol is not None
    if symbol in _ACCENT_SYMBOLS:
        return "", _ACCENT_SYMBOLS[symbol]
    return _SYMBOLS.get(symbol, symbol), None


def _greek(word: str) -> str | None:
    """The Greek letter a command like ``\\alpha`` or ``\\Omega`` names, else ``None``."""
    case = "CAPITAL" if word[0].isupper() else "SMALL"
    try:
        return unicodedata.lookup(f"GREEK {case} LETTER {word.upper()}")
    except KeyError:
        return None


def _accented(piece: str, mark: str) -> str:
    """``piece`` with combining ``mark`` on its first character (dotless i/j made dotted)."""
    base = {"ı": "i", "ȷ": "j"}.get(piece[0], piece[0])
    return unicodedata.normalize("NFC", base + mark) + piece[1:]


def _whitespace(text: str, collapse: bool) -> str:
    """``text`` with whitespace collapsed (or, keeping paragraphs, collapsed per paragraph)."""
    if collapse:
        return " ".join(text.split())
    paragraphs = re.split(r"\n\s*\n", text)
    return "\n\n".join(p for p in (" ".join(par.split()) for par in paragraphs) if p)
