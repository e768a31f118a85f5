"""Grammar tables for the output-spec parser (``unima.spec.parser``).

How quantities are spelled, which words open a request ("include", "provide" ...), which close
one ("that", "because" ...), which negate one ("without", "don't" ...) and which make what follows
the content of something else ("of", "from" ...). Words are lower case; phrases are written with
spaces and kept as tuples of words. The media words themselves are in
``unima.spec.vocabulary``.
"""

from __future__ import annotations

from typing import TypeVar

from unima.spec.vocabulary import MEDIA_STARTS

Value = TypeVar("Value")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _phrases(groups: dict[Value, str]) -> dict[tuple[str, ...], Value]:
    """``{value: "phrase | phrase"}`` as ``{("phrase", "words"): value}``."""
    return {
        tuple(phrase.split()): value
        for value, phrases in groups.items()
        for phrase in phrases.split("|")
    }


def _first_words(*tables: object) -> frozenset[str]:
    return frozenset(key[0] for table in tables for key in table)  # type: ignore[attr-defined]


# Quantities. Vague words read as a definite number, and the reading is noted in the spec.
_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
_TEENS = "fifteen sixteen seventeen eighteen nineteen twenty"
NUMBER_WORDS = dict(zip(f"{_ONES} {_TEENS}".split(), range(21), strict=True))
_TENS = "thirty forty fifty sixty seventy eighty ninety"
NUMBER_WORDS.update(zip(_TENS.split(), range(30, 100, 10), strict=True))
NUMBER_WORDS.update(hundred=100, thousand=1000, million=1_000_000)
TENS = _words("twenty thirty forty fifty sixty seventy eighty ninety")
VAGUE_MANY = 3  # "several", "a few", "many": three items
VAGUE_SOME = 2  # "some", "multiple", a bare plural ("include diagrams"): two items
# (count, "exact" or "vague") for each spelling.
QUANTITY_PHRASES = _phrases(
    {
        (0, "exact"): "no | none of the",
        (1, "exact"): "a | an | a single | single | another | one more | an extra | any",
        (2, "exact"): "a pair of | pair of | a couple of | a couple | couple of | both",
        (3, "exact"): "a trio of",
        (6, "exact"): "half a dozen",
        (12, "exact"): "a dozen | dozen",
        (100, "exact"): "a hundred",
        (1000, "exact"): "a thousand",
        (VAGUE_SOME, "vague"): "some | multiple",
        (VAGUE_MANY, "vague"): (
            "a few | several | a handful of | a number of | a series of | a set of | a sequence of "
            "| a collection of | a bunch of | a lot of | lots of | many | numerous | various"
        ),
        (24, "vague"): "dozens of",
        (200, "vague"): "hundreds of",
        (2000, "vague"): "thousands of",
    }
)
# Words before a number, and what they add to it: most leave it as it is ("at least two").
QUANTITY_PREFIXES = _phrases(
    {
        0: (
            "exactly | precisely | just | only | at least | at most | up to | no more than "
            "| not more than | no fewer than | no less than | a maximum of | a minimum of | maximum "
            "| minimum | max | min | about | around | approximately | roughly"
        ),
        1: "more than | over",
        -1: "fewer than | less than",
    }
)
DEFINITE = _words("the this these those your my our its their his her")

# Request frames. A trigger opens the request scope for the rest of its clause.
TRIGGER_VERBS = _words(
    "include provide generate create draw produce attach make render add give supply prepare "
    "compose write design build sketch plot return output deliver send share insert embed append "
    "record film present illustrate visualise visualize accompany respond reply answer want need "
    "require request expect contain draft craft synthesize synthesise narrate export convert turn "
    "transform offer"
)
# "as" before these words says how a thing is done ("as follows", "as described above"), not in
# what form an answer comes ("as a PDF").
AS_HOW = _words(
    "follows follow below above described shown instructed outlined needed required usual "
    "before well much soon long possible"
)
CONVERT_VERBS = frozenset({"convert", "turn", "transform", "export", "render", "make"})
# Verbs that open a request only after the answer itself ("your answer must contain ...").
FRAME_VERBS = _words(
    "includes include contains contain has have features feature is be consists consist comprises "
    "comprise incorporates incorporate comes come embeds carries including containing featuring"
)
ANSWER_NOUNS = _words(
    "answer answers response responses reply replies output outputs solution submission "
    "deliverable deliverables explanation it you"
)
MODAL_WORDS = _words(
    "should must will would shall can could may might also always to needs need has have be "
    "please definitely ideally additionally further really absolutely then"
)
# Nouns before a colon that open a request: "Output: two images".
COLON_TRIGGERS = _words(
    "output outputs deliverable deliverables format required requirements requirement include "
    "attachments media answer response"
)
# Words after "be" that make the noun phrases before them requests ("two images are required").
PASSIVE_WORDS = _words(
    "included provided attached required needed generated added produced created expected "
    "necessary mandatory welcome wanted desired requested rendered supplied delivered enough sufficient"
)
BE_WORDS = frozenset({"be", "is", "are", "been"})

