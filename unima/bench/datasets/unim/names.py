"""Names in UniM instances: fields, subdomains, ids and placeholder tags, normalised.

The public UniM material spells the same thing several ways: the third field is
``general_domain`` in instance JSON but ``general_area`` in data folders (the official ICS code
maps one to the other); the repository lists subdomain folders as ``1_math``; the paper figure
writes "Compute Science" for ``computer_science``. Every name is normalised here once, so
instance keys, folder lookups and prediction keys agree whatever spelling a file uses.

In UniM's JSON the ``domain`` key holds the *field* (``natural_science``, ``social_science``,
``general_domain``) and ``subdomain`` holds one of the 30 domains (``math``, ``food`` ...).
"""

from __future__ import annotations

import re

from unima.types import MEDIA_MODALITIES

# The three UniM fields, in the paper's order.
FIELDS: tuple[str, ...] = ("natural_science", "social_science", "general_domain")

# Spellings seen in the public data, code and paper, after slugging.
_DOMAIN_ALIASES = {
    "general_area": "general_domain",
    "general": "general_domain",
    "ga": "general_domain",
    "ns": "natural_science",
    "ss": "social_science",
}
_SUBDOMAIN_ALIASES = {
    "compute_science": "computer_science",
    "env_science": "environmental_science",
}
# Folder names use the other spelling of the third field.
DOMAIN_FOLDER_ALIASES: dict[str, tuple[str, ...]] = {"general_domain": ("general_area",)}

_SLUG_SEPARATORS = re.compile(r"[^a-z0-9]+")
_NUMBER_PREFIX = re.compile(r"^[0-9]+_(?=[a-z])")
# An id becomes a folder name in the harness's output, so it must be one safe path component.
_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
MAX_NAME_CHARS = 128

# Tags that may appear in ``modal``: the media modalities plus ``text`` (UniM's ``output.modal``
# may hold ``text1``-style entries whose value is the text itself).
TAG_MODALITIES: tuple[str, ...] = (*MEDIA_MODALITIES, "text")
TAG_PATTERN = re.compile(r"(image|audio|video|document|code|threeD|text)([0-9]{1,4})")
# Anything in angle brackets that could be meant as a placeholder: ``<image1>``, ``<Image 1>``,
# ``<3d1>``, ``<img2>``. Only words that name a modality are judged (see ``content_tags``);
# ``<b>`` or ``<h1>`` in ordinary text are left alone.
_CANDIDATE_PATTERN = re.compile(r"<\s*([A-Za-z]+|3[dD])[ _-]?([0-9]*)\s*>")
_MODALITY_WORDS = frozenset(
    {m.lower() for m in TAG_MODALITIES} | {"3d", "img", "pic", "picture", "aud", "vid", "doc"}
)
# A ``code`` entry may hold the code itself instead of a path; a path is one token with a suffix.
_FILE_NAME_PATTERN = re.compile(r"[^\s]+\.[A-Za-z0-9]{1,10}")


def _slug(value: str) -> str:
    return _SLUG_SEPARATORS.sub("_", value.strip().lower()).strip("_")


def _check_name(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string, got {type(value).__name__}")
    if len(value) > MAX_NAME_CHARS:
        raise ValueError(f"{what} is longer than {MAX_NAME_CHARS} characters")
    return value


def normalise_domain(value: object) -> str:
    """Return the canonical field name for a ``domain`` value (``General Area`` -> ``general_domain``).

    Raises:
        ValueError: When the value is not a string or has no letters or digits.
    """
    slug = _slug(_check_name(value, "domain"))
    if not slug:
        raise ValueError(f"domain {value!r} has no letters or digits")
    return _DOMAIN_ALIASES.get(slug, slug)


def normalise_subdomain(value: object) -> str:
    """Return the canonical subdomain name (``1_math`` -> ``math``, ``Earth Science`` -> ``earth_science``).

    Raises:
        ValueError: When the value is not a string or has no letters or digits.
    """
    slug = _NUMBER_PREFIX.sub("", _slug(_check_name(value, "subdomain")))
    if not slug:
        raise ValueError(f"subdomain {value!r} has no letters or digits")
    return _SUBDOMAIN_ALIASES.get(slug, slug)


def normalise_id(value: object) -> str:
    """Return an instance id as a string (UniM ids are strings; integer ids are accepted).

    Raises:
        ValueError: When the id is not a string or integer, or is not one safe path component
            (letters, digits, ``.``, ``_``, ``-``; starting with a letter or digit).
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"id must be a string, got {type(value).__name__}")
    text = str(value).strip() if isinstance(value, str) else str(value)
    if not _ID_PATTERN.fullmatch(text):
        raise ValueError(
            f"id {text[:80]!r} is not usable: use letters, digits, '.', '_' or '-' "
            "(at most 128 characters, starting with a letter or digit)"
        )
    return text


def normalise_field(value: object) -> str:
    """Return the canonical name of a UniM field, accepting aliases (``GA``, ``general_area``).

    Raises:
        ValueError: When the value names none of the three fields.
    """
    name = normalise_domain(value)
    if name not in FIELDS:
        raise ValueError(f"unknown field {value!r}; expected one of {', '.join(FIELDS)}")
    return name


def tag_modality(tag: str) -> str:
    """Return the modality of a ``modal`` key (``threeD2`` -> ``threeD``, ``text1`` -> ``text``).

    Raises:
        ValueError: When the key is not ``<modality><number>``.
    """
    match = TAG_PATTERN.fullmatch(tag) if isinstance(tag, str) else None
    if match is None:
        raise ValueError(
            f"{str(tag)[:40]!r} is not a valid tag name; use <modality><number> with modality "
            f"one of {', '.join(TAG_MODALITIES)} (e.g. image1, threeD2)"
        )
    return match.group(1)


def content_tags(content: str) -> tuple[list[str], list[str]]:
    """Find the placeholders of ``content``.

    Returns:
        ``(tags, malformed)``: the valid tags in reading order (repeats kept), and every
        bracketed word that names a modality but is not a valid tag (``<Image1>``, ``<image>``,
        ``<3d1>``, ``<img2>``), as written.
    """
    tags: list[str] = []
    malformed: list[str] = []
    for match in _CANDIDATE_PATTERN.finditer(content):
        word = match.group(1)
        if word.lower() not in _MODALITY_WORDS:
            continue
        text = match.group(0)
        if TAG_PATTERN.fullmatch(text[1:-1]):
            tags.append(text[1:-1])
        else:
            malformed.append(text)
    return tags, malformed


def is_file_reference(tag: str, value: str) -> bool:
    """Whether a ``modal`` value names a file (``False`` for literal text or inline code).

    ``text<n>`` values are always the text itself; a ``code<n>`` value is a path only when it is
    one token ending in a file suffix (``code/solution.py``), otherwise it is the code itself.
    """
    if tag.startswith("text"):
        return False
    if tag.startswith("code"):
        return _FILE_NAME_PATTERN.fullmatch(value) is not None
    return True
