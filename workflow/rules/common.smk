# Shared definitions and helper functions of the rule files (no rules here).
import os

from scs.codedeps import package_modules
from scs.config import config_slice, data_id, file_sha256, is_shipped, output_dir, pins_root, variant_name
from scs.report.captions import figure_numbers, figure_titles
from scs.report.shown import label_maps, response_scales

OUT = output_dir(config, CONFIG_FILE)
# the logs of a variant's build in a folder of their own (logs/<variant>/), so that one configuration's build
# does not overwrite the log another's error pointed to
_VARIANT = variant_name(config, CONFIG_FILE)


def logs(name):
    return os.path.join("logs", *([_VARIANT] if _VARIANT else []), name)


# intermediate files that still hold (coded) identifying columns: never under the released outputs
PRIVATE = os.path.join(".work", os.path.normpath(OUT).replace(os.sep, "-"))
RAW = config["data"]["raw"]
CODEBOOK = config["data"]["codebook"]
TARGETS = config["data"]["targets"]
RAW_STEM = os.path.splitext(os.path.basename(RAW))[0]
BATTERIES = list(config["batteries"])
# every rule: the conda environment equivalent to the virtual environment of requirements.lock
ENV = "../../environment.yml"
# what every output states about its data
DATA = ("data.source", "data.label")
# make, as the messages suggest it: with the configuration in use
MAKE = "make" if is_shipped(CONFIG_FILE) else f"make CONFIG={os.path.relpath(CONFIG_FILE)}"


# The estimates by group and the crosstabs (rule domains) are made when config.yaml names groups or crosstabs.
DOMAINS = bool(config.get("domains")) and bool(config["domains"].get("by") or config["domains"].get("crosstabs"))
# ... and the figure of the indices by group (figures.smk) when it names groups
DOMAIN_FIGURE = DOMAINS and bool(config["domains"].get("by"))

# The stages, in reading order: the one list of rules that the registry (the rules that state numbers), the
# drift check (their Markdown and LaTeX outputs) and provenance read. The multiverse's rules come last when
# it is configured; the report's rules (reproduction, registry, checksums, verify) are REPORT_RULES.
STAGE_RULES = [
    "check_data",
    "clean",
    "weights",
    "indices",
    "item_estimates",
    "descriptives",
    *(["domains"] if DOMAINS else []),
    "regressions",
    "robustness",
    "ordered_logits",
    "figures",
]
REPORT_RULES = ["reproduction", "registry", "checksums", "verify"]
# Rules outside these lists run on demand only and state no numbers: synthetic (`make synthetic`), paper
# (`make paper`), export (`make export`).
MULTIVERSE_RULES = ["multiverse_shard", "multiverse", "multiverse_figure"]


# The exhibits of the HTML report: one table that the report (through `report()`) and the
# provenance rule's list of tables and programs both read. Caption files: workflow/report/<name>.rst.
EXHIBITS = []
# The report's categories in reading order, each with its exhibits (caption names) in reading order and their
# titles ({n}: the battery's figure number, {scale}: the scale's label, {title}: the notebook's heading). The
# report lists each category's exhibits by number and title in this order, and its landing page
# (workflow/report/workflow.rst) lists them from the same labels.
# the numbers of the tables and figures (numbering in config.yaml; figures it leaves out follow the batteries)
FIGURES = config["numbering"]["figures"]
NUMBERS = {**{f"t_{k}": v for k, v in config["numbering"]["tables"].items()}, "f_models": FIGURES["models"]}
READING_ORDER = {
    "1. Cleaning": {"data_problems": "Data check", "exclusion_flow": "Exclusion flow"},
    "2. Weights": {"weights": "Weighting diagnostics", "weight_distribution": "Distribution of the weights"},
    "3. Indices and items": {
        "figure_items": "Figure {n}. Items: {scale}",
        "item_estimates": "Item and index estimates",
        "likert": "Likert chart: {scale}",
        "descriptives": "Table {t_descriptives}. Descriptive statistics",
        "descriptives_tex": "Table {t_descriptives} in LaTeX",
        "reliability": "Reliability of the scales",
        "domain_estimates": "Estimates by group",
        "crosstabs": "Crosstabs",
        "domain_figure": "Indices by group",
    },
    "4. Models": {
        "regression": "Table {t_regressions}. Regressions of the indices",
        "regression_tex": "Table {t_regressions} in LaTeX",
        "figure3": "Figure {f_models}. The full model: coefficients and predicted indices",
        "robustness": "Table {t_robustness}. Robustness",
        "ordered": "Table {t_ordered_logits}. Ordered logits of the items",
        "predicted": "Table {t_predicted}. Predictive margins",
        "multiverse": "Multiverse of analysis choices",
        "multiverse_figure": "Figure {n}. Specification curve: {scale}",
    },
    "5. Reproduction": {
        "reproduction": "Reproduction report",
        "disclosure": "Disclosure control",
        "verify": "Drift check",
        "numbers_tex": "Catalog of the number macros",
    },
    "6. Notebooks": {"notebook": "Notebook {title}"},
    "7. Provenance": {"tables_and_programs": "List of tables and programs"},
}


