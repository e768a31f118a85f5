"""Arithmetic a question states in words, worked out and shown: percentages and plain sums.

The heuristic knows no facts, but a question that carries its own numbers ("A jacket costs 80
dollars and is 25% off. What is the sale price?", "What is 15% of 240?", "What is 12 * 7?") can
be answered by arithmetic. ``word_problem_answer`` recognises a few exact shapes and returns one
sentence that shows the working, or "" when the question is not one of them: a guess would be
a wrong fact, and an empty reply lets the reasoner say honestly that it cannot answer.

Shapes, each needing exactly one amount and one percentage where a percentage is involved:
- a discount: "X ... is P% off", "P% off X", "a P% discount on X", "reduced by P%";
- an increase: "X ... increased by P%", "raised by P%", "plus P% tax", "a P% tip on X";
- a share: "P% of X";
- a sum: "What is 12 * 7?", "What is 15 plus 27 divided by 3?" (the four operations, brackets
  and powers; evaluated from the parsed tree, never with ``eval``).
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable

from unima.reasoners.heuristic.numbers import format_number

CURRENCY_WORDS = {
    "$": "dollars",
    "€": "euros",
    "£": "pounds",
    "¥": "yen",
}
UNIT_WORDS = r"dollars?|euros?|pounds?|yen|rupees?|yuan|francs?|usd|eur|gbp|cents?"
# An amount: "$80", "80 dollars", "80.50", "1,200 euros".
AMOUNT = re.compile(
    rf"(?P<currency>[$€£¥])\s?(?P<value>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    rf"|(?<![\d.%])(?P<bare>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    rf"(?!\s?%|\s?percent|\.\d|\d)(?:\s?(?P<unit>{UNIT_WORDS})\b)?(?![A-Za-z])",
    re.I,
)
PERCENT = re.compile(r"(?P<value>\d+(?:\.\d+)?)\s?(?:%|percent\b)", re.I)
DISCOUNT = re.compile(
    r"%\s*(?:off|discount)\b|percent\s+(?:off|discount)\b|\bdiscount(?:ed)?\b|"
    r"\b(?:reduced|decreased|lowered|cut|marked down|falls?|fell|drops?|dropped)\s+by\b",
    re.I,
)
INCREASE = re.compile(
    r"\b(?:increased|raised|rises?|rose|grows?|grew|goes up|went up|marked up)\s+by\b|"
    r"%\s*(?:tax|vat|tip|markup|surcharge|interest)\b|"
    r"percent\s+(?:tax|vat|tip|markup|surcharge|interest)\b",
    re.I,
)
SHARE = re.compile(r"(?P<value>\d+(?:\.\d+)?)\s?(?:%|percent)\s+of\s+", re.I)
# "What is 12 * 7?", "Calculate (3 + 4) x 5", "How much is 15 plus 27?"
SUM_QUESTION = re.compile(
    r"(?i)^\s*(?:what\s+is|what's|calculate|compute|evaluate|how\s+much\s+is)\s+(?P<expression>"
    r"[\d\s.,()+\-*/×÷x^]+|(?:[\d.]+|plus|minus|times|multiplied by|divided by|over|"
    r"to the power of|squared|[()\s])+)\s*[?.!]?\s*$"
)
WORD_OPERATORS = (
    ("multiplied by", "*"),
    ("divided by", "/"),
    ("to the power of", "**"),
    ("times", "*"),
    ("plus", "+"),
    ("minus", "-"),
    ("over", "/"),
    ("×", "*"),
    ("÷", "/"),
    ("^", "**"),
)
BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
MAX_EXPONENT = 64


def word_problem_answer(question: str) -> str:
    """One sentence that works out the arithmetic ``question`` states, or "" when it states none
    the shapes above recognise."""
    return _percentage_answer(question) or _sum_answer(question)


def _percentage_answer(question: str) -> str:
    percents = list(PERCENT.finditer(question))
    if len(percents) != 1:
        return ""
    percent = float(percents[0].group("value"))
    spans = [match.span() for match in percents]
    amounts = [
        match
        for match in AMOUNT.finditer(question)
        if not any(start <= match.start() < end for start, end in spans)
    ]
    if len(amounts) != 1:
        return ""
    amount = amounts[0]
    value = float((amount.group("value") or amount.group("bare")).replace(",", ""))
    unit = _unit_word(amount.group("currency"), amount.group("unit"))
    change = value * percent / 100
    shown_percent = f"{format_number(percent)}%"
    if SHARE.search(question) and not (DISCOUNT.search(question) or INCREASE.search(question)):
        return f"{shown_percent} of {_money(value, unit)} is {_money(change, unit)}."
    if DISCOUNT.search(question):
        return (
            f"{shown_percent} off {_money(value, unit)} takes away {_money(change, unit)} "
            f"({format_number(value)} × {format_number(percent)} / 100), "
            f"which leaves {_money(value - change, unit)}."
        )
    if INCREASE.search(question):
        return (
            f"{shown_percent} on top of {_money(value, unit)} adds {_money(change, unit)} "
            f"({format_number(value)} × {format_number(percent)} / 100), "
            f"which makes {_money(value + change, unit)}."
        )
    return ""


def _sum_answer(question: str) -> str:
    match = SUM_QUESTION.match(question.strip())
    if match is None:
        return ""
    written = match.group("expression").strip()
    expression = written.lower()
    expression = re.sub(r"(\d),(\d{3})\b", r"\1\2", expression)
    expression = re.sub(r"\bsquared\b", "** 2", expression)
    for words, symbol in WORD_OPERATORS:
        expression = expression.replace(words, f" {symbol} ")
    expression = re.sub(r"(?<=[\d)\s])x(?=[\s\d(])", " * ", expression)
    if not re.search(r"\d", expression) or not re.search(r"[-+*/]", expression):
        return ""
    try:
        tree = ast.parse(expression, mode="eval")
        value = _evaluate(tree.body)
    except (SyntaxError, ValueError, ZeroDivisionError, OverflowError):
        return ""
    return f"{written} = {format_number(value)}."


def _evaluate(node: ast.expr) -> float:
    """The value of a tree of numbers and the four operations (and small powers)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _evaluate(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise ValueError("exponent too large")
        return BINARY[type(node.op)](left, right)
    raise ValueError(f"not arithmetic: {ast.dump(node)}")


def _unit_word(currency: str | None, unit: str | None) -> str:
    if currency:
        return CURRENCY_WORDS[currency]
    return (unit or "").lower()


def _money(value: float, unit: str) -> str:
    shown = format_number(round(value, 2))
    return f"{shown} {unit}" if unit else shown
