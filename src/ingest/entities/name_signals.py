"""General signals that a model span is, or is not, a name, and of what kind; none is about a particular name.

The small spaCy model confuses types and takes common words for names. What corrects it here is evidence any
English news text carries: a name never runs across a line break; persons are not "the X"; "IE6" and "M5S" are
not persons or places; "Pro-Beijing" and "Pan-democrat" are attitudes; a role word alone names no one; and a
two-word span opening with a known given name ("Valeska Paris", "Dean Kamen") is a person, whatever label the
model gave it. Given names come from gender-guesser's list of about 40,000 first names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gender_guesser.detector import Detector

_MIXED_TOKEN = re.compile(r"(?=[^\W\d_]*\d)(?=\d*[^\W\d_])\w+")  # letters and digits in one word: IE6, M5S
_PREFIXED = re.compile(r"^(?:Pro|Anti|Non|Ex|Neo|Post|Pre|Pan|Pseudo)-|^[A-Z][a-z]+-[a-z]{3,}$")
_ARTICLE_BEFORE = re.compile(r"(?:^|\W)(?:the|a|an)\s+$", re.IGNORECASE)
# Last words that make a capitalised phrase a place, an organisation or a thing, never a person's surname.
_NON_PERSON_HEAD_WORDS = """
university college school academy institute institution foundation museum gallery library hospital church
cathedral mosque temple street road avenue boulevard square park hall station airport port bridge tower towers
center centre building house palace castle court council committee commission agency authority ministry
department office bureau service services company corporation corp inc ltd llc group party union association
society club team league federation fund bank trust network news times post journal magazine press radio
tv television media records studios pictures games motors airlines airways county city town village district
province region state island islands beach lake river valley mountain mountains hills bay coast desert forest
project program programme festival fair expo awards prize cup championship tournament series show day war
co industries electric systems solutions technologies technology labs research development products brands
partners holdings ventures capital energy pharmaceuticals insurance communications software store shop market
restaurant hotel usa america international global worldwide herald tribune gazette chronicle sentinel inquirer
examiner telegraph dispatch courier observer statesman american-statesman
"""
_NON_PERSON_HEADS = frozenset(_NON_PERSON_HEAD_WORDS.split())
# Role words that never name an organisation or a place on their own.
_PERSONAL_ROLE_WORDS = """
president vice prime minister secretary chancellor premier king queen prince princess pope sheikh emir sultan
imam rabbi reverend bishop archbishop cardinal senator congressman congresswoman governor mayor ambassador envoy
admiral colonel lieutenant sergeant captain commander judge prosecutor director spokesman spokeswoman
spokesperson speaker chairman chairwoman ceo founder coach manager professor emeritus sheriff undersecretary
detective inspector superintendent constable councillor councilor lawmaker legislator mr mrs ms dr sir dame
"""
_PERSONAL_ROLES = frozenset(_PERSONAL_ROLE_WORDS.split())
# Words a page prints beside names (captions, buttons, menus); alone, or trailing a caption, they name nothing.
# Not "Video", "File" or "Credit" among the trailing ones: "Prime Video", "Direct File", "Child Tax Credit" are names.
_CAPTION_WORDS = frozenset({"image", "photo", "caption", "advertisement"})
_PAGE_WORD_LIST = """
video credit file images photos videos share print email comment comments click subscribe gallery slideshow read
more login sign up menu search home next previous related tags follow listen watch download advertisements sponsored
"""
_PAGE_WORDS = _CAPTION_WORDS | frozenset(_PAGE_WORD_LIST.split())
# Acronyms of the general vocabulary: things, trades and roles any text abbreviates, never an organisation, place
# or person ("AI", "SEO", "API"). Not bodies or places (UN, EU, NATO, FBI, US, UK), nor US or Canadian region codes.
_GENERAL_ACRONYM_LIST = """
AI AGI ML LLM NLP API SDK SEO SEM SaaS CRM ERP ROI KPI CTA UI UX URL URLs HTML CSS HTTP HTTPS PDF FAQ FAQs FYI ASAP
DIY RSVP TBA TBD ETA AKA USB CPU GPU RAM ROM SSD HDD LCD LED OLED HDR GPS VPN DNS ISP SSL TLS SMS MMS SIM
PIN ATM PC PCs IoT NFT NFTs QR CEO CEOs CFO CTO COO CMO HR IT B2B B2C DM DMs PS PDFs APIs GIF JPEG PNG MP3 RSS
JSON XML SQL CMS VR XR EV EVs SUV SUVs DNA RNA MRI ICU PTSD ADHD IQ BBQ TV OS CV FOMO LOL OMG IMO
"""
GENERAL_ACRONYMS = frozenset(_GENERAL_ACRONYM_LIST.split())


@cache
def _name_detector() -> Detector:
    """gender-guesser's first-name list, parsed once per process (parsing it takes most of a second)."""
    from gender_guesser.detector import Detector

    return Detector(case_sensitive=False)