def exhibit(path, name, category, fields=None, title=None, **kw):
    """An output shown in the report: registered here with its title in the reading order (READING_ORDER,
    ``fields`` filled in) and, for a figure, its own title (``title``, from figures.titles), flagged for
    Snakemake's report with its number and reading-order title as its label (the report lists it by it)."""
    if name not in READING_ORDER.get(category, {}):
        raise ValueError(f"exhibit {name!r} of {category!r} has no place in READING_ORDER (workflow/rules/common.smk)")
    reading = READING_ORDER[category][name].format(**NUMBERS, **(fields or {}))
    EXHIBITS.append(
        {
            "file": str(path),
            "caption": f"workflow/report/{name}.rst",
            "category": category,
            "name": name,
            "title": reading,
            **({"figure_title": title} if title else {}),
        }
    )
    labels = lambda wc, file=str(path): exhibit_labels(file)
    return report(path, caption=f"../report/{name}.rst", category=category, labels=labels, **kw)


def exhibit_place(ex):
    """An exhibit's place in the reading order: its category's number, its place in the category's reading
    order, and how many the category has."""
    names = list(READING_ORDER[ex["category"]])
    same = sorted((e for e in EXHIBITS if e["category"] == ex["category"]), key=lambda e: names.index(e["name"]))
    return list(READING_ORDER).index(ex["category"]) + 1, same.index(ex) + 1, len(same)


def exhibit_labels(file):
    """The report's label of an exhibit: its number (the category's, then its place in the category's reading
    order; zero-padded when the category has ten or more) and its title, in one label ("2.1 Weighting
    diagnostics"; the report sorts by it, and would show a second label of two values as a toggle)."""
    ex = next(e for e in EXHIBITS if e["file"] == file)
    category, place, count = exhibit_place(ex)
    label = {"exhibit": f"{category}.{place:0{len(str(count))}d} {ex['title']}"}
    if "figure_title" in ex:  # moved into the caption when the report is finished (scs.report.report_page)
        label["figure_title"] = ex["figure_title"]
    return label


# A figure is drawn without a title: its title (figures.titles) opens its caption. Each figure's own title
# travels as its label "figure_title", which the finished report moves to the head of the figure's caption.
FIGURE_TITLES = figure_titles(SETTINGS)


def cfg(*paths):
    """The config sections read by one of the rules, with the data source and label that every output
    prints. Passed as a param, so that the job reruns when they change, and only then."""
    return {**config_slice(config, *DATA, *paths), "_file": os.path.relpath(CONFIG_FILE)}


def out(*parts):
    return os.path.join(OUT, *parts)


def code_of(name):
    """The code that a job depends on besides its script, found by reading the imports: every module of the
    scs package that the script imports, directly or through other modules, and the helper scripts it imports."""
    return package_modules(script_of(name))


