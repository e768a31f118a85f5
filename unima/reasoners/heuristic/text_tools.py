"""Deterministic text helpers for the heuristic reasoner: sentences, key terms, topics."""

from __future__ import annotations

import re
from collections import Counter

from unima.types import PLACEHOLDER_PATTERN

STOPWORDS = frozenset(
    """a about above after again all also an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having here how i if in into is it its itself just me more most my no nor not
    now of off on once only or other our out over own same she should so some such than that the
    their them then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours please include
    including answer response provide give make show shows shown explain describe using use
    must should ensure contain contains containing one two three four five six seven eight nine
    ten first second also short brief given following attached input inputs image images audio
    video videos document documents code diagram diagrams chart charts picture pictures clip
    clips narrated narration model mesh file files pdf report let tell help need want write
    summarise summarize discuss illustrate create generate produce based""".split()
)

# Sentences that only state what the answer must contain, not what it is about.
INSTRUCTION_PATTERN = re.compile(
    r"\b(include|includes|including|ensure|must contain|should contain|answer must|answer should|"
    r"response must|response should|provide the answer|respond with|attach|your answer|your response)\b",
    re.IGNORECASE,
)
ASKING_PATTERN = re.compile(
    r"^(please\s+)?(can you\s+|could you\s+)?(explain|describe|summari[sz]e|discuss|show(?: me)?|"
    r"tell me|illustrate|outline|compare|analy[sz]e|compute|calculate|find|give(?: me)?|write|"
    r"create|design|"
    r"listen to|look at|using|based on)[\s,]+",
    re.IGNORECASE,
)
DEPICTION_OPENING = re.compile(
    r"^(?:an?\s+)?(?:picture|image|photo|photograph|drawing|painting|illustration)\s+of\s+", re.I
)
YEAR_PATTERN = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")


def split_sentences(text: str) -> list[str]:
    text = " ".join(text.split())
    if not text:
        return []
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(<])", text)
    return [part.strip() for part in parts if part.strip()]


def strip_placeholders(text: str) -> str:
    """Replace ``<image1>`` with ``image1`` so text can be spoken or drawn."""
    return PLACEHOLDER_PATTERN.sub(lambda match: f"{match.group(1)} {match.group(2)}", text)


# A trailing clause that only asks for files: "..., with a diagram", "... in a short report
# (PDF)", "..., and narrate it as a short audio clip", "with a diagram and a short narration".
_MEDIA_NOUN = (
    r"(?:diagram|chart|graph|image|picture|illustration|video|clip|narration|report|pdf|"
    r"document|model|program|code|script|map|slide|recording|animation)s?"
)
_MEDIA_PHRASE = r"(?:a|an|one|two|three|\d+)\s+[^,.;?!<>]*?\b" + _MEDIA_NOUN + r"\b(?:\s*\(\w+\))?"
# "Explain compound interest and write Python code that computes it": the second clause asks
# for a file; the question is the first.
MAKING_CLAUSE = re.compile(
    r"(?:\s*,\s*|\s+)and\s+(?:then\s+)?(?:write|make|create|draw|produce|generate|build|"
    r"record|add)\s+(?:me\s+)?(?:a|an|one|some|two|three|\d+)?\s*[^,.;?!<>]*?\b"
    + _MEDIA_NOUN
    + r"\b.*?(?=\s*[.?!]?\s*$)",
    re.IGNORECASE,
)
FORMAT_CLAUSE = re.compile(
    r"(?:\s*,\s*|\s+)(?:and\s+)?(?:with|in|as|narrate\s+(?:it|the\s+\w+)\s+as)\s+"
    + _MEDIA_PHRASE
    + r"(?:\s+and\s+"
    + _MEDIA_PHRASE
    + r")*(?=\s*[.?!]?\s*$)",
    re.IGNORECASE,
)