def load_name_lists() -> None:
    """Parse the word lists the signals read now, not during the first article (a NER worker's start-up)."""
    _given_names(), _all_first_names(), _east_asian_given_names(), _region_codes()


@cache
def _given_names() -> frozenset[str]:
    """Lower-cased first names that gender-guesser knows as clearly male or female, in use in more than one
    country or commonly in one (its per-country frequency digits add up to 2 or more): not "General", "Art"."""
    detector = _name_detector()
    return frozenset(name for name, genders in detector.names.items()
                     if sum(_frequency(countries) for g, countries in genders.items() if g in ("male", "female")) >= 2)


@cache
def _all_first_names() -> frozenset[str]:
    """Every lower-cased first name gender-guesser lists, however rare or ambiguous ("Lee", "Holden")."""
    return frozenset(_name_detector().names)


def any_first_name(word: str) -> bool:
    """A word written as a name ("Lee", not "AI" nor "lee") that is someone's first name somewhere, however rare:
    names are made of such words."""
    bare = word.strip(".,'’")
    return bare[:1].isupper() and bare[1:].islower() and bare.casefold() in _all_first_names()


def _frequency(countries: str) -> int:
    return sum(int(digit, 16) for digit in countries if digit.strip())


@cache
def _region_codes() -> frozenset[str]:
    """US state and Canadian province codes ("MA", "NY", "ON"): acronyms that are places."""
    import pycountry

    return frozenset(s.code.split("-")[1] for country in ("US", "CA")
                     for s in pycountry.subdivisions.get(country_code=country) or ())


def occurs_as_word(text: str, word: str, joiners: str = "") -> bool:
    r"""Whether `text` has `word` with no word character (nor one of `joiners`) either side: what searching for
    `(?<![\w<joiners>])word(?![\w<joiners>])` answers, without compiling a pattern per word (`\w` is `isalnum`
    or "_" for a str pattern)."""
    def joined(char: str) -> bool:
        return char.isalnum() or char == "_" or char in joiners

    position = text.find(word)
    while position >= 0:
        end = position + len(word)
        if not (position and joined(text[position - 1])) and not (end < len(text) and joined(text[end])):
            return True
        position = text.find(word, position + 1)
    return False


def is_given_name(word: str) -> bool:
    """"Dean", not "DEAN" (a headline or an acronym: "AI", "UK") nor "dean"."""
    return len(word) > 1 and word[:1].isupper() and word[1:].islower() and word.casefold() in _given_names()


# The most common Chinese (Mandarin pinyin and Hong Kong Cantonese spellings), Korean and Vietnamese surnames:
# these languages write the surname first ("Leung Chun-ying", "Kim Jong-un", "Park Geun-hye"). No installed
# package lists surnames (gender-guesser lists first names only), so this short list of the frequent ones stands in.
_SURNAME_FIRST_LIST = """
    chan chen cheung zhang chang wong wang huang leung liang lee li lam lin lau liu ho he ng wu yeung yang tsang
    zeng tang tam tan chow zhou chau choi cai tsoi kwok guo kwan guan lo luo law mak mai fung feng yip ye hui xu
    tse xie yau qiu yu lai ma mo siu xiao poon pan kong chu zhu cheng lui lu sun xi hu deng gao zhao song shiu
    yiu yung chiang tien tong wan wen ip fan cheuk lok kim park pak jung jeong kang cho jo yoon yun jang lim han
    oh seo shin kwon moon ahn nguyen tran le pham hoang huynh phan vu vo dang bui do ngo duong ly
"""
SURNAME_FIRST_SURNAMES = frozenset(_SURNAME_FIRST_LIST.split())
_HYPHENATED_GIVEN = re.compile(r"[A-Z][a-z]{0,5}-[a-z]{1,6}")  # "Chun-ying", "Jong-un", "Kwok-hung"
_EAST_ASIAN_COUNTRIES = ("china", "korea", "vietnam")