def notebook_code(name):
    """The code of one notebook (the imports of the notebooks' adapter and of the notebook itself)."""
    return sorted({*code_of("notebooks"), *package_modules(f"notebooks/{name}.py")})


_SHA256 = {}


def content_sha256(path):
    """Checksum of an input file: as a param, a changed file reruns its rule even if its mtime was kept.
    Computed once per file (and size and mtime) while the workflow is read."""
    if not os.path.isfile(path):
        return "missing"
    st = os.stat(path)
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    if key not in _SHA256:
        _SHA256[key] = file_sha256(path)
    return _SHA256[key]


def raw_data_id():
    return data_id(content_sha256(RAW))


def battery_figure(battery, ext):
    """The item figures, one per battery in config order, numbered from numbering.figures.items."""
    return out("figures", f"figure{FIGURES['items'] + BATTERIES.index(battery)}_{battery}.{ext}")


def models_figure(ext):
    """The full model's figure (coefficients and predicted indices), numbered by numbering.figures.models."""
    return out("figures", f"figure{FIGURES['models']}_models.{ext}")


def battery_figure_outputs():
    """Named outputs png_<battery> (in the report) and pdf_<battery> of the item figures."""
    outs = {}
    for b in BATTERIES:
        fields = {"n": FIGURES["items"] + BATTERIES.index(b), "scale": config["scales"][b]["label"]}
        outs[f"png_{b}"] = exhibit(
            battery_figure(b, "png"), "figure_items", "3. Indices and items", fields, title=FIGURE_TITLES[b]
        )
        outs[f"pdf_{b}"] = battery_figure(b, "pdf")
    return outs


def battery_figure_pdfs():
    return [battery_figure(b, "pdf") for b in BATTERIES]


def likert_figure_outputs():
    """Named outputs likert_png_<battery> (in the report) and likert_pdf_<battery> of the Likert charts."""
    outs = {}
    for b in BATTERIES:
        fields = {"scale": config["scales"][b]["label"]}
        outs[f"likert_png_{b}"] = exhibit(
            out("figures", f"likert_{b}.png"), "likert", "3. Indices and items", fields, title=FIGURE_TITLES[f"likert_{b}"]
        )
        outs[f"likert_pdf_{b}"] = out("figures", f"likert_{b}.pdf")
    return outs


def domain_figure_outputs():
    """Named outputs domains_png (in the report) and domains_pdf of the figure of the indices by group, when
    groups are configured."""
    if not DOMAIN_FIGURE:
        return {}
    return {
        "domains_png": exhibit(
            out("figures", "domains.png"), "domain_figure", "3. Indices and items", title=FIGURE_TITLES["domains"]
        ),
        "domains_pdf": out("figures", "domains.pdf"),
    }


def weights_input():
    return {
        "weights": out("weights", "weights.parquet"),
        "design": out("weights", "design.json"),
        "jackknife": out("weights", "jackknife.parquet"),
    }


