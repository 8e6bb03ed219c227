"""Prints what each cell of an executed notebook wrote to stderr (tslab's TypeScript diagnostics and
runtime errors land there), for notebooks/run.sh after a failed run."""
import json
import sys

nb = json.load(open(sys.argv[1], encoding="utf-8"))
for i, cell in enumerate(nb["cells"]):
    for o in cell.get("outputs", []):
        if (o.get("output_type") == "stream" and o.get("name") == "stderr") or o.get("output_type") == "error":
            text = "".join(o.get("text", [])) or f"{o.get('ename')}: {o.get('evalue')}"
            print(f"--- cell {i} ({cell.get('id')}):\n{text.rstrip()}")
