"""Page-furniture phrases per language, for the clean stage.

A rule keyed on words ("Read more", "Updated", "Photo:", "By ...") only fires on a page written in those words'
language (`rules_for(language)`, the language py3langid reads in the body): a German article may well hold a
line that reads like English chrome, and a line of German chrome says nothing on an English page. Rules keyed on
form only (numeric dates, agency credits, tweet residue) fire everywhere; a language without a table here gets
only those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

__all__ = ["LanguageRules", "rules_for"]

_NEVER = re.compile(r"(?!)")
_NUMERIC_DATE = r"\d{1,4}[./-]\d{1,2}[./-]\d{2,4}"
_CLOCK = r"\d{1,2}\s*[:.h]\s*\d{2}"  # 10:42, 10.42, 10h42
# A person's name, capitalised whatever the flags around it (a lower-case phrase after "by" is prose, not a byline).
_NAME = r"(?-i:[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|van|von|de|der|del|da|di|la|le|bin|al)){1,4})"


@dataclass(frozen=True)
class _Words:
    """One language's phrases, as regular-expression alternatives (matched case-insensitively)."""

    promo: str  # the heading of a teaser or link list ("Read also")
    prompt: str  # a whole line of page UI ("Share", "Advertisement")
    call_to_action: str  # the opening of a subscription or follow line
    byline: str  # the words before an author's name
    date_label: str  # the words before a date line's date
    date: str  # a date written out with month names
    clock_suffix: str  # after a time of day ("Uhr", "a.m.")
    reading_time: str
    image_credit: str  # the label of a picture credit
    more_link: str  # a lone "more" after a teaser's last sentence


_EN_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_EN_MONTHS_SHORT = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
_EN_MONTH = rf"(?:{_EN_MONTHS}|{_EN_MONTHS_SHORT})\.?"
_DE_MONTH = (r"(?:Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember|"
             r"Jan|Feb|Mär|Mrz|Apr|Jun|Jul|Aug|Sep|Sept|Okt|Nov|Dez)\.?")
_ES_MONTH = r"(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre)"
_FR_MONTH = r"(?:janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)"

