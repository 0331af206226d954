"""Small datasets in the curator's formats (data.py): 12 CPT, 12 SFT, 8 DPO and 6 eval rows, 3 agent roles."""

import json
import random
from pathlib import Path

MAKES = ["Toyota RAV4", "Honda Civic", "Ford F-150", "Kia Telluride", "Tesla Model 3", "Mazda CX-5"]
SLOTS = ["10:00", "11:00", "14:00", "16:00"]


def fixture_rows(seed: int = 0) -> dict[str, list[dict]]:
    rng = random.Random(seed)
    cpt, sft, dpo, evaluation = [], [], [], []
    for i in range(12):
        car, price = rng.choice(MAKES), rng.randrange(18_000, 60_000, 500)
        cpt.append({"id": f"cpt_{i}", "context": f"title: {car} | source: inventory",
                    "text": f"The {2019 + i % 6} {car} is on the downtown lot for ${price}. "
                            f"It has {rng.randrange(5, 90)}k miles."})
    for i in range(18):
        car, slot = rng.choice(MAKES), rng.choice(SLOTS)
        agent = ("understander", "planner", "explainer")[i % 3]
        prompt = f"<|system|>\nYou are the {agent}.\n<|user|>\nCustomer: can I test drive the {car} at {slot}?"
        entities = {"model": car, "slot": slot}
        output = {"understander": json.dumps({"intents": ["schedule_test_drive"], "entities": entities}),
                  "planner": f"return scheduleTestDrive({{ vin: 'VIN{i:04d}', slot: '2026-12-01T{slot}' }});",
                  "explainer": f"You're booked to drive the {car} at {slot}."}[agent]
        (evaluation if i >= 12 else sft).append({"id": f"sft_{i}", "agent": agent, "prompt": prompt, "output": output})
        if i < 8:
            wrong = output.replace(slot, "09:00") if slot in output else output + " (unconfirmed)"
            dpo.append({"id": f"dpo_{i}", "agent": agent, "prompt": prompt, "chosen": output, "rejected": wrong})
    return {"cpt": cpt, "sft": sft, "dpo": dpo, "eval": evaluation}


def write_dataset(directory: Path, seed: int = 0) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, rows in fixture_rows(seed).items():
        paths[name] = directory / f"{name}.jsonl"
        paths[name].write_text("".join(json.dumps(row) + "\n" for row in rows))
    return paths