@cache
def _east_asian_given_names() -> frozenset[str]:
    """Lower-cased first names gender-guesser knows only from China, Korea or Vietnam ("Jinping", "Wei"), not
    "Jun" (Japan, the Philippines) nor "John"."""
    detector = _name_detector()
    columns = {detector.COUNTRIES.index(country) for country in _EAST_ASIAN_COUNTRIES}
    return frozenset(name for name, genders in detector.names.items()
                     if all(i in columns for countries in genders.values()
                            for i, digit in enumerate(countries) if digit.strip()))


def surname_first(words: Sequence[str]) -> bool:
    """"Leung Chun-ying", "Kim Jong-un", "Xi Jinping": a common Chinese, Korean or Vietnamese surname before a
    given name written as those are (hyphenated syllables, or a name known only from China, Korea or Vietnam);
    not "Lee Smith", "Starry Lee" nor "Ho Kelly"."""
    if len(words) != 2 or words[0].casefold() not in SURNAME_FIRST_SURNAMES:
        return False
    given = words[1].strip(".,'’")
    return (_HYPHENATED_GIVEN.fullmatch(given) is not None
            or (given[:1].isupper() and given[1:].islower() and given.casefold() in _east_asian_given_names()))


def surname_of(words: Sequence[str]) -> str:
    """The surname of a person's name: the first word of "Leung Chun-ying", the last of "Donald J. Trump"."""
    return words[0] if surname_first(words) else words[-1]


