"""The guided reasoner's questions: one per field, each a prompt, a reply shape and its checks.

A ``Question`` names the prompt template (``unima/prompts/guided_*.j2``), the pydantic model a
JSON reply must fit (``None`` for a plain-text reply) and ``check``, which turns the parsed reply
into the field's value or raises ``BadReply`` with the problem in words a small model can act
on. JSON questions send their schema as an OpenAI-style ``response_format``, so a runtime with
constrained decoding (llama.cpp, vLLM, OpenAI) cannot produce another shape.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from unima.reasoners.heuristic.text_tools import STOPWORDS, split_sentences, words
from unima.types import PLACEHOLDER_PATTERN

MAX_LABEL_CHARS = 40
MIN_NODES = 3
# A box label that is a question ("Why is the sky blue") is the title, not a stage.
QUESTION_START = re.compile(r"(why|how|what|when|where|which|who)\b", re.IGNORECASE)
# Where a node label that reads as a clause ("glucose, a type of sugar that ...") ends its head.
LABEL_HEAD_END = re.compile(r"\s*(?:[,;:(\[]|\s[-–—]\s|\s(?:which|that|who|where|because)\s)")
MAX_HEAD_WORDS = 4
MAX_ANSWER_SENTENCES = 6
# Token caps per reply: 6 sentences fit in about 200 tokens, a diagram or sections object in
# about 150, a short program in 1,000; a reply past these is a small model looping (the
# embedded model once wrote a 3D model's parts until its 120 s deadline).
ANSWER_TOKENS = 360
JSON_REPLY_TOKENS = 300
CODE_TOKENS = 1500
# A sentence whose content words were this share already said says nothing new.
NEAR_DUPLICATE = 0.8
FENCED_CODE = re.compile(r"```[\w+-]*\n.*?(?:```|$)", re.DOTALL)
CODE_MARKERS = re.compile(
    r"^\s*(def |class |import |from \w+ import|return\b|print\(|\w+\s*=)", re.M
)


def _drop_program(fence: re.Match[str]) -> str:
    """A fenced block that holds a program goes; fenced prose keeps its words."""
    return " " if CODE_MARKERS.search(fence.group(0)) else fence.group(0)


# "The diagram below shows ...", "In this diagram, ...": the model cannot see the files the
# answer carries, so what it says of them is invented; the placement sentences describe them.
MEDIA_REFERENCE = re.compile(
    r"\b(?:the|this|these|following)\s+(?:diagram|image|figure|picture|illustration|chart|video|"
    r"animation|audio|narration|clip)s?\s+(?:below|above|shows?|illustrates?|depicts?)\b"
    r"|\bin\s+(?:this|the)\s+(?:diagram|image|figure|picture|illustration|chart|video)\b",
    re.IGNORECASE,
)
# "Here's a step-by-step breakdown of how it works:" introduces what follows and says nothing.
META_OPENING = re.compile(
    r"^(here(?:'s| is| are)\b[^:.]{0,80}(:\s*|\.$)|(in )?(conclusion|summary)\s*[,:]\s*)",
    re.IGNORECASE,
)
MAX_CODE_CHARS = 6000


class BadReply(ValueError):
    """A reply that does not fit its question; the message says what to fix."""


class DiagramEdge(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    source: str = Field(alias="from", description="The label of the node the arrow leaves.")
    target: str = Field(alias="to", description="The label of the node the arrow points to.")
    label: str = Field(default="", max_length=40, description="A word or two on the arrow.")


class DiagramReply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str = Field(default="", max_length=80, description="A short title for the diagram.")
    nodes: list[str] = Field(min_length=MIN_NODES, max_length=8, description="Short box labels.")
    edges: list[DiagramEdge] = Field(default_factory=list, max_length=12)


class SectionReply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    heading: str = Field(min_length=1, max_length=60, description="The section heading.")
    sentences: list[int] = Field(
        min_length=1, max_length=12, description="Numbers of the answer sentences it holds."
    )


class SectionsReply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sections: list[SectionReply] = Field(min_length=2, max_length=4)


@dataclass(frozen=True)
class Diagram:
    """A checked diagram: box labels in drawing order, arrows as (from, to, label)."""

    title: str
    labels: list[str]
    edges: list[tuple[str, str, str]]


@dataclass(frozen=True)
class Question:
    """One field's question.

    Attributes:
        field: the field it fills (``answer``, ``diagram``, ``sections``, ``code``).
        prompt: the template name (``guided_answer`` for ``prompts/guided_answer.j2``).
        reply_model: what a JSON reply must fit; ``None`` for a plain-text reply.
        check: parsed reply (model instance or text) to the field's value, or ``BadReply``.
        max_tokens: the most tokens a good reply needs; a small model that loops stops there
            instead of at the call's deadline (``None``: the model's own limit).
    """

    field: str
    prompt: str
    reply_model: type[BaseModel] | None
    check: Callable[[Any], Any]
    max_tokens: int | None = None

    def response_format(self) -> dict[str, Any] | None:
        """The OpenAI-style ``response_format`` constraint for JSON replies."""
        if self.reply_model is None:
            return None
        return {
            "type": "json_schema",
            "json_schema": {"name": self.prompt, "schema": json_schema(self.reply_model)},
        }


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema (by alias) with ``$defs`` inlined: grammar compilers of small
    runtimes handle plain nested objects more reliably than references."""
    schema = model.model_json_schema(by_alias=True)
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str) and reference.startswith("#/$defs/"):
                return inline(copy.deepcopy(definitions[reference.removeprefix("#/$defs/")]))
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    inlined: dict[str, Any] = inline(schema)
    return inlined


