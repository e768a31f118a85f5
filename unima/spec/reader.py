"""The token reader behind ``unima.spec.parser``: finds the media a request asks for.

The text is cut into sentences and tokens; a sentence that names no media word, placeholder or
"text only" cannot state anything and is skipped. Each other sentence is read left to right with a
small state: whether a request frame is open ("include ..."), whether a negation is in force
("without ..."), and whether the words are the content of something else ("a picture *of a
map*"). Noun phrases ("two short videos", "a narrated audio clip", "an <audio1>") become
``Mention`` records; the ones read in a request frame are accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from unima.spec import grammar as grammar
from unima.spec import vocabulary as vocabulary
from unima.spec.phrases import Mention, is_participle, noun_phrase
from unima.spec.tokens import lower, sentence_spans, token_offsets, tokenize
from unima.types import tag_modality


@dataclass
class _Sentence:
    start: int
    end: int
    imperative: bool
    scope: bool = False  # a request frame is open
    negative: bool = False
    negator: str = ""  # the words that negated the open frame ("do not", "without")
    blocked: str = ""  # "hard": content of something else; "soft": after "in"
    converting: bool = False  # "turn X into ..."
    described: bool = False  # a describing verb was read: not a fragment
    attach: tuple[int, int] = (-1, -1)  # the span of the last "with", "including", "along with" ...
    pending: list[Mention] = field(default_factory=list)
    last: Mention | None = None
    content_of: str = ""  # after "an image showing ...": same-modality phrases are its content


class SpecReader:
    """Reads one request text; ``accepted`` and ``text_only`` hold what it found."""

    def __init__(self, text: str, input_tags: frozenset[str]) -> None:
        self.text = text
        self.lowered = lower(text)
        self.words: list[str] = []
        self.kinds: list[str] = []
        self.sentences: list[tuple[int, int, int]] = []  # first token, start and end character
        self.input_tags = input_tags
        self.accepted: list[Mention] = []
        self.text_only: list[str] = []
        self.notes: list[str] = []
        self.counted: set[str] = set()
        self._offsets: dict[int, list[tuple[int, int]]] = {}

    def phrase(self, mention: Mention) -> str:
        """The request's own words for ``mention``."""
        return self.quote(mention.start, mention.end)

    def quote(self, start: int, end: int) -> str:
        """The request's own words for the tokens ``start`` to ``end`` of one sentence."""
        first, sentence_start, sentence_end = max(s for s in self.sentences if s[0] <= start)
        offsets = self._offsets.get(first)
        if offsets is None:
            offsets = self._offsets[first] = token_offsets(
                self.lowered, sentence_start, sentence_end
            )
        span = self.text[offsets[start - first][0] : offsets[end - 1 - first][1]]
        return " ".join(span.split())

    def read(self) -> None:
        """Read every sentence that could state something; most sentences name no media."""
        for start, end in sentence_spans(self.lowered):
            words, kinds = tokenize(self.lowered, start, end)
            if grammar.ASKING_WORDS.isdisjoint(words) and not self._names_an_output_tag(
                words, kinds
            ):
                continue
            first = len(self.words)
            self.words.extend(words)
            self.kinds.extend(kinds)
            self.sentences.append((first, start, end))
            self._read_sentence(first, len(self.words))

    def _names_an_output_tag(self, words: list[str], kinds: list[str]) -> bool:
        return "tag" in kinds and any(
            kind == "tag" and word not in self.input_tags
            for word, kind in zip(words, kinds, strict=True)
        )

    # --- sentences -------------------------------------------------------------------------

    def _read_sentence(self, start: int, end: int) -> None:
        sentence = _Sentence(start, end, imperative=self._is_imperative(start, end))
        index, words, kinds = start, self.words, self.kinds
        while index < end:
            word = words[index]
            if (
                kinds[index] == "word"
                and word not in grammar.ROLE_WORDS
                and not word.endswith("ing")
            ):
                index += 1  # a word that plays no part ("quarterly", "revenue")
            else:
                index = self._step(index, sentence)
        self._finish(sentence)

    def _is_imperative(self, start: int, end: int) -> bool:
        index = start
        while index < end and self.words[index] in grammar.SENTENCE_OPENERS:
            index += 1
        if index >= end or self.kinds[index] != "word":
            return False
        return self.words[index] not in grammar.DECLARATIVE_STARTERS

    def _step(self, index: int, sentence: _Sentence) -> int:
        words, word = self.words, self.words[index]
        # A slice past the sentence's end would be shorter than ``length`` and match wrongly.
        lengths = range(min(4, sentence.end - index), 1, -1)
        if word in grammar.MARKER_STARTS:
            for length in lengths:
                marker = grammar.MARKERS.get(tuple(words[index : index + length]))
                if marker is not None:
                    self._marker(marker, index, index + length, sentence)
                    return index + length
        if word in grammar.TEXT_ONLY_STARTS:
            for length in lengths:
                if tuple(words[index : index + length]) in grammar.TEXT_ONLY_PHRASES:
                    self._text_only(index, index + length, sentence)
                    return index + length
        kind = self.kinds[index]
        if kind == "tag":
            return self._placeholder(index, sentence)
        possible = (
            kind == "number" or word in grammar.QUANTITY_STARTS or word in vocabulary.TERM_STARTS
        )
        found = possible and noun_phrase(
            words, self.kinds, self.input_tags, index, sentence.start, sentence.end
        )
        if found:
            mention, after = found
            if mention is not None:
                after = self._consider(mention, after, sentence)
            if after > index:
                return after
        self._word(index, sentence)
        return index + 1

    def _finish(self, sentence: _Sentence) -> None:
        pending = sentence.pending
        if not pending:
            return
        opener = sentence.start
        while opener < sentence.end and self.words[opener] in grammar.SENTENCE_OPENERS:
            opener += 1
        fragment = (
            not sentence.described
            and pending[0].start == opener
            and not any(
                self.kinds[position] == "tag" for position in range(sentence.start, sentence.end)
            )
        )
        for mention in pending:
            clause_start = mention.start == opener or self.words[mention.start - 1] in (",", "but")
            closed = mention.end >= sentence.end or self.words[mention.end] in (
                ",",
                "but",
                "please",
            )
            if fragment or (mention.negative and clause_start and closed):
                self._accept(mention, sentence)

    # --- roles -----------------------------------------------------------------------------

    def _marker(self, marker: str, start: int, end: int, sentence: _Sentence) -> None:
        if marker == "trigger" or (marker == "frame" and self._after_answer_noun(start, sentence)):
            self._open(start, sentence)
        elif marker == "coordinate":
            sentence.blocked = ""
            sentence.attach = (start, end)
            if not sentence.scope and sentence.imperative:
                sentence.scope = True
        elif marker == "block":
            sentence.blocked = "hard"
        elif marker == "negate":
            self._negate(start, sentence, " ".join(self.words[start:end]))
        elif marker == "subordinate":
            self._close(sentence)

    def _text_only(self, start: int, end: int, sentence: _Sentence) -> None:
        # "only text and an image" restricts the answer to the listed items: not text only.
        if end < sentence.end and self.words[end] in ("and", "plus", "&", "with"):
            return
        answer_words = grammar.ANSWER_NOUNS | {"respond", "reply", "answer", "write"}
        sentence_words = self.words[sentence.start : sentence.end]
        # "..., in text only" / "as plain text" state the answer's form even without a verb.
        framed = start > sentence.start and self.words[start - 1] in ("in", "as")
        if (
            sentence.scope
            or framed
            or start == sentence.start
            or any(word in answer_words for word in sentence_words)
        ):
            self.text_only.append(self.quote(start, end))

    def _placeholder(self, index: int, sentence: _Sentence) -> int:
        tag = self.words[index]
        previous = self.words[index - 1] if index > sentence.start else ""
        if tag in self.input_tags or sentence.blocked or previous in grammar.DEFINITE:
            return index + 1  # a reference to an input
        mention = Mention(tag_modality(tag), 1, index, index + 1, tags=[tag])
        return self._consider(mention, index + 1, sentence)

    def _word(self, index: int, sentence: _Sentence) -> None:
        word, kind = self.words[index], self.kinds[index]
        previous = self.words[index - 1] if index > sentence.start else ""
        following = self.words[index + 1] if index + 1 < sentence.end else ""
        if kind == "punct":
            sentence.blocked, sentence.content_of = "", ""
            if word == ":" and previous in grammar.COLON_TRIGGERS:
                self._open(index, sentence)
        elif (
            word in grammar.TRIGGER_VERBS
            and previous not in grammar.DEFINITE
            and previous not in ("a", "an")
        ):
            self._open(index, sentence)
            sentence.converting = sentence.converting or word in grammar.CONVERT_VERBS
        elif (word == "show" and index == self._first_word(sentence)) or (
            word in grammar.FRAME_VERBS and self._after_answer_noun(index, sentence)
        ):
            self._open(index, sentence)
        elif word in grammar.BE_WORDS and self._passive(index, sentence):
            pass
        elif word == "as" and following in grammar.AS_HOW:
            sentence.blocked = "hard"  # "as follows: (1) decode the visual cues" says how
        elif word in grammar.ATTACHING or word == "as":
            self._attaching(index, sentence)
        elif word in grammar.COORDINATORS:
            sentence.blocked = ""
        elif word in grammar.CONTRAST:
            sentence.negative, sentence.blocked = False, ""
        elif word in grammar.NEGATORS:
            self._negate(index, sentence)
        elif word == "into" and sentence.converting:
            sentence.scope, sentence.blocked = True, ""
        elif word == "in":
            sentence.blocked = "soft"  # "in a short video" asks, "in the attached PDF" points
        elif word == "to":
            request_follows = (
                following in grammar.TRIGGER_VERBS or following in grammar.TO_REQUEST_VERBS
            )
            sentence.blocked = "" if request_follows else "hard"
        elif word in grammar.BLOCKERS:
            sentence.blocked = "hard"
        elif word in grammar.SUBORDINATORS:
            self._close(sentence)
        elif word == "please" and sentence.pending and sentence.pending[-1].end == index:
            self._accept(sentence.pending.pop(), sentence)
        elif word in grammar.DESCRIBING_VERBS or is_participle(word):
            sentence.blocked, sentence.described = "hard", True
            sentence.pending.clear()
            if sentence.last is not None and sentence.last.end == index:
                # "an image showing a map and a chart": the chart is in the image too.
                sentence.content_of = sentence.last.modality

    def _attaching(self, index: int, sentence: _Sentence) -> None:
        """ "with", "as", "including" ...: a request in an imperative or open frame, else content."""
        sentence.attach = (index, index + 1)
        if sentence.scope:
            sentence.blocked = ""
        elif self._after_answer_noun(index, sentence) or (
            sentence.imperative and self.words[index] in ("with", "as")
        ):
            self._open(index, sentence)
        else:
            sentence.blocked = "hard"

    def _negate(self, index: int, sentence: _Sentence, words: str = "") -> None:
        """ "not", "never": negate what follows; "avoid", "without": also open a request."""
        opens = self.words[index] in grammar.NEGATING_VERBS or self.words[index] in (
            "instead",
            "rather",
            "leave",
            "no",
            "refrain",
            "other",
            "apart",
        )
        if opens and not sentence.described:
            sentence.scope = True
        sentence.negative, sentence.blocked = True, ""
        sentence.negator = words or self.words[index]

    def _open(self, index: int, sentence: _Sentence) -> None:
        sentence.scope, sentence.blocked, sentence.content_of = True, "", ""
        sentence.negator = self._negated_before(index, sentence)
        sentence.negative = bool(sentence.negator)

    def _close(self, sentence: _Sentence) -> None:
        sentence.scope, sentence.negative, sentence.blocked = False, False, ""
        sentence.pending.clear()

    def _first_word(self, sentence: _Sentence) -> int:
        index = sentence.start
        while index < sentence.end and self.words[index] in grammar.SENTENCE_OPENERS:
            index += 1
        return index

    def _negated_before(self, index: int, sentence: _Sentence) -> str:
        """The negating word among the three before ``index`` ("do not include"), or ""."""
        for position in range(index - 1, max(sentence.start, index - 4) - 1, -1):
            if self.kinds[position] == "punct":
                return ""
            if self.words[position] in grammar.NEGATORS:
                return self.words[position]
        return ""

    def _after_answer_noun(self, index: int, sentence: _Sentence) -> bool:
        position = index - 1
        while position >= sentence.start and index - position <= 5:
            word = self.words[position]
            if word in grammar.ANSWER_NOUNS:
                needs_modal = word in ("it", "you")
                return not needs_modal or any(
                    self.words[between] in grammar.MODAL_WORDS
                    for between in range(position + 1, index)
                )
            if word not in grammar.MODAL_WORDS and word not in ("not", "only", "both", "either"):
                return False
            position -= 1
        return False

    def _passive(self, index: int, sentence: _Sentence) -> bool:
        """ "... is required", "... should not be included": accept the phrases before it."""
        position = index + 1
        negated = position < sentence.end and self.words[position] in ("not", "never")
        position += negated
        if position >= sentence.end or self.words[position] not in grammar.PASSIVE_WORDS:
            return False
        negator = (
            " ".join(self.words[index : position + 1])
            if negated
            else self._negated_before(index, sentence)
        )
        for mention in sentence.pending:
            if negator and not mention.negative:
                mention.negative, mention.negated_by = True, negator
            self._accept(mention, sentence)
        sentence.pending.clear()
        return True

    # --- mentions --------------------------------------------------------------------------

    def _consider(self, mention: Mention, after: int, sentence: _Sentence) -> int:
        """Accept, defer or drop one mention; returns the index to read on from."""
        if (
            sentence.blocked == "hard"
            or mention.modality == sentence.content_of
            or (sentence.blocked == "soft" and self._field_after_in(mention))
            or (
                sentence.blocked == "soft"
                and (mention.definite or not (sentence.scope or sentence.imperative))
            )
        ):
            return after
        if sentence.negative and mention.count > 0:
            mention.negated_by = sentence.negator
        mention.negative = mention.negative or sentence.negative or mention.count == 0
        if sentence.scope or sentence.blocked == "soft":
            if not sentence.scope and sentence.imperative:
                # "Explain tides in a diagram and a narration": what is coordinated with an
                # item asked for "in" an imperative is asked for too.
                sentence.scope = True
            self._accept(mention, sentence)
        else:
            sentence.pending.append(mention)
        return after

    def _accept(self, mention: Mention, sentence: _Sentence) -> None:
        last, sentence.last = sentence.last, mention
        if not mention.negative:
            if mention.definite and mention.modality in self.counted:
                return  # "the diagram" again: the one already asked for
            if last is not None and not last.negative and self._alternative(last, mention):
                self.notes.append(
                    f"{self.phrase(mention)!r} offered as an alternative to {self.phrase(last)!r}; counted once"
                )
                return
            if last is not None and not last.negative and self._format_of(last, mention):
                self.notes.append(
                    f"{self.phrase(mention)!r} taken as the format of {self.phrase(last)!r}; "
                    "counted once"
                )
                return
            if (
                last is not None
                and not last.negative
                and last.modality == mention.modality
                and last.end == mention.start
            ):
                # "a map-style diagram": two media nouns in one phrase name one item.
                self.notes.append(
                    f"{self.phrase(last)!r} and {self.phrase(mention)!r} read as one item"
                )
                return
            # "a video with narration": the narration belongs to the video.
            if (
                last is not None
                and (last.end, mention.start) == sentence.attach
                and mention.modality in grammar.ABSORBS.get(last.modality, ())
            ):
                self.notes.append(
                    f"{self.phrase(mention)!r} taken as part of {self.phrase(last)!r}"
                )
                return
            self.counted.add(mention.modality)
        self.accepted.append(mention)

    def _format_of(self, last: Mention, mention: Mention) -> bool:
        """ "a report (PDF)", "a report as a PDF", "a report in PDF": one item and its format."""
        if last.modality != mention.modality:
            return False
        between = [
            word for word in self.words[last.end : mention.start] if word not in ("a", "an", "the")
        ]
        return between in (["("], ["as"], ["in"], ["-"], [":"])

    def _field_after_in(self, mention: Mention) -> bool:
        """ "perspective in Renaissance painting": a bare noun after "in" names a field or
        subject, not an item; "in a short video", "in audio" and "in PDF" still ask."""
        first = self.words[mention.start]
        counted = (
            first in ("a", "an", "one", "two", "three", "some", "several")
            or first.isdigit()
            or first in grammar.NUMBER_WORDS
        )
        head = self.words[mention.end - 1]
        return not counted and not mention.definite and head not in vocabulary.MEDIUM_WORDS

    def _alternative(self, last: Mention, mention: Mention) -> bool:
        between = [
            word for word in self.words[last.end : mention.start] if word not in (",", "either")
        ]
        return between == ["or"]