def split_lines(text: str, ents: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """A name never runs across a line break: a span that does is one candidate per line
    ("Election Results\nEddie Chu", a heading above a name)."""
    pieces = []
    for start, end, label in ents:
        offset = start
        for line in text[start:end].split("\n"):
            if line.strip():
                pieces.append((offset, offset + len(line), label))
            offset += len(line) + 1
    return pieces


def not_a_name(surface: str, entity_type: str) -> bool:
    """Spans no name recogniser should keep, whatever the model says."""
    words = surface.split()
    if not words:
        return True
    if len(words) == 1 and _PREFIXED.search(surface):
        return True  # "Pro-Beijing", "Anti-Trump", "Pan-democrat": an attitude or a camp, not a name
    if entity_type in ("PERSON", "LOCATION") and any(_MIXED_TOKEN.fullmatch(w.strip(".,'")) for w in words):
        return True  # "IE6", "Windows 10"-like product codes are neither persons nor places
    if all(w.strip(".,:;'\"").casefold() in _PAGE_WORDS for w in words):
        return True  # "Image", "Share", "Read More": the page's furniture, not a name
    if len(words) == 1 and general_acronym(words[0]):
        return True  # "AI", "SEO", "USB": a thing of the general vocabulary, not a name
    return len(words) == 1 and _is_role(words[0])  # "Sheriff", "Emeritus"


def general_acronym(word: str) -> bool:
    """"AI", "A.I.", "APIs", "UI/UX": acronyms of the general vocabulary (`GENERAL_ACRONYMS`), dots ignored."""
    return all(part in GENERAL_ACRONYMS for part in word.strip(".,:;'\"").replace(".", "").split("/"))


# Software's way of writing names: "Node.js", "Amazon.com" (a dot before lower-case letters inside a word), "C++",
# "C#", "Disney+" (a trailing plus or sharp), "PostgreSQL", "YouTube", "iPhone" (a capital after a lower-case
# letter), but not a surname's "McAllen", "DeKalb", "LaGuardia", "MacArthur", "O'Neill", nor a compass-clipped
# place ("SoCal", "NorCal", "SoHo").
_DOTTED_WORD = re.compile(r"[^\W_]\.[a-z]{2,}")
_PLUS_OR_SHARP = re.compile(r"\w[+#]+(?!\w)")
_INNER_CAPITAL = re.compile(r"[a-z][A-Z]")
_NAME_PREFIX = re.compile(r"(?:Mc|Mac|De|Di|Da|Du|La|Le|Van|Von|Fitz)[A-Z]|(?:So|No|Nor)[A-Z][a-z]+$")


def software_shaped(surface: str) -> bool:
    """A name written as software, sites and gadgets are ("Node.js", "C++", "PostgreSQL"), as no place is."""
    if _DOTTED_WORD.search(surface) or _PLUS_OR_SHARP.search(surface):
        return True
    return any(_INNER_CAPITAL.search(word) and not _NAME_PREFIX.match(word) for word in surface.split())


def trailing_caption_cut(surface: str) -> int:
    """Where a name ends when a caption word the page put after it runs into the span: "International Space
    Station Image" is "International Space Station" ("Getty Images", plural, is a name and stays)."""
    words = list(re.finditer(r"\S+", surface))
    keep = len(words)
    while keep > 1 and words[keep - 1].group().strip(".,:;").casefold() in _CAPTION_WORDS:
        keep -= 1
    return words[keep - 1].end() if words and keep < len(words) else len(surface)


def _is_role(word: str) -> bool:
    """A role word as written in a name: "Spokesperson", "Sheriff"; not an acronym ("MS" is Mississippi)."""
    bare = word.strip(".,")
    return bare.casefold() in _PERSONAL_ROLES and (not bare.isupper() or bare == "CEO")


def trailing_role_cut(surface: str) -> int:
    """Where an organisation's or place's name ends when role words trail it: "State Department Spokesperson"
    is the State Department's spokesperson, the name is "State Department"."""
    words = list(re.finditer(r"\S+", surface))
    keep = len(words)
    while keep > 1 and _is_role(words[keep - 1].group()):
        keep -= 1
    return words[keep - 1].end() if words and keep < len(words) else len(surface)


def after_article(text: str, start: int, end: int) -> bool:
    """"The Hajj," or "the Polaroid's": a name headed by "the", "a" or "an" is a thing, event or group, not a
    person ("the Marilyn pictures", where the name only qualifies a noun, says nothing)."""
    headed = _ARTICLE_BEFORE.search(text[max(0, start - 6):start]) is not None
    return headed and not re.match(r"\s+[a-z]", text[end:end + 3])


def non_person_head(word: str) -> bool:
    """"Gallery", "University", "Bank": a last word that makes a capitalised phrase no person's name."""
    return word.strip(".,'’").casefold() in _NON_PERSON_HEADS


def looks_like_person(surface: str, text: str = "") -> bool:
    """Two or three capitalised words opening with a known given name and ending in no organisation or place
    word, nor in a word `text` also writes in lower case (a surname never is one): "Dean Kamen", "Walker
    Evans", not "Dean Witter Bank", "Victoria Station" or "Ideal Industries"."""
    words = surface.split()
    if not 2 <= len(words) <= 3 or not all(w[:1].isupper() for w in words):
        return False
    last = words[-1].strip(".,'’").casefold()
    if last in _NON_PERSON_HEADS or occurs_as_word(text, last, joiners="-"):
        return False
    return is_given_name(words[0])


def all_capitals(word: str) -> bool:
    """"AI", "U.S.": written in capitals, as no surname or first name is outside a headline."""
    letters = [ch for ch in word if ch.isalpha()]
    return len(letters) > 1 and all(ch.isupper() for ch in letters)


def acronym(surface: str) -> bool:
    """"AI", "NCLAN": two to six capitals, not a US state or Canadian province code ("MA", "ON"). As a place the
    model is mostly wrong: the places news writes as acronyms (US, UK, UAE, NYC) are in the gazetteer, which is
    checked first."""
    letters = surface.replace(".", "")
    return 2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper() and letters not in _region_codes()


def join_adjacent(text: str, ents: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Two single-word spans one space apart, the first a given name, are one person the model cut in two
    ("Valeska" + "Paris" -> "Valeska Paris"). Spans are cut at line breaks first."""
    joined: list[tuple[int, int, str]] = []
    for start, end, label in split_lines(text, ents):
        if joined:
            p_start, p_end, _p_label = joined[-1]
            first, second = text[p_start:p_end], text[start:end]
            if (text[p_end:start] == " " and " " not in first and " " not in second
                    and is_given_name(first) and second[:1].isupper()):
                joined[-1] = (p_start, end, "PERSON")
                continue
        joined.append((start, end, label))
    return joined


_PARENTHESISED_ACRONYM = re.compile(r"\((?P<acronym>[A-Z]{2,6})\)")
_PARENTHESES = re.compile(r"\((?P<inner>[^()\n]{4,120})\)")
_WORD_OR_HYPHEN = re.compile(r"[\w-]")
_NAME_WORD = re.compile(r"[\w'\u2019&.-]+")
_NAME_FILLERS = frozenset({"of", "and", "for", "the", "de", "del", "della", "di", "du", "des", "la", "le", "&"})


def defined_acronyms(text: str) -> list[tuple[int, int, int, int]]:
    """Acronyms the text defines beside their full name, as (name start, name end, acronym start, acronym end):
    "Union of Rationalist Atheists and Agnostics (UAAR)", "CEI (Italian Episcopal Conference)". The capitals of
    the name are the acronym's letters in any order, as a translated name keeps its original acronym ("Italian
    Episcopal Conference" is the Conferenza Episcopale Italiana); standing side by side makes that safe."""
    found = []
    for match in _PARENTHESISED_ACRONYM.finditer(text):
        name = _name_ending_at(text, match.start(), match["acronym"])
        if name is not None:
            found.append((*name, match.start("acronym"), match.end("acronym")))
    for acronym_start, acronym_end, match in acronyms_before_parentheses(text):
        words = list(_NAME_WORD.finditer(match["inner"]))
        spaced = all(match["inner"][a.end():b.start()] == " " for a, b in zip(words, words[1:], strict=False))
        if words and spaced and _initials_match([w.group() for w in words], text[acronym_start:acronym_end]):
            offset = match.start("inner")
            found.append((offset + words[0].start(), offset + words[-1].end(), acronym_start, acronym_end))
    return found


def acronyms_before_parentheses(text: str) -> Iterator[tuple[int, int, re.Match[str]]]:
    r"""Start and end of each acronym written before parentheses, with the parentheses' match ("inner": what
    they hold): "CEI (Italian Episcopal Conference)". What `(?<![\w-])[A-Z]{2,6}\s*\((?P<inner>[^()\n]{4,120})\)`
    finds, but looked for from the parentheses, a character the regex engine finds fast, not tried at every
    position of the text; no match can overlap another, as none holds a parenthesis inside."""
    for match in _PARENTHESES.finditer(text):
        end = match.start()
        while end and text[end - 1].isspace():  # `\s`
            end -= 1
        start = end
        while start and "A" <= text[start - 1] <= "Z":
            start -= 1
        if 2 <= end - start <= 6 and not (start and _WORD_OR_HYPHEN.match(text, start - 1)):
            yield start, end, match


_LOWER_WORD = re.compile(r"[a-z][a-z-]*")


def common_noun_acronyms(text: str) -> set[str]:
    """Acronyms the text defines by lower-case words, so they name a thing, not an organisation or a place:
    "artificial intelligence (AI)", "VR (virtual reality)". The words' initials spell the acronym in order."""
    found = set()
    for match in _PARENTHESISED_ACRONYM.finditer(text):
        acronym = match["acronym"]
        words = text[max(0, match.start() - 120):match.start()].split()[-len(acronym):]
        if _lower_initials(words) == acronym:
            found.add(acronym)
    for start, end, match in acronyms_before_parentheses(text):
        if _lower_initials(match["inner"].split()) == text[start:end]:
            found.add(text[start:end])
    return found


def _lower_initials(words: list[str]) -> str:
    """"ABC" for "alpha beta-gamma charlie"; "" unless every word is a plain lower-case word."""
    if not words or not all(_LOWER_WORD.fullmatch(w) for w in words):
        return ""
    return "".join(w[0] for w in words).upper()


def _name_ending_at(text: str, stop: int, acronym: str) -> tuple[int, int] | None:
    """The run of name words just before `stop` whose capitals spell `acronym` (in some order)."""
    head = text[max(0, stop - 160):stop].rsplit("\n", 1)[-1]  # a name never runs across a line break
    offset = stop - len(head)
    words = list(_NAME_WORD.finditer(head))
    capitals = 0
    for index in range(len(words) - 1, -1, -1):
        word = words[index].group()
        if len(word) > 1 and word.isupper():
            return None  # another acronym in the run ("MEDLINE and PubMed Central (PMC)") is a list, not a name
        if word[:1].isupper():
            capitals += 1
        elif word.casefold() not in _NAME_FILLERS:
            return None
        if index < len(words) - 1 and head[words[index].end():words[index + 1].start()] != " ":
            return None  # name words stand one space apart: not "Amazon (AMZN) Web Services"
        if capitals == len(acronym):
            chosen = [w.group() for w in words[index:]]
            if _initials_match(chosen, acronym) and head[words[-1].end():].strip() == "":
                possessive = re.search(r"['\u2019]s$", chosen[-1])  # "the National Library of Medicine's (NLM)"
                return offset + words[index].start(), offset + words[-1].end() - (2 if possessive else 0)
            return None
    return None


def _initials_match(words: list[str], acronym: str) -> bool:
    """Every word a capitalised name word or a filler, the first and last capitalised, and the capitals'
    initials the acronym's letters."""
    if not words or not words[0][:1].isupper() or not words[-1][:1].isupper():
        return False
    if any(not w[:1].isupper() and w.casefold() not in _NAME_FILLERS for w in words):
        return False
    initials = [w[0] for w in words if w[:1].isupper()]
    return sorted(initials) == sorted(acronym)