# "Show me a plated dish and a narrated 10-second clip": a described medium after "and" at the
# end (the describing word keeps "the difference between a chart and a diagram" whole).
TRAILING_MEDIUM = re.compile(
    r"(?:\s*,\s*|\s+)and\s+(?:a|an|one)\s+(?:(?:short|brief|quick|narrated|animated|"
    r"\d+[- ](?:second|minute))\s+)+(?:video|clip|animation|narration|recording|audio clip)s?"
    r"\b(?=\s*[.?!]?\s*$)",
    re.IGNORECASE,
)


def core_question(text: str) -> str:
    """The request without what only states the output format: instruction sentences
    ("Include one diagram.") and trailing clauses asking for files (", with a diagram")."""
    sentences = split_sentences(text)
    kept = [sentence for sentence in sentences if not INSTRUCTION_PATTERN.search(sentence)]
    trimmed = []
    for sentence in kept or sentences[:1]:
        stripped = TRAILING_MEDIUM.sub(
            "", MAKING_CLAUSE.sub("", FORMAT_CLAUSE.sub("", sentence))
        ).strip()
        if stripped and stripped != sentence and stripped[-1] not in ".?!":
            stripped += "?" if sentence.rstrip().endswith("?") else "."
        trimmed.append(stripped if len(stripped.split()) >= 2 else sentence)
    return " ".join(trimmed).strip()


# "Make a 3D model of a gear and explain what gears do": the files are made by tools; a model
# asked this writes how to build a model. The question it is asked is about the subject.
MAKING_REQUEST = re.compile(
    r"^(?:please\s+)?(?:make|create|produce|generate|build|design|render|draw|write|record|film)"
    r"\s+(?:me\s+)?(?:a|an|one|some)?\s*(?P<media>[^,]*?\b(?:3d models?|models?|videos?|"
    r"animations?|clips?|images?|pictures?|illustrations?|drawings?|diagrams?|charts?|reports?|"
    r"documents?|pdfs?|narrations?|programs?|code|scripts?)\b(?:\s*\(\w+\))?)\s+"
    r"(?P<link>of|about|on|showing|explaining|describing|comparing|with|that|for|to)\s+"
    r"(?P<rest>.+?)[.?!]?$",
    re.IGNORECASE,
)
FOLLOW_UP = re.compile(r",?\s+and\s+(?P<verb>explain|describe|show|tell me)\s+(?P<what>.+)$", re.I)
CODE_MEDIA = re.compile(r"\b(programs?|code|scripts?)\b", re.IGNORECASE)