_WORDS: dict[str, _Words] = {
    "en": _Words(
        promo=r"also read|read also|read more|more from|related(?: stories| articles| coverage)?|recommended|"
              r"see also|must read|don'?t miss|trending|watch|listen|click here|top stories|"
              r"you (?:may|might) (?:also )?like|more stories",
        prompt=r"advertisement|sponsored(?: content)?|share this(?: article| story| post)?|share on \w+|share:?|"
               r"continue reading|print(?: this)?(?: article)?|email this|tweet this|pin it|save to pinterest|"
               r"pinterest image|follow us(?: on \w+)?|enter your email(?: address)?|get the latest\b.*|"
               r"subscribe to (?:our|the) \w+.*|would you like to receive notifications\b.*|"
               r"skip to (?:main )?content|back to top|scroll to top",
        call_to_action=r"sign up|subscribe|follow us|join our|get (?:our|the) \w+ newsletter|"
                       r"download (?:our|the) app|share this (?:article|story)|click (?:here )?to|"
                       r"like us on facebook|follow \w+ on (?:twitter|x|instagram)",
        byline=r"by|written by|posted by|words by|story by",
        date_label=r"(?:last\s+)?(?:updated|published|posted|modified|reviewed)(?:\s+on)?",
        date=rf"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?(?:{_EN_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?"
             rf"\s+\d{{4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+{_EN_MONTH},?\s+\d{{4}})",
        clock_suffix=r"[ap]\.?m\.?",
        reading_time=r"(?:\d+|one|two|three|four|five)\s*(?:-\s*)?(?:min(?:ute)?s?\.?)\s+(?:read|listen)",
        image_credit=r"(?:(?:photo|image|picture|photograph|illustration)s?(?:\s+credits?)?|credits?)\s*(?:[:|]|by\b)",
        more_link=r"more|read more|continue reading",
    ),
    "de": _Words(
        promo=r"lesen sie (?:auch|mehr)|auch interessant|das könnte (?:sie|dich) (?:auch )?interessieren|"
              r"mehr zum thema|weiterlesen|zum weiterlesen|weiterführende(?:r)? links?|verwandte artikel|"
              r"ähnliche (?:artikel|beiträge)|mehr dazu|mehr themen|meist(?:-?gelesen|-?diskutiert|-?kommentiert)\w*|"
              r"weitere (?:aktuelle |interessante )?(?:themen|artikel|beiträge|nachrichten|\w*tipps)"
              r"(?: (?:zum|zu|aus|in|von|über|bei|des|der) [^.!?:]{1,40})?|"
              r"top-?themen(?: (?:bei|von|auf) [^.!?:]{1,30})?|kommentierte artikel|empfehlungen der redaktion|"
              r"vorschau auf den nächsten (?:artikel|beitrag)|"
              r"diese (?:artikel|beiträge) könnten (?:dich|sie) (?:auch |ebenfalls )?interessieren",
        prompt=r"anzeige|werbung|teilen(?: sie dies mit| mit)?|nach oben|zurück nach oben|drucken|artikel drucken|"
               r"wird geladen\W*|kommentieren|newsletter abonnieren|sie sind aktuell nicht eingeloggt|"
               r"keine kommentare(?: \(.{0,80}\))?",
        call_to_action=r"jetzt abonnieren|abonnieren sie|folgen sie uns|folge uns|melden sie sich (?:jetzt )?für|"
                       r"hier klicken|jetzt anmelden",
        byline=r"von|autor(?:in)?:",
        date_label=r"(?:zuletzt\s+)?(?:aktualisiert|veröffentlicht|erstellt|geändert)(?:\s+am)?|"
                   r"letzte (?:änderung|aktualisierung)(?:\s+am)?|stand:?",
        date=rf"(?:(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag),?\s+)?\d{{1,2}}\.\s*{_DE_MONTH}"
             r"\s+\d{4}",
        clock_suffix=r"uhr",
        reading_time=r"(?:lesezeit:?\s*(?:ca\.\s*)?\d+\s*min(?:\.|uten)?|\d+\s*min(?:\.|uten)?\s+lesezeit)",
        image_credit=r"(?:fotos?|bilder?|bildquelle|titelbild|beitragsbild|fotograf(?:in)?|quelle)\s*:",
        more_link=r"mehr|weiter|weiterlesen",
    ),
    "es": _Words(
        promo=r"lee también|lea también|mir[aá] también|ver también|vea también|te puede interesar|"
              r"le puede interesar|también te puede interesar|leer más|lea más|noticias relacionadas|"
              r"artículos relacionados|temas relacionados|más noticias|lo más leído|te recomendamos|lea|lee|mira|vea",
        prompt=r"publicidad|compartir(?: en \w+)?|imprimir|volver arriba|comentarios|etiquetas|temas",
        call_to_action=r"suscr[ií]bete|suscr[ií]base|s[ií]guenos|únete a|haz clic",
        byline=r"por",
        date_label=r"(?:actualizado|publicado|modificado)(?:\s+el)?",
        date=rf"\d{{1,2}}\s+de\s+{_ES_MONTH}(?:\s+de|,)?\s+\d{{4}}",
        clock_suffix=r"h(?:rs?)?\.?",
        reading_time=r"(?:\d+\s*min(?:utos)?\.?\s+de\s+lectura|tiempo de lectura:?\s*\d+\s*min(?:utos)?\.?)",
        image_credit=r"(?:fotos?|imagen(?:es)?|créditos?)\s*:",
        more_link=r"más|leer más|seguir leyendo",
    ),
    "fr": _Words(
        promo=r"lire aussi|à lire aussi|a lire aussi|à lire également|lire également|voir aussi|à voir aussi|"
              r"sur le même sujet|sur le même thème|lire la suite|articles similaires|les plus lus",
        prompt=r"publicité|partager(?: sur \w+)?|imprimer|retour en haut|commentaires",
        call_to_action=r"abonnez-vous|suivez-nous|inscrivez-vous|cliquez ici",
        byline=r"par",
        date_label=r"(?:mis à jour|publié|modifié)(?:\s+le)?",
        date=rf"\d{{1,2}}(?:er)?\s+{_FR_MONTH}\s+\d{{4}}",
        clock_suffix=r"",
        reading_time=r"(?:\d+\s*min(?:utes)?\.?\s+de\s+lecture|temps de lecture\s*:?\s*\d+\s*min(?:utes)?\.?)",
        image_credit=r"(?:crédits? photos?|(?:photos?|images?)(?: d['’]| )?(?:illustration|illustrative)?)\s*:",
        more_link=r"lire la suite|suite",
    ),
}
# Teaser headings and UI lines only, for the languages the pipeline meets less often.
_SHORT_TABLES = {
    "it": (r"leggi anche|potrebbe interessarti|articoli correlati", r"pubblicità|condividi"),
    "pt": (r"leia também|veja também|leia mais", r"publicidade|compartilhe"),
    "nl": (r"lees ook|lees meer|gerelateerde artikelen", r"advertentie|delen"),
    "pl": (r"czytaj (?:też|także)|zobacz (?:też|także)", r"reklama|udostępnij"),
}


