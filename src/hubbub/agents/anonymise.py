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

# Weibo repost chain: "my words//@name: their words//@other: ...". Everything from the first "//@"
# on was written by other accounts.
_REPOST_CHAIN = re.compile(r"\s*//\s*@[^:：\s]{1,40}\s*[:：].*$", re.DOTALL)
_REPOST_MARK = re.compile(r"//\s*@[^:：\s]{1,40}\s*[:：]")
_URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+|\bt\.cn/[A-Za-z0-9]+",
                  re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
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
    elif _REPOST_CHAIN.search(text):
        text = _REPOST_CHAIN.sub("", text).rstrip() + " " + PLACEHOLDERS["repost"]
        text = text.lstrip()
    text = _URL.sub(PLACEHOLDERS["link"], text)
    text = _EMAIL.sub(PLACEHOLDERS["email"], text)
    text = _CN_MOBILE.sub(PLACEHOLDERS["phone"], text)
    text = _PHONE.sub(PLACEHOLDERS["phone"], text)
    return _HANDLE.sub(PLACEHOLDERS["handle"], text)
