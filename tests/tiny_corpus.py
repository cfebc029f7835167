"""A tiny fixed corpus with exact expected ids, shared by the library tests."""

from __future__ import annotations

import json
from pathlib import Path

RATES = """Title: The central bank raises rates again
Date: 2024-03-01
What's happened
As of March 2024, the Bank of Ruritania has raised its main interest rate to 4.5%, its fifth rise in a row, to bring down inflation that reached 9% last year.
What's behind the headline?
Why the bank acted
Prices of food and energy climbed after a poor harvest and a cold winter, and the bank says borrowing must cost more to cool spending.
What comes next
Economists expect one more rise in the summer before a long pause.
What the papers say
The Daily Ledger reported that mortgage payments will rise by about 120 crowns a month for a typical household.
The Evening Star said 300 small firms have asked the government for help with their loans.
How we got here
The bank cut rates close to zero during the 2020 downturn and kept them there until inflation began to rise in 2022.
Go deeper
- What will the rise mean for mortgages?
- Why did the bank raise rates?
Common questions
-
Why is the Bank of Ruritania raising interest rates?
The Bank of Ruritania says inflation is too high. Below, we explore what the rises mean for households.
-
Who won the Club World Cup?
The tournament drew large crowds this summer. Below, we explore the final and the fans.
More on these topics
-
Anna Kovac is a Ruritanian economist who has served as governor of the Bank of Ruritania since 2019.
-
The Bank of Ruritania, also known as the BoR, is the central bank of Ruritania.
"""

MOON = """Title: A probe lands near the lunar south pole
Date: 2024-05-20
What's happened
As of May 2024, the Selene-2 probe has landed near the Moon's south pole, where scientists hope to find water ice.
What's behind the headline?
Why the south pole matters
Craters near the pole never see sunlight, so ice may have survived there for billions of years, and ice could give future crews water and rocket fuel.
What the papers say
The Science Gazette reported that the lander carries 12 instruments.
How we got here
The mission was approved in 2019 after an earlier orbiter mapped the crater floors.
More on these topics
-
Selene-2 is a robotic lunar lander built by the Ruritanian space agency.
"""

QUESTIONS = [
    {"id": "q1", "question": "why did the bank raise rates", "relevant": ["rates:analysis:1"]},
    {"id": "q2", "question": "what is the new interest rate", "relevant": ["rates:summary:1"]},
    {"id": "q3", "question": "who is anna kovac", "relevant": ["rates:entity:1"]},
    {"id": "q4", "question": "where did selene-2 land", "relevant": ["moon:summary:1"]},
    {"id": "q5", "question": "why is the south pole interesting", "relevant": ["moon:analysis:1"]},
    {"id": "q6", "question": "how many instruments does the lander carry", "relevant": ["moon:papers:1"]},
    {"id": "q7", "question": "who won the club world cup", "relevant": []},
    {"id": "q8", "question": "price of bitcoin today", "relevant": []},
    {"id": "q9", "question": "how much will mortgages go up", "relevant": ["rates:papers:1"]},
    {"id": "q10", "question": "what happens next with rates", "relevant": ["rates:analysis:2"]},
    {"id": "q11", "question": "when was the mission approved", "relevant": ["moon:background:1"]},
    {"id": "q12", "question": "best pizza recipe", "relevant": []},
]


def write_corpus(root: Path) -> Path:
    (root / "explainers").mkdir(parents=True, exist_ok=True)
    (root / "eval").mkdir(exist_ok=True)
    (root / "explainers" / "rates.txt").write_text(RATES, encoding="utf-8")
    (root / "explainers" / "moon.txt").write_text(MOON, encoding="utf-8")
    (root / "glossary.json").write_text(json.dumps({"mortgages": ["home loans"]}), encoding="utf-8")
    with open(root / "eval" / "questions.jsonl", "w", encoding="utf-8") as handle:
        for question in QUESTIONS:
            handle.write(json.dumps(question) + "\n")
    return root