# Phrases that play one role together; checked before single words.
MARKERS = _phrases(
    {
        "neutral": "make sure | make certain | not only | not just",
        "frame": "consist of | consists of | comprised of | composed of | made up of",
        "coordinate": (
            "as well as | along with | together with | accompanied by | in addition to "
            "| supported by | illustrated with | illustrated by"
        ),
        "block": "such as | for example | for instance",
        "negate": (
            "instead of | rather than | other than | apart from | leave out | no need for "
            "| refrain from"
        ),
        "subordinate": "in order to | so that | such that",
        "trigger": (
            "would like | i'd like | we'd like | would love | i'd love | show me | show us "
            "| in the form of | in form of | the form of"
        ),
    }
)
TEXT_ONLY_PHRASES = frozenset(
    _phrases(
        {
            True: (
                "text only | only text | just text | plain text | purely text | text alone "
                "| nothing but text | only words | words only | only in text | text and nothing else"
            )
        }
    )
)

COORDINATORS = frozenset({"and", "or", "plus", "nor", "&", ",", ":", "(", ")", "also", "then"})
# Words after which a noun phrase is the content of another thing, not a request.
BLOCKERS = _words(
    "of about from in on at for like by into onto than between regarding concerning per via "
    "within inside under over through across during after before above below behind near toward "
    "towards among against using based given to e.g i.e vs"
)
SUBORDINATORS = _words(
    "because since although though while whereas if unless when whenever where wherever which "
    "who whom whose that why how whether"
)
NEGATORS = _words(
    "not never no without don't dont doesn't shouldn't mustn't can't cannot won't wouldn't "
    "avoid omit exclude excluding skip nor neither except"
)
# Negators that are verbs or prepositions: they open a negated request ("avoid images").
NEGATING_VERBS = _words("without avoid omit exclude excluding skip except")
# "But" and friends end a negation: "no video, but an image".
CONTRAST = frozenset({"but", "however", "instead", "rather", "yet"})
# Verbs that end a subject and open a description ("<image1> is a photo of a dish").
DESCRIBING_VERBS = _words(
    "is are was were shows show depicts depict describes lists list records contains has have "
    "displays illustrates presents represents gives explains summarises summarizes includes "
    "features plots charts maps outlines compares"
)
# Adjectives that make a noun phrase point at an input ("the attached PDF").
REFERENCE_ADJECTIVES = _words(
    "attached given provided above following input original uploaded accompanying previous "
    "existing enclosed supplied shared aforementioned referenced linked earlier same"
)
# Words after "to" that keep a request going ("I'd like to see a chart").
TO_REQUEST_VERBS = _words("see hear get have receive watch view")
# A sentence starting with one of these describes; one starting with a verb asks.
DECLARATIVE_STARTERS = _words(
    "the this that these those a an it there here in on at my our your his her its their we i "
    "he she they you one some each every"
) | {"the"}
SENTENCE_OPENERS = _words("please also now then and finally next lastly kindly so")
# Words ending in -ing that are nouns, not participles that start a description.
ING_NOUNS = _words(
    "building buildings thing things something anything everything nothing string strings ring "
    "king spring wing evening morning ceiling sibling clothing painting drawing recording "
    "rendering reading setting ending beginning heading padding pudding"
)


# Attachments a host absorbs: "a video with narration" is one video; "a PDF report with two
# charts" is one document that shows them.
ABSORBS = {"video": frozenset({"audio", "image"}), "document": frozenset({"image", "code"})}
ATTACHING = frozenset({"with", "including", "containing", "featuring"})

# First words of phrases, so the reader looks a phrase up only where one may start.
MARKER_STARTS = _first_words(MARKERS)
TEXT_ONLY_STARTS = _first_words(TEXT_ONLY_PHRASES)
QUANTITY_STARTS = (
    _first_words(QUANTITY_PHRASES, QUANTITY_PREFIXES) | DEFINITE | set(NUMBER_WORDS) | {"between"}
)
# A sentence with none of these words (and no placeholder) cannot state anything.
ASKING_WORDS = MEDIA_STARTS | TEXT_ONLY_STARTS
PREFIX_STARTS = _first_words(QUANTITY_PREFIXES)
PHRASE_STARTS = _first_words(QUANTITY_PHRASES)
# Every word the reader gives a part; the others it steps over.
ROLE_WORDS = (
    ASKING_WORDS
    | MARKER_STARTS
    | QUANTITY_STARTS
    | TRIGGER_VERBS
    | FRAME_VERBS
    | BE_WORDS
    | ATTACHING
    | COORDINATORS
    | CONTRAST
    | NEGATORS
    | BLOCKERS
    | SUBORDINATORS
    | DESCRIBING_VERBS
    | frozenset({"show", "as", "into", "in", "to", "please"})
)
