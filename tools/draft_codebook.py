"""Write a draft codebook from an export (`make codebook DATA=<file> [OUT=<file>] [FORCE=1]`): what the
export says (labels, question text, ImportIds, missing values, the codes observed), the rest guessed and
marked "# check" (scs.io.draft).

    python tools/draft_codebook.py DATA [--out OUT] [--force] [--header-rows N]
"""

import argparse
import sys

from scs.errors import PipelineError
from scs.io import draft


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", help="the export: a Qualtrics or other CSV, an SPSS .sav or a Stata .dta")
    ap.add_argument("--out", help="the codebook to write (default: codebook.yaml beside the export)")
    ap.add_argument("--force", action="store_true", help="overwrite an existing file")
    ap.add_argument("--header-rows", type=int, help="header rows of a CSV (default: detected)")
    args = ap.parse_args(argv)
    out = args.out or draft.default_output(args.data)
    try:
        d = draft.write_draft(args.data, out, force=args.force, header_rows=args.header_rows)
    except PipelineError as exc:
        sys.stderr.write(f"ERROR: {exc}\n")
        return 1
    print("\n".join(draft.summary(d, out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
