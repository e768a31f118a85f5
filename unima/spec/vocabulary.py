"""Media words for the output-spec parser (``unima.spec.parser``): which words name which
modality, and how they combine in a noun phrase ("audio clip", "3D printable", "video recording").

Words are lower case; a phrase is a tuple of words, since the tokenizer drops hyphens
("voice-over" and "voice over" are both ``("voice", "over")``). The grammar around these words
(quantities, request frames, negation) is in ``unima.spec.grammar``.
"""

from __future__ import annotations

from dataclasses import dataclass

ALL_MEDIA = "*"  # the modality of "media", "attachments": only meaningful when negated


@dataclass(frozen=True, slots=True)
class Term:
    """How one word or phrase bears on the modality of the noun phrase it appears in.

    Attributes:
        modality: the media modality it names, ``ALL_MEDIA``, or None for a generic head such as
            "summary" or "file", which takes its modality from a word before it.
        noun: whether it can head a noun phrase ("image"); modifiers ("spoken") cannot.
        lends: whether it gives its modality to a generic head after it ("audio clip").
        overridable: whether a lending word before it decides its modality instead
            ("video recording" is a video although "recording" alone is audio).
        plural: a plural form ("images").
        standalone: a modifier that may carry a phrase whose head it does not know
            ("a 3D printable bracket").
    """

    modality: str | None
    noun: bool = True
    lends: bool = True
    overridable: bool = False
    plural: bool = False
    standalone: bool = False


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


TERMS: dict[tuple[str, ...], Term] = {}
MAX_TERM_WORDS = 3


def _plural(word: str) -> str:
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def _add_nouns(modality: str | None, *phrases: str, **flags: bool) -> None:
    for phrase in phrases:
        words = tuple(phrase.split())
        TERMS[words] = Term(modality, **flags)
        plural = (*words[:-1], _plural(words[-1]))
        TERMS.setdefault(plural, Term(modality, plural=True, **flags))


def _add_modifiers(modality: str, *phrases: str, standalone: bool = False) -> None:
    for phrase in phrases:
        TERMS[tuple(phrase.split())] = Term(modality, noun=False, standalone=standalone)


# Nouns lend their modality to a generic head after them ("video recording", "PDF summary").
# Images. "graph" is a figure here; "timeline" is deliberately absent: "give a timeline" asks for
# text, "a picture of the timeline" for an image.
_add_nouns(
    "image",
    "image",
    "picture",
    "pic",
    "photo",
    "photograph",
    "diagram",
    "chart",
    "plot",
    "graph",
    "figure",
    "illustration",
    "map",
    "drawing",
    "sketch",
    "infographic",
    "visualization",
    "visualisation",
    "visual",
    "graphic",
    "rendering",
    "render",
    "painting",
    "poster",
    "icon",
    "logo",
    "screenshot",
    "heatmap",
    "histogram",
    "flowchart",
    "flow chart",
    "mind map",
    "schematic",
    "blueprint",
    "floor plan",
    "storyboard",
    "collage",
    "thumbnail",
    "banner",
    "artwork",
    "selfie",
    "png",
    "jpeg",
    "jpg",
    "svg",
    "scatterplot",
    "comic",
    "meme",
    "imagery",
)
_add_nouns("image", "gif", "cartoon", overridable=True)  # "an animated GIF" is a video
_add_modifiers("image", "pictorial", "graphical", "photographic", "illustrated", standalone=True)

# Audio. "sound" names audio but lends nothing: "a sound explanation" is a good one, not a clip.
_add_nouns(
    "audio",
    "audio",
    "voice over",
    "voiceover",
    "audio clip",
    "sound clip",
    "voice clip",
    "voice note",
    "voice message",
    "voice memo",
    "voicemail",
    "song",
    "jingle",
    "melody",
    "tune",
    "audiobook",
    "audio book",
    "mp3",
    "wav",
    "ringtone",
    "sound effect",
    "spoken summary",
    "music",
    "voice",
)
_add_nouns("audio", "podcast", "recording", "narration", "speech", overridable=True)
_add_nouns("audio", "sound", lends=False)
_add_modifiers("audio", "spoken", "narrated", "voiced", "audible", "vocal", standalone=True)

# Video. "clip" alone names no modality: "audio clip" is audio, "video clip" video.
_add_nouns(
    "video",
    "video",
    "animation",
    "movie",
    "film",
    "screencast",
    "screen recording",
    "time lapse",
    "timelapse",
    "slideshow",
    "vlog",
    "trailer",
    "mp4",
    "video clip",
    "footage",
)
_add_modifiers("video", "animated", "moving", standalone=True)

