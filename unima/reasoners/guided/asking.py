"""Asking one question: the model call under its deadline, the check, one retry, the record.

``ask`` renders the question's prompt, calls the chat model through ``call_model`` (with the
JSON schema as ``response_format`` for JSON questions), and checks the reply. A bad reply is
asked again once, with the problem stated in the prompt; a second bad reply, a timeout or a
failed call gives ``None`` and the caller uses the heuristic's value. Either way a
``FieldRecord`` says what happened, and ``report`` sends it to the trace (through the run's
model-call scope, as ``guided_field`` or ``field_fallback``) and to the ``on_field`` hook.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import ValidationError

from unima.errors import ModelTimeoutError, ReasonerError, ReplyTooLargeError
from unima.llm.calls import call_model, current_scope
from unima.llm.prompts import extract_json, render_prompt
from unima.reasoners.guided.questions import BadReply, Question

logger = logging.getLogger(__name__)
Source = Literal["model", "answer", "heuristic", "fallback"]
ATTEMPTS = 2  # the first reply, then one retry with its problem


@dataclass(frozen=True)
class FieldRecord:
    """What happened to one field of a guided plan.

    Attributes:
        field: ``answer``, ``diagram``, ``narration``, ``scenes``, ``sections``, ``code``,
            ``chart``, ``mesh`` ...
        source: ``model`` (a checked model reply), ``answer`` (derived from the answer text,
            no call), ``heuristic`` (kept from the heuristic by design) or ``fallback`` (the
            model's replies were unusable, so the heuristic's value is used).
        tag: the placeholder the field belongs to, if any.
        step_id: the plan step it fills, if any.
        attempts: model calls made for it.
        problems: what was wrong with each rejected reply or failed call.
        tokens: tokens the model generated for it, when the runtime reports them.
        seconds: wall-clock seconds of its model calls.
        constrained: whether the reply was constrained by a JSON schema.
        note: why a field was kept or derived.
    """

    field: str
    source: Source
    tag: str | None = None
    step_id: str | None = None
    attempts: int = 0
    problems: tuple[str, ...] = ()
    tokens: int | None = None
    seconds: float = 0.0
    constrained: bool = False
    note: str = ""

    @property
    def event_kind(self) -> str:
        return "field_fallback" if self.source == "fallback" else "guided_field"


@dataclass
class Asker:
    """Asks questions of one chat model (shared by the guided reasoner's threads).

    Args:
        model: the LangChain chat model.
        model_name: its name, for deadlines and traces.
        server: the server key ``call_model`` uses to skip a server that already failed.
        timeout_s: the deadline of one call.
        on_call: called with (prompt name, seconds, reply text) after every call.
        on_field: called with every ``FieldRecord``.
    """

    model: Any
    model_name: str
    server: str
    timeout_s: float
    on_call: Callable[[str, float, str], object] | None = None
    on_field: Callable[[FieldRecord], object] | None = None
    # Cleared when the runtime refuses ``response_format``; later JSON questions go without it.
    constrain: bool = field(default=True)

    def ask(
        self,
        question: Question,
        /,
        *,
        tag: str | None = None,
        step_id: str | None = None,
        **variables: Any,
    ) -> tuple[Any, FieldRecord]:
        """The checked value of ``question`` (``None`` when unusable) and its record."""
        problems: list[str] = []
        tokens: int | None = None
        seconds = 0.0
        constrained = False
        rejection = ""  # what was wrong with the last reply, stated in the retry's prompt
        for attempt in range(ATTEMPTS):
            system, user = render_prompt(question.prompt, problem=rejection, **variables)
            messages = [SystemMessage(system), HumanMessage(user)]
            response_format = question.response_format() if self.constrain else None
            constrained = constrained or response_format is not None
            clock = time.perf_counter()
            try:
                reply = self._call(question.prompt, messages, response_format, question.max_tokens)
            except (ModelTimeoutError, ReplyTooLargeError) as error:
                # Another call would wait out another deadline: fall back at once.
                seconds += time.perf_counter() - clock
                problems.append(f"{type(error).__name__}: {error}")
                return None, self._record(
                    question,
                    "fallback",
                    tag,
                    step_id,
                    attempt + 1,
                    problems,
                    tokens,
                    seconds,
                    constrained,
                )
            except Exception as error:  # network, server errors, a refused response_format
                seconds += time.perf_counter() - clock
                problems.append(f"the call failed: {type(error).__name__}: {str(error)[:200]}")
                if response_format is not None:
                    logger.warning(
                        "%s refused a JSON-schema constrained call; asking without it: %s",
                        self.model_name,
                        error,
                    )
                    self.constrain = False
                continue
            seconds += time.perf_counter() - clock
            text = reply.content if isinstance(reply.content, str) else str(reply.content)
            tokens = _add(tokens, reply_tokens(reply))
            if self.on_call is not None:
                self.on_call(question.prompt, time.perf_counter() - clock, text)
            try:
                value = question.check(self._parse(question, text))
            except BadReply as error:
                rejection = str(error)
                problems.append(rejection)
                continue
            return value, self._record(
                question,
                "model",
                tag,
                step_id,
                attempt + 1,
                problems,
                tokens,
                seconds,
                constrained,
            )
        return None, self._record(
            question, "fallback", tag, step_id, ATTEMPTS, problems, tokens, seconds, constrained
        )

    def report(self, record: FieldRecord) -> None:
        """Send ``record`` to the trace (through the active model-call scope) and ``on_field``."""
        data = {key: value for key, value in asdict(record).items() if key != "step_id"}
        data["problems"] = list(record.problems)
        scope = current_scope()
        if scope is not None:
            scope.emit(record.event_kind, step_id=record.step_id, **data)
        if record.source == "fallback":
            logger.warning(
                "guided %s for %s: the model's replies were unusable (%s); using the heuristic's",
                record.field,
                record.tag or "the answer",
                "; ".join(record.problems) or "no reply",
            )
        if self.on_field is not None:
            self.on_field(record)

    def _call(
        self,
        prompt: str,
        messages: list[Any],
        response_format: dict[str, Any] | None,
        max_tokens: int | None = None,
    ) -> Any:
        options = {"response_format": response_format} if response_format is not None else {}
        return call_model(
            functools.partial(self.model.invoke, messages, **options),
            call=prompt,
            model=self.model_name,
            server=self.server,
            timeout_s=self.timeout_s,
            max_tokens=max_tokens,
        )

    @staticmethod
    def _parse(question: Question, text: str) -> Any:
        if question.reply_model is None:
            return text
        try:
            return question.reply_model.model_validate(extract_json(text))
        except ReasonerError as error:
            raise BadReply("it holds no JSON object; reply with the JSON object only") from error
        except ValidationError as error:
            details = "; ".join(
                f"{'.'.join(str(part) for part in issue['loc']) or 'reply'}: {issue['msg']}"
                for issue in error.errors()[:3]
            )
            raise BadReply(f"it does not fit the schema: {details}") from error

    def _record(
        self,
        question: Question,
        source: Source,
        tag: str | None,
        step_id: str | None,
        attempts: int,
        problems: list[str],
        tokens: int | None,
        seconds: float,
        constrained: bool,
    ) -> FieldRecord:
        return FieldRecord(
            field=question.field,
            source=source,
            tag=tag,
            step_id=step_id,
            attempts=attempts,
            problems=tuple(problem[:400] for problem in problems),
            tokens=tokens,
            seconds=round(seconds, 3),
            constrained=constrained,
        )


def reply_tokens(reply: Any) -> int | None:
    """Tokens a reply took to generate, as the runtime reports them (``None`` if it does not)."""
    usage = getattr(reply, "usage_metadata", None)
    if usage and usage.get("output_tokens") is not None:
        return int(usage["output_tokens"])
    metadata = getattr(reply, "response_metadata", None) or {}
    if metadata.get("new_tokens") is not None:  # unima's local transformers model
        return int(metadata["new_tokens"])
    completion = (metadata.get("token_usage") or {}).get("completion_tokens")
    return int(completion) if completion is not None else None


def _add(total: int | None, more: int | None) -> int | None:
    if more is None:
        return total
    return more if total is None else total + more
