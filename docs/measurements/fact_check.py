"""Can the embedded model check its own facts? True/false verdicts on known statements.

A self-check step ("is this sentence true?") would only help if the model tells true from
false. Each statement below is plainly true or false; the script asks the packaged model for a
one-word verdict on each and prints how many it got right:

    .venv/bin/python docs/measurements/fact_check.py

A one-off measurement for docs/embedded-model.md, not a benchmark in benchmarks/.
"""

from __future__ import annotations

import time

from langchain_core.messages import HumanMessage, SystemMessage

from unima.llm.chat_models import embedded_chat_model

STATEMENTS = [
    (False, "If the supply curve shifts to the right, the equilibrium price increases."),
    (False, "If the demand curve shifts to the right, the equilibrium price decreases."),
    (True, "Where the supply curve meets the demand curve, the market is in equilibrium."),
    (False, "The tilt of the Earth's axis makes the Sun shine at different times of the year."),
    (True, "The seasons on Earth are caused by the tilt of the Earth's axis."),
    (False, "Red light is scattered more than blue light by the air."),
    (True, "Blue light is scattered more than red light by the air."),
    (False, "The capital of Australia is Sydney."),
    (True, "The capital of Australia is Canberra."),
    (False, "The rise of Christianity was a barbarian invasion."),
    (True, "Inside a raindrop, light reflects off the back surface."),
    (False, "Runoff carries water from rivers back into the atmosphere."),
    (True, "Water evaporates from the oceans when the sun heats it."),
    (False, "The left side of the heart pumps blood to the lungs."),
    (True, "The right side of the heart pumps blood to the lungs."),
    (False, "Binary search works on unsorted lists."),
]
SYSTEM = "You check facts. Reply with one word: true or false."


def main() -> None:
    model = embedded_chat_model(None, max_tokens=8)
    right = 0
    for truth, statement in STATEMENTS:
        clock = time.perf_counter()
        messages = [
            SystemMessage(SYSTEM),
            HumanMessage(f"Is this statement true or false?\n{statement}\nAnswer:"),
        ]
        verdict = str(model.invoke(messages).content).strip().lower()
        said_true = verdict.startswith("true")
        right += said_true == truth
        print(f"{truth!s:5} said {verdict[:8]:8} {time.perf_counter() - clock:5.2f}s  {statement}")
    print(f"right {right} of {len(STATEMENTS)}")


if __name__ == "__main__":
    main()