@dataclass(frozen=True)
class LanguageRules:
    """The compiled line rules of one language (`_NEVER` where the language has no such words)."""

    promo: re.Pattern[str]
    call_to_action: re.Pattern[str]
    byline: re.Pattern[str]
    dateline: re.Pattern[str]
    reading_time: re.Pattern[str]
    image_credit: re.Pattern[str]
    prompt: re.Pattern[str]
    more_link: re.Pattern[str]


@cache
def rules_for(language: str | None) -> LanguageRules:
    """The rules for a page in `language` (an ISO 639-1 code): its own words, plus the language-neutral forms."""
    words = _WORDS.get(language or "")
    if words is None:
        promo, prompt = _SHORT_TABLES.get(language or "", (None, None))
        return LanguageRules(promo=_promo(promo) if promo else _NEVER, call_to_action=_NEVER, byline=_NEVER,
                             dateline=_dateline(None), reading_time=_NEVER, image_credit=_image_credit(None),
                             prompt=_whole_line(prompt) if prompt else _NEVER, more_link=_NEVER)
    return LanguageRules(
        promo=_promo(words.promo),
        call_to_action=re.compile(rf"^\s*(?:{words.call_to_action})\b", re.IGNORECASE),
        byline=re.compile(rf"^(?:{words.byline})\s+{_NAME}(?:\s*(?:,|and|und|y|et|&|\|)\s*{_NAME})*\s*$",
                          re.IGNORECASE),
        dateline=_dateline(words),
        reading_time=re.compile(rf"^{words.reading_time}\s*$", re.IGNORECASE),
        image_credit=_image_credit(words.image_credit),
        prompt=_whole_line(words.prompt),
        more_link=re.compile(rf"[.!?…\"“”»)]\s*(?:{words.more_link})\s*[»›>…]*\s*$", re.IGNORECASE),
    )


def _promo(headings: str) -> re.Pattern[str]:
    # The heading alone, or with a separator and the teaser's title, or run on for a few words up to a closing
    # colon ("Read more in our guides below:"): never a heading word opening a sentence.
    run_on = r"(?:[^\W\d]+\s+){0,3}[^\W\d]+\s*:\s*$"
    return re.compile(rf"^\s*(?:{headings})\b\s*(?:[:|»>\-–—]|(?:\.{{2,}}|…)\s*$|$|{run_on})", re.IGNORECASE)


def _whole_line(labels: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*(?:{labels})\s*[.:!]?\s*$", re.IGNORECASE)


def _dateline(words: _Words | None) -> re.Pattern[str]:
    label = rf"(?:{words.date_label})\s*:?\s*" if words else ""
    date = rf"(?:{words.date}|{_NUMERIC_DATE})" if words else _NUMERIC_DATE
    suffix = rf"(?:\s*(?:{words.clock_suffix}))?" if words and words.clock_suffix else ""
    clock = rf"(?:,?\s*(?:at\s+|um\s+|a las\s+|à\s+)?{_CLOCK}{suffix}(?:\s*[A-Z]{{2,4}})?)?"
    return re.compile(rf"^(?:{label})?{date}{clock}\s*\.?\s*$", re.IGNORECASE)


def _image_credit(label: str | None) -> re.Pattern[str]:
    agencies = r"/\s*(?:getty images|shutterstock|istock(?:photo)?|ap|afp|reuters|alamy|unsplash|dpa)\s*\)?$"
    return re.compile(rf"^(?:{label})|{agencies}" if label else agencies, re.IGNORECASE)