def subject_question(question: str) -> str:
    """``question`` asked about its subject rather than the files it requests.

    "Make a short video about how a caterpillar becomes a butterfly." becomes "Explain how a
    caterpillar becomes a butterfly."; "Make a 3D model of a gear and explain what gears do."
    becomes "A gear: explain what gears do."; "Write Python code that reverses a string, and
    explain it." becomes "Explain in words how a program that reverses a string works.";
    "Write a short report (PDF) comparing TCP and UDP." becomes "Compare TCP and UDP." Other
    questions are returned as they are.
    """
    match = MAKING_REQUEST.match(question.strip())
    if match is None:
        return question
    link, rest = match.group("link").lower(), match.group("rest").strip()
    if CODE_MEDIA.search(match.group("media")):
        rest = re.sub(r",?\s+and\s+(explain|describe)\s+(it|how it works)$", "", rest, flags=re.I)
        subject = f"a program {link} {rest}" if link in ("that", "to", "for") else rest
        return f"Explain in words how {subject} works."
    follow = FOLLOW_UP.search(rest)
    if follow is not None:
        thing = rest[: follow.start()].strip()
        return f"{thing[:1].upper()}{thing[1:]}: {follow.group('verb').lower()} {follow.group('what')}."
    if link == "comparing":
        return f"Compare {rest}."
    if link == "with":
        return f"Give {rest}."
    if link == "of":
        return f"Describe {rest}: what it is, its main parts and what they do."
    return f"Explain {rest}."


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z][A-Za-z'\-]+", text)


def key_terms(text: str, limit: int = 8) -> list[str]:
    """Content words of ``text`` by frequency, then first appearance."""
    tokens = [token.lower().strip("'-") for token in words(strip_placeholders(text))]
    tokens = [token for token in tokens if len(token) > 2 and token not in STOPWORDS]
    counts = Counter(tokens)
    order = {token: index for index, token in reversed(list(enumerate(tokens)))}
    ranked = sorted(counts, key=lambda token: (-counts[token], order[token]))
    return ranked[:limit]


def topic_of(question: str) -> str:
    """A short noun phrase for what the question is about ("how a rainbow forms")."""
    sentences = split_sentences(question)
    # The asking sentence names the topic; sentences describing the inputs come before it.
    asking = [s for s in sentences if s.endswith("?") or ASKING_PATTERN.match(s)]
    sentence = (asking or sentences or [question])[0]
    # "the mean score in <document1>" is about the mean score; the tag is where, not what.
    sentence = re.sub(
        r"\s*\b(in|from|of|on|shown in|given in)?\s*" + PLACEHOLDER_PATTERN.pattern, "", sentence
    )
    sentence = re.split(
        r",?\s+and\s+(?=(?:then\s+)?(?:plot|draw|show|give|make|list|compute|calculate|"
        r"summari[sz]e|explain|describe|suggest|create|write)\b)",
        sentence,
    )[0]
    is_question = sentence.endswith("?")
    sentence = re.sub(r"\s+,", ",", strip_placeholders(sentence)).rstrip(".?!")
    if not is_question:
        sentence = ASKING_PATTERN.sub("", sentence)
        # "a picture of a plated dish" is about the dish.
        sentence = DEPICTION_OPENING.sub("", sentence)
    sentence = sentence.strip(" ,")
    return sentence[:120] if sentence else "the question"


def rank_sentences(sentences: list[str], terms: list[str], limit: int) -> list[str]:
    """The sentences sharing most terms with the question, in their original order."""
    wanted = set(terms)
    scored = []
    for index, sentence in enumerate(sentences):
        tokens = {token.lower() for token in words(sentence)}
        scored.append((len(tokens & wanted), -index, sentence))
    best = sorted(scored, reverse=True)[:limit]
    return [sentence for _, _, sentence in sorted(best, key=lambda item: -item[1])]


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def year_events(text: str, limit: int = 8) -> list[tuple[str, float]]:
    """(event, year) pairs from sentences that mention a year, in year order."""
    events = []
    for sentence in split_sentences(text):
        for year in YEAR_PATTERN.findall(sentence):
            label = YEAR_PATTERN.sub("", sentence)
            label = re.sub(r"\b(in|around|by|from|until|circa|c\.)\s*(?=[,.]|$)", "", label).strip(
                " ,.;"
            )
            events.append((shorten(label, 40) or year, float(year)))
    unique = {year: label for label, year in events}
    return sorted(((label, year) for year, label in unique.items()), key=lambda item: item[1])[
        :limit
    ]


# Questions reworded as the phrase after "about": "What is X" -> "X", "Why is the sky blue" ->
# "why the sky is blue". Other questions ("What happened in 1969") get no phrase.
SUBJECT_FORMS = (
    (re.compile(r"(?i)^(?:what|who) (?:is|are|was|were) (.+)$"), r"\1"),
    (re.compile(r"(?i)^why (is|are|was|were) (the \w+|\w+) (.+)$"), r"why \2 \1 \3"),
)
QUESTION_START = re.compile(
    r"(?i)^(what|who|whom|whose|why|when|where|which|how|is|are|was|were|do|does|did|can|could|"
    r"should|would|will)\b"
)


def subject_phrase(question: str) -> str:
    """What a question is about as a short phrase (``the capital of Australia``, ``why the sky
    is blue``, ``how a rainbow forms``), or empty when no simple rewording fits."""
    topic = strip_placeholders(topic_of(question)).strip()
    for pattern, replacement in SUBJECT_FORMS:
        match = pattern.match(topic)
        if match:
            topic = match.expand(replacement)
            break
    else:
        # "how a rainbow forms" (from "Explain how ...") reads as a subject; "What happened
        # in 1969" does not.
        if "?" in question and QUESTION_START.match(topic):
            return ""
    return topic if 0 < len(topic.split()) <= 10 and not re.search(r"[;:]", topic) else ""