# -- the answer ---------------------------------------------------------------------------------


def clean_text_reply(text: str) -> str:
    """The prose of a reply: no fences, no leading "Answer:", no markdown images or links (a
    link's words stay), one space between words."""
    text = plain_math(text)
    text = re.sub(r"```\w*", " ", text)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)  # ![alt](url): an image it cannot show
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"(?im)^\s*(answer|response)\s*:\s*", "", text)
    text = re.sub(r"(?m)^\s*(#+|[-*•]|\d+[.)])\s+", "", text)  # headings and list markers
    text = re.sub(r"[*_`]{1,3}", "", text)
    return " ".join(text.split())


# LaTeX a model writes in prose: "\\(3 \\times 365 = 1095\\)" reads "3 × 365 = 1095".
LATEX_SYMBOLS = {r"\times": "×", r"\div": "÷", r"\cdot": "·", r"\approx": "≈", r"\pm": "±"}


def plain_math(text: str) -> str:
    """Inline LaTeX as plain text: delimiters dropped, symbols, fractions and text kept."""
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"\1/\2", text)
    text = re.sub(r"\\(?:text|mathrm|textbf)\{([^{}]*)\}", r"\1", text)
    for command, symbol in LATEX_SYMBOLS.items():
        text = re.sub(re.escape(command) + r"(?![A-Za-z])", symbol, text)
    return re.sub(r"\\[()\[\]]|\$\$", "", text)


def check_answer(question: str) -> Callable[[Any], str]:
    """Checks for the answer paragraph: real sentences, not the question, not JSON or code."""

    def check(reply: Any) -> str:
        raw = str(reply).strip()
        if raw.startswith(("{", "[")):
            raise BadReply("it is JSON; write the answer as plain sentences")
        text = PLACEHOLDER_PATTERN.sub(lambda match: f"{match.group(1)} {match.group(2)}", raw)
        # A fenced program inside prose is the code file's job: the prose around it stays.
        text = clean_text_reply(FENCED_CODE.sub(_drop_program, text))
        if _normalised(text) == _normalised(question) or (
            _normalised(question)
            and _normalised(text).startswith(_normalised(question))
            and len(words(text)) <= len(words(question)) + 4
        ):
            raise BadReply("it repeats the question; answer it instead")
        if len(words(text)) < 6:
            raise BadReply("it is too short; write 3 to 6 full sentences that answer the question")
        if re.search(r"\b(def |import |print\()", text) and text.count("(") > 3:
            raise BadReply("it is code; write the answer as plain sentences")
        sentences = answer_sentences(text)
        if not sentences:
            raise BadReply("it is too short; write 3 to 6 full sentences that answer the question")
        return " ".join(sentences)

    return check


def answer_sentences(text: str) -> list[str]:
    """The sentences of an answer worth keeping, at most ``MAX_ANSWER_SENTENCES``.

    Small models loop and pad: a sentence that says again what an earlier one said (most of its
    content words already said, ``NEAR_DUPLICATE``), an opening about the answer itself ("Here's
    a step-by-step breakdown:"), a sentence about files it cannot see ("The diagram below
    shows"), and a last sentence cut off by the token limit add nothing, and
    the later a small model's sentence, the likelier it is wrong, so the answer stops at a few.
    """
    kept: list[str] = []
    said: set[str] = set()
    parts = split_sentences(text)
    if parts and not parts[-1].endswith((".", "!", "?", '"', ")")) and len(parts) > 1:
        parts = parts[:-1]  # cut off mid-sentence by the reply's token limit
    for sentence in parts:
        sentence = META_OPENING.sub("", sentence)
        if not sentence or MEDIA_REFERENCE.search(sentence):
            continue
        sentence = sentence[0].upper() + sentence[1:]
        content = content_words(sentence)
        if kept and content and len(content & said) >= NEAR_DUPLICATE * len(content):
            continue
        said |= content
        kept.append(sentence)
    return kept[:MAX_ANSWER_SENTENCES]