# Documents.
_add_nouns(
    "document",
    "document",
    "doc",
    "docx",
    "pdf",
    "report",
    "table",
    "handout",
    "worksheet",
    "spreadsheet",
    "brochure",
    "pamphlet",
    "leaflet",
    "flyer",
    "booklet",
    "slide",
    "slide deck",
    "pptx",
    "powerpoint",
    "excel sheet",
    "excel file",
    "word document",
    "word doc",
    "word file",
    "csv",
    "ebook",
    "e book",
    "fact sheet",
    "factsheet",
    "printable",
    "xlsx",
    "odt",
)
_add_modifiers("document", "excel", standalone=True)

# Code. "function of x" is mathematics, not code: handled in the parser.
_add_nouns(
    "code",
    "code",
    "script",
    "snippet",
    "code snippet",
    "program",
    "function",
    "implementation",
    "source code",
    "pseudocode",
    "regex",
    "regular expression",
    "unit test",
    "test suite",
    "patch",
    "ipynb",
)
_add_modifiers(
    "code",
    "python",
    "javascript",
    "typescript",
    "java",
    "rust",
    "golang",
    "sql",
    "bash",
    "shell",
    "powershell",
    "html",
    "css",
    "matlab",
    "julia",
    "kotlin",
    "swift",
    "ruby",
    "php",
    "haskell",
    "scala",
    "perl",
    "lua",
    "jupyter",
    "py",
    "coded",
)

# 3D. "model" alone is a generic head: "a model answer" is not a mesh.
_add_nouns(
    "threeD",
    "mesh",
    "point cloud",
    "stl",
    "obj",
    "glb",
    "gltf",
    "ply",
    "fbx",
    "3mf",
    "3d model",
    "3d mesh",
    "cad model",
)
_add_modifiers(
    "threeD", "3d", "cad", "3d printable", "three dimensional", "3d printed", standalone=True
)

# Generic heads: their modality comes from a lending word before them ("an audio summary").
_add_nouns(
    None,
    "summary",
    "explanation",
    "overview",
    "walkthrough",
    "walk through",
    "version",
    "copy",
    "edition",
    "variant",
    "output",
    "message",
    "note",
    "guide",
    "tutorial",
    "demo",
    "demonstration",
    "presentation",
    "lecture",
    "commentary",
    "rendition",
    "representation",
    "reading",
    "format",
    "example",
    "sample",
    "model",
    "object",
    "asset",
    "export",
    "clip",
    "track",
    "segment",
    "excerpt",
    "piece",
    "class",
    "module",
    "method",
    "query",
    "command",
    "notebook",
    "answer",
    "response",
    "reply",
    "part",
    "scene",
    "shape",
    "print",
    "deck",
    "recap",
    "story",
    "lesson",
    "interview",
    "webpage",
    "page",
    "sheet",
)
# "Media" and "attachments" name no one modality; they matter when excluded ("no media").
_add_nouns(ALL_MEDIA, "media", "multimedia")
_add_nouns(ALL_MEDIA, "attachment", "file", overridable=True)

# A media word followed by one of these names a piece of text ("an image caption").
TEXT_HEADS = _words(
    "caption captions description descriptions transcript transcripts transcription title titles "
    "label labels legend alt prompt prompts name names filename link links url path citation "
    "review critique analysis outline"
)

# The first words of every term, so the reader looks a phrase up only where one may start.
TERM_STARTS = frozenset(key[0] for key in TERMS)
# First words of terms that name a modality. A sentence with none of them (nor a placeholder,
# nor "text only") cannot state anything. Generic heads ("summary", "lecture") are left out:
# alone they name nothing, and the words that give them a modality are in; "version" stays for
# "the fixed version of <code1>".
MEDIA_STARTS = frozenset(key[0] for key, term in TERMS.items() if term.modality is not None) | {
    "version",
    "versions",
    "copy",
    "edition",
    "variant",
    "rendition",
}

# Media in general and file formats: "answer in audio", "write it in PDF" ask for an item, where
# another bare noun after "in" ("perspective in Renaissance painting") names a field.
MEDIUM_WORDS = _words(
    "pdf docx doc pptx xlsx csv html markdown md txt mp3 wav ogg flac mp4 webm mov gif png jpg "
    "jpeg svg webp glb gltf obj stl ply audio video videos image images picture pictures diagram "
    "diagrams chart charts graph graphs code speech narration animation animations slides "
    "document documents table tables 3d"
)
