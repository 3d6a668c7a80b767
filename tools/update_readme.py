"""Copy the generated list of tables and programs into README.md (between its markers)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
generated = (ROOT / "results" / "tables_and_programs.md").read_text()
table = "\n".join(line for line in generated.splitlines() if line.startswith("|")) + "\n"
readme = (ROOT / "README.md").read_text()
new = re.sub(r"(<!-- tables-and-programs:start -->\n).*?(<!-- tables-and-programs:end -->)",
             lambda m: m.group(1) + table + m.group(2), readme, flags=re.S)
if new == readme:
    print("README.md: the list of tables and programs is up to date")
else:
    (ROOT / "README.md").write_text(new)
    print("README.md: list of tables and programs updated")