def _normalised(text: str) -> str:
    return " ".join(word.lower() for word in words(text))


# -- diagrams -----------------------------------------------------------------------------------


def content_words(text: str) -> set[str]:
    """Lower-case content words, a plural ``s`` dropped, so ``Plants`` meets ``plant``."""
    found = set()
    for word in words(text):
        word = word.lower().strip("'-")
        if len(word) > 2 and word not in STOPWORDS:
            found.add(word[:-1] if word.endswith("s") and len(word) > 3 else word)
    return found


def check_diagram(answer: str, topic: str = "") -> Callable[[Any], Diagram]:
    """Checks for a diagram: 3-8 distinct short labels drawn from ``answer``, arrows between them.

    A label that restates the question or the topic ("Why is the sky blue") is refused: a box
    must be a stage or a cause, not the title.
    """
    vocabulary = content_words(answer)
    restated = {" ".join(topic.lower().split()).rstrip("?.!")} - {""}

    def check(reply: Any) -> Diagram:
        assert isinstance(reply, DiagramReply)
        labels = [" ".join(PLACEHOLDER_PATTERN.sub(" ", label).split()) for label in reply.nodes]
        empty = [index + 1 for index, label in enumerate(labels) if not label]
        if empty:
            raise BadReply(f"node {empty[0]} is empty; every node needs a short label")
        # A clause is cut to its head ("glucose, a type of sugar ..." -> "glucose") when the head
        # is a short label; edges may name either form.
        aliases = {label.lower(): label_head(label) for label in labels}
        labels = [label_head(label) for label in labels]
        long = [label for label in labels if len(label) > MAX_LABEL_CHARS]
        if long:
            raise BadReply(
                f"the node label {long[0][:60]!r} is over {MAX_LABEL_CHARS} characters; "
                "use 1 to 4 words per node"
            )
        # A label given twice is one box (small models repeat a node when the answer is short);
        # arrows to either copy go to it. Too few boxes left is no diagram.
        kept: dict[str, str] = {}
        for label in labels:
            kept.setdefault(label.lower(), label)
        labels = list(kept.values())
        if len(labels) < MIN_NODES:
            raise BadReply("two nodes have the same label; give each node its own label")
        questions = [
            label
            for label in labels
            if label.lower().rstrip("?.!") in restated or QUESTION_START.match(label)
        ]
        if questions:
            raise BadReply(
                f"the node {questions[0]!r} restates the question; every node must be a stage "
                "or a cause taken from the answer"
            )
        by_lower = {label.lower(): label for label in labels}
        by_lower.update({given: head for given, head in aliases.items() if head in labels})
        edges = []
        for edge in reply.edges:
            source, target = (
                by_lower.get(edge.source.strip().lower()),
                by_lower.get(edge.target.strip().lower()),
            )
            if source is None or target is None:
                missing = edge.source if source is None else edge.target
                raise BadReply(
                    f"the edge {edge.source!r} -> {edge.target!r} names {missing!r}, which is "
                    "not a node; edges may only join the node labels exactly as written"
                )
            if source != target:
                edges.append((source, target, " ".join(edge.label.split())))
        grounded = [label for label in labels if content_words(label) & vocabulary]
        if 2 * len(grounded) < len(labels):
            raise BadReply(
                f"only {len(grounded)} of the {len(labels)} node labels use words of the answer; "
                "take the labels from the answer's own words"
            )
        return Diagram(
            title=" ".join(reply.title.split()), labels=drawing_order(labels, edges), edges=edges
        )

    return check


def label_head(label: str) -> str:
    """``label`` itself, or its head when it is longer than a box allows and the head is short.

    Small models write nodes as clauses ("glucose, a type of sugar that the plant uses for
    energy"); the words before the first comma, bracket, dash or relative clause name the node.
    A head of more than ``MAX_HEAD_WORDS`` words is no label either: the clause is kept, and the
    check refuses it.
    """
    if len(label) <= MAX_LABEL_CHARS:
        return label
    head = LABEL_HEAD_END.split(label, maxsplit=1)[0].strip(" .")
    if head and len(head) <= MAX_LABEL_CHARS and len(head.split()) <= MAX_HEAD_WORDS:
        return head
    return label