def raw_rows():
    """Roughly how many rows the raw export has (its size over 300 bytes a row)."""
    return max(1, os.path.getsize(RAW) // 300) if os.path.isfile(RAW) else 1


def mem_for(base_mb, per_row_kb=0.0):
    """Memory a job asks the scheduler for: a base plus a share per raw row (the benchmark's figures)."""

    def f(wildcards, input):
        return int(base_mb + per_row_kb * raw_rows() / 1024)

    return f


def runtime_for(base_min, per_million_min=0.0):
    """Minutes a job asks a cluster for: a base plus a share per million raw rows (benchmarks/bench_scale.py
    measured at most a minute per million rows for any rule on one core; these leave a wide margin)."""

    def f(wildcards, input):
        return int(base_min + per_million_min * raw_rows() / 1e6)

    return f


# PRIORITY: with two cores, the jobs that lead to the notebooks (the longest job, which quotes the registry and
# so waits for the multiverse shards too) go first (priority 2), everything else after; a cold build then ends
# soonest.

MULTIVERSE = bool(config.get("multiverse"))
MV_SHARDS = list(range(int(config["multiverse"].get("shards", 1)))) if MULTIVERSE else []
MV_OUTCOMES = list(config["multiverse"]["outcomes"]) if MULTIVERSE else []
# the config sections the multiverse rules read
MV_CFG = (
    "data.raw",
    "data.targets",
    "multiverse",
    "cleaning",
    "weighting",
    "design",
    "scales",
    "response_scale.labels",
    "models",
    "estimates",
    "disclosure",
)


def multiverse_figure_outputs():
    """Named outputs png_<outcome> (in the report) and pdf_<outcome> of the specification curves."""
    outs = {}
    for y in MV_OUTCOMES:
        fields = {"n": figure_numbers(SETTINGS)[f"specification_curve.{y}"], "scale": config["scales"][y]["label"]}
        outs[f"png_{y}"] = exhibit(
            out("figures", f"multiverse_{y}.png"),
            "multiverse_figure",
            "4. Models",
            fields,
            title=FIGURE_TITLES[f"multiverse_{y}"],
        )
        outs[f"pdf_{y}"] = out("figures", f"multiverse_{y}.pdf")
    return outs


def pins_dir():
    """Pins of the current raw file: <pins root>/<data id>/."""
    return os.path.join(pins_root(config, CONFIG_FILE), raw_data_id())


def existing_pins(wildcards):
    """The pins as inputs when they exist (so a re-pin reruns the check); never made by a rule."""
    return [p for p in (os.path.join(pins_dir(), f) for f in ("numbers.json", "text_sha256.json")) if os.path.exists(p)]


def config_digest():
    from scs.config import config_hash

    return config_hash(config)


def synthetic_truth():
    """The stand-in's known truth: an input only when the data are the stand-in."""
    return [config["synthetic"]["truth"]] if config["data"]["source"] == "synthetic" and "synthetic" in config else []


def script_of(name):
    """Every rule runs scripts/<rule name>.py (a test checks the convention)."""
    return f"scripts/{name}.py"


def describe_rule(name):
    """Name, script, inputs and outputs of one of the rules, from the public API (rules.<name>.input, .output)."""
    proxy = getattr(rules, name)
    inputs = []
    for f in proxy.input:
        if callable(f):  # an input function (the pins of verify): the files it returns now
            inputs.extend(existing_pins(None))
        else:
            inputs.append(str(f))
    # the released outputs (not the private intermediates in .work/)
    outputs = [str(f) for f in proxy.output if not str(f).startswith(PRIVATE)]
    return {"rule": name, "script": script_of(name), "inputs": inputs, "outputs": outputs}


def notebook_title(name):
    """A notebook's heading (its first Markdown line "# 01 ..."), as "01. ..." for the report."""
    with open(f"notebooks/{name}.py", encoding="utf-8") as fh:
        heading = next(line[4:].strip() for line in fh if line.startswith("# # "))
    number, _, rest = heading.partition(" ")
    return f"{number}. {rest}" if number.isdigit() else heading


def notebook_outputs(names):
    """Named outputs ipynb_<name> and html_<name> (in the report) of every notebook."""
    outs = {}
    for name in names:
        outs[f"ipynb_{name}"] = out("notebooks", f"{name}.ipynb")
        fields = {"title": notebook_title(name)}
        outs[f"html_{name}"] = exhibit(out("notebooks", f"{name}.html"), "notebook", "6. Notebooks", fields)
    return outs


def describe_notebook(name):
    nb = NOTEBOOKS[name]
    return {
        "rule": "notebooks",
        "script": script_of("notebooks"),
        "inputs": [
            f"notebooks/{name}.py",
            "notebooks/templates/scs/index.html.j2",
            *notebook_code(name),
            *[str(x) for x in nb["inputs"]],
        ],
        "outputs": [out("notebooks", f"{name}.ipynb"), out("notebooks", f"{name}.html")],
    }
