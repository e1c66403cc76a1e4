"""URL canonicalisation: one key per article page, whatever tracking, AMP or mobile variant it was reached by.

courlan does the syntactic normalisation (scheme and host case, punycode, default ports, dot segments). Its
tracker filter is not used for identity because it also drops parameters that name the page (`gameid`, `source`,
`gallery`): two different pages must never share a key, so only parameters known to carry no content are dropped.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

from courlan import normalize_url, scrub_url

_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "mtm_", "matomo_", "hsa_", "_hs", "ga_", "itm_", "vero_", "oly_",
                      "ns_", "at_", "sc_", "ml_")
_TRACKING_NAMES = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "ysclid", "twclid", "ttclid",
    "igshid", "igsh", "li_fat_id", "_ga", "_gl", "_hsenc", "_hsmi", "_openstat", "mkt_tok", "oly_anon_id",
    "oly_enc_id", "rb_clickid", "s_cid", "wt.mc_id", "wt_mc_id", "cmpid", "cmp", "ocid", "smid", "smtyp",
    "ref_src", "ref_url", "ncid", "sr_share", "share", "via", "spm", "scid", "fb_ref", "fb_source",
    "ito", "src", "amp", "amp_js_v", "amp_gsa", "usqp", "outputtype", "output", "__twitter_impression",
})
_AMP_PATH = re.compile(r"/amp(?:/|\.html?)?$", re.IGNORECASE)
_AMP_SUFFIX = re.compile(r"\.amp(\.html?)$", re.IGNORECASE)
_AMP_LEADING = re.compile(r"^/amp(?=/)", re.IGNORECASE)
_AMP_CACHE_HOST = re.compile(r"\.cdn\.ampproject\.org$", re.IGNORECASE)
_MIRROR_PREFIXES = ("www.", "amp.", "m.", "mobile.")


def canonicalize_url(url: str) -> str:
    """A stable key for a page URL: https, lower-case host without www/amp/m, no fragment, no trackers,
    remaining parameters sorted, AMP paths mapped to the article path, no trailing slash.

    Raises ValueError when `url` is not an absolute http(s) URL."""
    url = _unwrap_amp_cache(scrub_url(url.strip()))
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    path = _AMP_SUFFIX.sub(r"\1", _AMP_LEADING.sub("", _AMP_PATH.sub("", parts.path))) or "/"
    # courlan drops the default port of the scheme the URL came with, so https is forced only afterwards
    scheme = parts.scheme.lower()
    normalised = urlsplit(normalize_url(urlunsplit((scheme, parts.netloc, path, "", "")), trailing_slash=False))
    host = normalised.netloc
    for prefix in _MIRROR_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
            break
    path = normalised.path.rstrip("/") or "/"
    return urlunsplit(("https", host, path, _clean_query(parts.query), ""))


def canonical_url_for(url_as_given: str | None, declared_canonical: str | None = None,
                      og_url: str | None = None) -> str | None:
    """The canonical URL of a page: its declared `<link rel=canonical>`, else its `og:url`, else the URL it was
    fetched from, each canonicalised. A declaration that points a deep page at a site's home page (a common
    template bug) is ignored, as is anything that is not an http(s) URL."""
    given = _safe_canonical(url_as_given)
    for declared in (declared_canonical, og_url):
        if not declared:
            continue
        resolved = urljoin(url_as_given, declared.strip()) if url_as_given else declared.strip()
        candidate = _safe_canonical(resolved)
        if candidate is None:
            continue
        if given is not None and _is_home(candidate) and not _is_home(given):
            continue
        return candidate
    return given


def host_of(url: str | None) -> str | None:
    """The lower-case host of a URL, without www: what the `stories` view lists as a source."""
    if not url:
        return None
    host = urlsplit(url).hostname
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def _safe_canonical(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return canonicalize_url(url)
    except ValueError:
        return None


def _is_home(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


def _unwrap_amp_cache(url: str) -> str:
    """https://www-example-com.cdn.ampproject.org/c/s/www.example.com/a → https://www.example.com/a, and the
    same for Google's /amp/s/ viewer."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if _AMP_CACHE_HOST.search(host) or (host.endswith(("google.com", "bing.com")) and parts.path.startswith("/amp/")):
        match = re.match(r"^/(?:c/|v/|i/|amp/)*(s/)?(.+)$", parts.path)
        if match and "." in match[2].split("/", 1)[0]:
            scheme = "https" if match[1] else "http"
            query = f"?{parts.query}" if parts.query else ""
            return f"{scheme}://{unquote(match[2])}{query}"
    return url


def _clean_query(query: str) -> str:
    kept = [(key, value) for key, value in parse_qsl(query, keep_blank_values=True) if not _is_tracking(key)]
    return urlencode(sorted(kept))


def _is_tracking(key: str) -> bool:
    lowered = key.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)