def drawing_order(labels: list[str], edges: list[tuple[str, str, str]]) -> list[str]:
    """The labels ordered along the arrows (the image tool joins boxes in order), each chain
    followed to its end; nodes on a cycle keep the model's order, after the others."""
    incoming = {label: 0 for label in labels}
    for _, target, _ in edges:
        incoming[target] += 1
    order: list[str] = []
    ready = [label for label in labels if incoming[label] == 0]
    while ready:
        label = ready.pop(0)
        order.append(label)
        freed = []
        for source, target, _ in edges:
            if source == label:
                incoming[target] -= 1
                if incoming[target] == 0:
                    freed.append(target)
        ready[:0] = freed  # follow a chain to its end before starting the next one
    return order + [label for label in labels if label not in order]


# -- document sections --------------------------------------------------------------------------


def check_sections(sentences: list[str]) -> Callable[[Any], list[tuple[str, list[str]]]]:
    """Checks for document sections: 2-4 headings over the numbered answer sentences.

    Every sentence lands in exactly one section, in the answer's order; one the model left out
    joins the section of the sentence before it.
    """
    count = len(sentences)

    def check(reply: Any) -> list[tuple[str, list[str]]]:
        assert isinstance(reply, SectionsReply)
        owner: dict[int, int] = {}
        for index, section in enumerate(reply.sections):
            if not section.heading.strip():
                raise BadReply(f"section {index + 1} has an empty heading")
            for number in section.sentences:
                if not 1 <= number <= count:
                    raise BadReply(
                        f"section {section.heading!r} lists sentence {number}; the answer has "
                        f"sentences 1 to {count} only"
                    )
                if number in owner:
                    raise BadReply(f"sentence {number} is in two sections; put it in one")
                owner[number] = index
        headings = [" ".join(section.heading.split()).rstrip(":") for section in reply.sections]
        if len({heading.lower() for heading in headings}) != len(headings):
            raise BadReply("two sections have the same heading; give each its own")
        current = owner[min(owner)]
        grouped: dict[int, list[str]] = {}  # in the order of each section's first sentence
        for number, sentence in enumerate(sentences, start=1):
            current = owner.get(number, current)
            grouped.setdefault(current, []).append(sentence)
        return [(headings[index], body) for index, body in grouped.items()]

    return check


# -- code ---------------------------------------------------------------------------------------


def extract_code(text: str) -> str:
    """The program in a reply: the first fenced block, else the whole reply."""
    fenced = re.search(r"```(?:python|py)?\s*\n(.*?)```", text, re.DOTALL | re.IGNORECASE)
    return (fenced.group(1) if fenced else text).strip("\n")


def check_code(reply: Any) -> str:
    """Checks for a program: Python that compiles, prints its result, reads no stdin."""
    code = extract_code(str(reply))
    if not code.strip():
        raise BadReply("it holds no program; reply with the Python code only")
    if len(code) > MAX_CODE_CHARS:
        raise BadReply(f"the program is {len(code)} characters; keep it under {MAX_CODE_CHARS}")
    try:
        compile(code, "answer.py", "exec")
    except SyntaxError as error:
        raise BadReply(
            f"the program does not compile: {error.msg} on line {error.lineno}"
        ) from error
    if re.search(r"\binput\s*\(", code):
        raise BadReply("the program calls input(); it runs without a keyboard, so use fixed values")
    if "print(" not in code:
        raise BadReply("the program prints nothing; print its result")
    return code + "\n"


# -- the questions ------------------------------------------------------------------------------


def answer_question(question: str) -> Question:
    return Question(
        "answer", "guided_answer", None, check_answer(question), max_tokens=ANSWER_TOKENS
    )


def diagram_question(answer: str, topic: str = "") -> Question:
    return Question(
        "diagram",
        "guided_diagram",
        DiagramReply,
        check_diagram(answer, topic),
        max_tokens=JSON_REPLY_TOKENS,
    )


def sections_question(sentences: list[str]) -> Question:
    return Question(
        "sections",
        "guided_sections",
        SectionsReply,
        check_sections(sentences),
        max_tokens=JSON_REPLY_TOKENS,
    )


def code_question() -> Question:
    return Question("code", "guided_code", None, check_code, max_tokens=CODE_TOKENS)
