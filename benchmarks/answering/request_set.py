"""The request set of ``benchmarks/answers.py`` (``answer_requests.json``, schema version 1)."""

from __future__ import annotations

import math
import statistics
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from answering.scoring import number_found
from unima.errors import InputError
from unima.modalities import MEDIA_MODALITIES

Cell = str | int | float
Synonyms = Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]


class AnswerRequest(BaseModel):
    """A request whose answer should mention key concepts and hold the placeholders asked for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    domain: str = Field(min_length=1)
    request: str = Field(min_length=1)
    outputs: dict[str, Annotated[int, Field(ge=1)]]
    concepts: Annotated[list[Synonyms], Field(min_length=3, max_length=6)]
    smoke: bool = False

    @field_validator("outputs")
    @classmethod
    def _media_only(cls, outputs: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(outputs) - set(MEDIA_MODALITIES))
        if unknown:
            raise ValueError(
                f"unknown output modalities {unknown}; use {list(MEDIA_MODALITIES)} "
                "(a text-only answer has no outputs: {})"
            )
        return outputs


class InputFile(BaseModel):
    """An input the benchmark builds: a table, a chart, a spoken sentence or a program."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["csv", "xlsx", "docx", "pdf", "bar_chart", "speech", "code"]
    file: str = Field(pattern=r"^[A-Za-z0-9_-]+\.[a-z]+$")
    title: str = ""
    rows: list[list[Cell]] = Field(default_factory=list)
    text: str = ""
    # Checks ``expected`` against the table: the mean, max or sum of its last column.
    statistic: Literal["mean", "max", "sum"] | None = None

    @model_validator(mode="after")
    def _complete(self) -> InputFile:
        tabular = self.kind in ("csv", "xlsx", "docx", "pdf", "bar_chart")
        if tabular and (len(self.rows) < 2 or any(len(row) != 2 for row in self.rows)):
            raise ValueError(f"a {self.kind} input needs a header row and data rows of 2 cells")
        if not tabular and not self.text.strip():
            raise ValueError(f"a {self.kind} input needs its text")
        return self


class NumericRequest(BaseModel):
    """A request whose answer is a known number (and, with ``label``, the name beside it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    domain: str = Field(min_length=1)
    request: str = Field(min_length=1)
    input: InputFile | None = None
    expected: float
    tolerance: float = Field(ge=0)
    label: str | None = None
    smoke: bool = False

    @model_validator(mode="after")
    def _answer_not_in_request(self) -> NumericRequest:
        if number_found(self.request, self.expected, self.tolerance):
            raise ValueError(
                f"the expected number {self.expected:g} is in the request itself, "
                "so an answer that only repeats the request would score"
            )
        if self.input is not None and self.input.statistic is not None:
            values = [float(row[1]) for row in self.input.rows[1:]]
            actual = {
                "mean": statistics.fmean(values),
                "max": max(values),
                "sum": math.fsum(values),
            }[self.input.statistic]
            if abs(actual - self.expected) > self.tolerance:
                raise ValueError(
                    f"expected {self.expected:g}, but the {self.input.statistic} of the "
                    f"table is {actual:g}"
                )
        return self


class RequestSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1]
    answers: list[AnswerRequest]
    numeric: list[NumericRequest]

    @model_validator(mode="after")
    def _unique_ids(self) -> RequestSet:
        ids = [item.id for item in self.answers] + [item.id for item in self.numeric]
        repeated = sorted({item for item in ids if ids.count(item) > 1})
        if repeated:
            raise ValueError(f"request ids must be unique; repeated: {repeated}")
        return self


def load_requests(path: Path) -> RequestSet:
    """The request set in ``path``.

    Raises:
        InputError: the file is missing, is not JSON, or does not fit the schema.
    """
    try:
        return RequestSet.model_validate_json(path.read_bytes())
    except OSError as error:
        raise InputError(f"cannot read the request set: {error}", source=str(path)) from error
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}"
            for issue in error.errors()[:5]
        )
        raise InputError(f"not a valid request set: {problems}", source=str(path)) from error
