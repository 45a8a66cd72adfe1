"""Anonymisation of real user data (TrendSim Appendix E): pseudonymous ids and scrubbed text.

Every loader of real posts or profiles passes ids through :func:`pseudonym` and text through
:func:`scrub`, so no real account id, @handle, link, e-mail address or phone number reaches the run
record. Pseudonyms are keyed hashes: stable for one salt (the same user always maps to the same id, so
posts and profiles of one person still line up) and not reversible without the salt. Use a secret salt
for real data; the default salt only keeps ids stable between runs.
"""

from __future__ import annotations

import hashlib
import re

DEFAULT_SALT = "hubbub"

_PSEUDONYM = re.compile(r"u[0-9a-f]{10}")

# Every pattern below is tried at each position of the text, so none may scan an unbounded run and
# then fail there again from the next position (that is quadratic: a 300 kB bio took minutes). Runs
# are bounded by a count or found from an anchor ("//", "@", "http") outward (e-mail addresses:
# _mask_emails).

# Weibo repost chain: "my words//@name: their words//@other: ...". Everything from the first mark
# on was written by other accounts.
_REPOST_MARK = re.compile(r"//\s*@[^:：\s]{1,40}\s*[:：]")
_URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+|\bt\.cn/[A-Za-z0-9]+",
                  re.IGNORECASE)
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9._%+\-]*")  # matched on the reversed text, back from an "@"
_EMAIL_DOMAIN = re.compile(r"[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_CN_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s\-]?)?1[3-9]\d(?:[\s\-]?\d{4}){2}(?!\d)")
_PHONE = re.compile(r"(?<![\dA-Za-z])(?:\+\d{1,3}[\s\-]?)?(?:\(\d{2,4}\)[\s\-]?|\d{2,4}[\s\-])\d{3,4}[\s\-]?\d{4}(?!\d)")
_HANDLE = re.compile(r"@(?!user\b)[\w\-·]{1,30}")

PLACEHOLDERS = {"handle": "@user", "link": "[link]", "email": "[email]", "phone": "[phone]",
                "repost": "[repost]"}


def pseudonym(real_id: object, salt: str = DEFAULT_SALT) -> str:
    """``"u"`` + 10 hex characters: a keyed BLAKE2b hash of the id, stable for a given salt."""
    key = hashlib.blake2b(salt.encode("utf-8"), digest_size=32).digest()
    digest = hashlib.blake2b(str(real_id).strip().encode("utf-8"), digest_size=5, key=key)
    return "u" + digest.hexdigest()


def is_pseudonym(user_id: str) -> bool:
    """True for ids already in pseudonym form, which loaders keep as they are (idempotence)."""
    return bool(_PSEUDONYM.fullmatch(user_id))


def anonymous_id(real_id: object, salt: str = DEFAULT_SALT) -> str:
    """The pseudonym of ``real_id``, or ``real_id`` itself when it already is one."""
    text = str(real_id).strip()
    return text if is_pseudonym(text) else pseudonym(text, salt)


def scrub(text: str, keep_reposts: bool = False) -> str:
    """Replace handles, links, e-mails and phone numbers with placeholders.

    A Weibo repost chain (``//@name: ...``) holds other people's words, so by default it is cut and
    replaced by ``[repost]``; with ``keep_reposts`` only the names in it are replaced. Scrubbing is
    idempotent: scrubbed text comes back unchanged.
    """
    if keep_reposts:
        text = _REPOST_MARK.sub("//@user:", text)
    elif (chain := _REPOST_MARK.search(text)) is not None:
        text = (text[:chain.start()].rstrip() + " " + PLACEHOLDERS["repost"]).lstrip()
    text = _URL.sub(PLACEHOLDERS["link"], text)
    text = _mask_emails(text)
    text = _CN_MOBILE.sub(PLACEHOLDERS["phone"], text)
    text = _PHONE.sub(PLACEHOLDERS["phone"], text)
    return _HANDLE.sub(PLACEHOLDERS["handle"], text)


def _mask_emails(text: str) -> str:
    """E-mail addresses replaced, found from each "@" outward: the local part is the run of address
    characters before it (not reaching into the previous address), the domain is matched after it.
    The same matches as the pattern ``local+@domain`` scanned left to right, but each character is
    read a bounded number of times (that pattern rescans a long run without "@" from every position)."""
    backwards, size = text[::-1], len(text)
    parts: list[str] = []
    done, at = 0, text.find("@")
    while at != -1:
        local = _EMAIL_LOCAL.match(backwards, size - at, size - done).end() - (size - at)
        domain = _EMAIL_DOMAIN.match(text, at + 1) if local else None
        if domain:
            parts += [text[done:at - local], PLACEHOLDERS["email"]]
            done = domain.end()
        at = text.find("@", max(at + 1, done))
    return "".join(parts) + text[done:]
