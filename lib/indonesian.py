"""Indonesian text for search and matching: clean-up, tokens, Sastrawi stems with election words kept intact."""

import re
import unicodedata
from functools import cache, lru_cache

# Roots Sastrawi's dictionary lacks or over-stems ("pemilu" would become "milu"): kept as they are.
DOMAIN_WORDS = frozenset({
    "pemilu", "pilkada", "pilpres", "pileg", "kpu", "kip", "bawaslu", "dkpp", "tps", "dpt", "dptb", "dpk",
    "caleg", "capres", "cawapres", "paslon", "parpol", "ppk", "pps", "kpps", "pantarlih", "coklit", "psu",
    "sirekap", "silon", "sipol", "bakohumas", "humas", "hoaks", "sebarluas", "pemutakhiran",
})
TOKEN = re.compile(r"[0-9a-z]+")
REPEATED_LETTERS = re.compile(r"([a-z])\1{2,}")


@cache
def _stemmer():
    from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
    from Sastrawi.Stemmer.Stemmer import Stemmer
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    words = StemmerFactory().get_words_from_file()
    return Stemmer(ArrayDictionary([*words, *DOMAIN_WORDS]))


def normalize(text: str) -> str:
    """Lower case, accents folded, repeated letters squeezed ("hoaksss" → "hoaks")."""
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return REPEATED_LETTERS.sub(r"\1", folded)


def tokens(text: str) -> list[str]:
    return TOKEN.findall(normalize(text))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    if word in DOMAIN_WORDS or len(word) <= 3 or word.isdigit():
        return word
    return _stemmer().stem(word) or word


def stemmed(text: str) -> list[str]:
    return [stem(t) for t in tokens(text)]
