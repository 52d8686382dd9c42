"""report.html in a real browser: a tiny workflow, `snakemake --report`, then headless
Chromium clicks through every category, subcategory and item of the report and checks
that each figure loads and each result table is shown as a table, with its caption and its
CSV's header cells, in the rendered page.

Needs Debian's `chromium` and `chromium-driver` and the `selenium` package (the `test`
extra). Without them the test skips; with ATTNAUDIT_BROWSER=require (CI) it fails.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.workflow_runner import snakemake, write_config

pytestmark = pytest.mark.slow

SEEDS = "2 seeds (1, 2)"
CI95 = "half-width of the 95 % Student-t interval of the mean over seeds"
# The smallest config that makes every item of the report: one encoder, learned and
# uniform attention, two seeds (seed variance), the Wiegreffe & Pinter models on it.
CONFIG = {
    "datasets": {
        "synthetic": {"type": "synthetic", "n_train": 120, "n_dev": 40, "n_test": 40,
                      "vocab_size": 80, "max_length": 12},
    },
    "encoders": ["average"],
    "attentions": ["additive", "uniform"],
    "seeds": [1, 2],
    "training": {"epochs": 1, "embedding_dim": 8},
    "jain_wallace": {
        "importance": {"max_instances": 20},
        "permutation": {"max_instances": 20, "n_permutations": 10},
        "adversary": {"max_instances": 20, "steps": 20},
    },
    "serrano_smith": {
        "single_weight": {"max_instances": 20},
        "multi_weight": {"max_instances": 20, "n_random": 2, "ig_steps": 5},
    },
    "wiegreffe_pinter": {
        "guided_mlp": {"base": "average-additive"},
        "adversarial": {"base": "average-additive", "lambdas": [1.0], "epochs": 1},
    },
}  # fmt: skip
# Each table's page title, in part (the page's own caption starts with it).
TITLES = {
    "dataset_statistics": "Datasets",
    "learned_vs_uniform": "Learned vs uniform attention",
    "tau": "Kendall tau between importance measures",
    "tau_per_seed": "Kendall tau per seed",
    "permutation_by_max_attention": "Permuting attention, by max attention",
    "adversary": "Adversarial attention (Jain & Wallace 2019",
    "adversary_by_max_attention": "Adversarial attention, by max attention",
    "decision_flips": "Decision flips",
    "flip_fractions": "Multi-weight erasure",
    "seed_variance": "Seed variance vs adversarial attention (",
    "seed_variance_by_max_attention": "Seed variance vs adversarial attention, by max",
    "guided_mlp": "Guided MLP",
    "adversarial": "End-to-end adversarial models",
    "aopc": "ERASER faithfulness per token ranking",
    "agreement": "Agreement of every ranking with the input-level ones",
    "planted": "Recovery of the planted deciding tokens",
    "replacement": "Is the learned attention needed at inference?",
    "needs": "Open questions: which tasks need attention?",
}
OPEN_QUESTIONS = "results/report/open_questions.html"  # a page, not a table
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1400,1000"]  # fmt: skip


def browser_tools() -> tuple[str, str]:
    """Chromium and its driver, or skip (fail with ATTNAUDIT_BROWSER=require) saying how
    to install what is missing."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    missing = [name for name, found in (("chromium", chromium), ("chromium-driver", driver))
               if not found]  # fmt: skip
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium")
    if missing:
        message = (
            f"the browser test needs {', '.join(missing)}: `apt-get install -y chromium "
            "chromium-driver` (Debian) and `pip install -e '.[test]'` (selenium)"
        )
        if os.environ.get("ATTNAUDIT_BROWSER") == "require":
            pytest.fail(message + " (ATTNAUDIT_BROWSER=require)")
        pytest.skip(message)
    return chromium, driver


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    browser_tools()
    workdir = tmp_path_factory.mktemp("report")
    write_config(workdir, CONFIG)
    snakemake(workdir)
    snakemake(workdir, "--report", "report.html")
    return workdir


@pytest.fixture(scope="module")
def browser(report, tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = browser_tools()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in [*ARGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"]:
        options.add_argument(arg)
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    try:
        yield chrome
    finally:
        chrome.quit()


def literal(text: str) -> str:
    """`text` as an XPath string literal."""
    return f"'{text}'" if "'" not in text else f'"{text}"'


def wait(condition, timeout: float = 30.0, what: str = ""):
    end = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def click_menu(chrome, label: str) -> None:
    """Click the navigation entry named `label` (a category or subcategory)."""
    from selenium.webdriver.common.by import By

    xpath = f"//nav//a[span={literal(label)}]"
    wait(lambda: chrome.find_elements(By.XPATH, xpath), what=label)[0].click()


def go_home(chrome) -> None:
    from selenium.webdriver.common.by import By

    chrome.find_element(By.XPATH, "//nav//ol/li[1]/a").click()


IMAGE = """
const img = Array.from(document.images).find(i => i.src === results[arguments[0]].data_uri);
return img && img.complete ? img.naturalWidth : null;
"""


def content_frame(chrome, path: str):
    """The frame that shows the HTML item `path`."""
    return wait(
        lambda: chrome.execute_script(
            "return Array.from(document.querySelectorAll('iframe'))"
            ".find(f => f.src === results[arguments[0]].data_uri) || null",
            path,
        ),
        what=f"the frame of {path}",
    )


def shown_table(chrome, path: str) -> dict:
    """The caption text and header cells of the HTML item `path` in the content frame."""
    from selenium.webdriver.common.by import By

    chrome.switch_to.frame(content_frame(chrome, path))
    try:
        caption = wait(lambda: chrome.find_elements(By.TAG_NAME, "figcaption"), what=path)[0]
        return {
            "caption": caption.text,
            "headers": [
                th.text.replace("\n", "") for th in chrome.find_elements(By.TAG_NAME, "th")
            ],
            "rows": len(chrome.find_elements(By.CSS_SELECTOR, "tbody tr")),
        }
    finally:
        chrome.switch_to.default_content()


PAGE = """
const images = Array.from(document.images);
return {
  title: (document.querySelector('h1') || {}).textContent || '',
  verdicts: Array.from(document.querySelectorAll('p.verdict')).map(p => p.textContent),
  tables: document.querySelectorAll('table').length,
  tokens: document.querySelectorAll('span.tok').length,
  images: images.length,
  loaded: images.every(i => i.complete && i.naturalWidth > 0),
};
"""


def shown_page(chrome, path: str) -> dict:
    """What a verdict or examples page shows in the content frame: its title, verdicts,
    tables, coloured tokens, and whether every image loaded."""
    chrome.switch_to.frame(content_frame(chrome, path))
    try:
        return wait(lambda: (lambda r: r if r["title"] else None)(chrome.execute_script(PAGE)),
                    what=path)  # fmt: skip
    finally:
        chrome.switch_to.default_content()


def visit_everything(chrome, report: Path) -> dict[str, dict]:
    """Click every item of every subcategory; what each showed, by result path."""
    from selenium.webdriver.common.by import By

    chrome.get((report / "report.html").as_uri())
    wait(lambda: chrome.execute_script("return typeof categories !== 'undefined'"), what="report")
    categories = chrome.execute_script("return categories")
    labels = chrome.execute_script(
        "return Object.fromEntries(Object.entries(results).map(([p, r]) => [p, r.labels]))"
    )
    unlabelled = sorted(p for p, label in labels.items() if "item" not in (label or {}))
    assert not unlabelled, f"report items without an `item` label: {unlabelled} ({labels})"
    seen = {}
    for category in sorted(categories):
        for subcategory in sorted(categories[category]):
            go_home(chrome)
            click_menu(chrome, category)
            if len(categories[category]) > 1:
                click_menu(chrome, subcategory)
            by_label = {labels[p]["item"]: p for p in categories[category][subcategory]}
            rows = wait(lambda: chrome.find_elements(By.XPATH, "//nav//table/tbody/tr"))
            assert sorted(r.text for r in rows) == sorted(by_label), (category, subcategory)
            for label, path in by_label.items():
                row = chrome.find_element(
                    By.XPATH, f"//nav//table/tbody/tr[td[1]={literal(label)}]"
                )
                row.find_element(By.XPATH, "./td[last()]//a").click()  # the eye: show it
                if path.endswith(".png"):
                    width = wait(lambda p=path: chrome.execute_script(IMAGE, p), what=path)
                    seen[path] = {"natural_width": width}
                elif "/verdicts/" in path or path == OPEN_QUESTIONS:
                    seen[path] = shown_page(chrome, path)
                else:
                    seen[path] = shown_table(chrome, path)
                seen[path].update(category=category, subcategory=subcategory)
    return seen


def test_every_figure_loads_and_every_table_is_rendered_with_caption_and_header(report, browser):
    start = time.monotonic()
    seen = visit_everything(browser, report)
    elapsed = time.monotonic() - start
    captions = browser.execute_script(
        "return Object.fromEntries(Object.entries(results).map(([p, r]) => [p, r.caption]))"
    )
    captions = {p: " ".join(c.split()) for p, c in captions.items()}
    results = report / "results" / "report"
    figures = {p.relative_to(report).as_posix() for p in results.glob("figures/*.png")}
    # every result table's page (the verdicts' CSVs have none: the verdict pages show them)
    csvs = {p.relative_to(report).with_suffix(".html").as_posix(): p
            for p in results.rglob("*.csv") if p.parent.name != "verdicts"}  # fmt: skip
    pages = {p.relative_to(report).as_posix() for p in results.glob("verdicts/*.html")}
    pages -= {"results/report/verdicts/index.html"}
    # every figure, table and page the workflow wrote is in the report, and nothing else
    assert set(seen) == figures | set(csvs) | pages | {OPEN_QUESTIONS}
    assert len(figures) == 12 and {Path(p).stem for p in csvs} == set(TITLES)
    assert len(pages) == 2  # one model with learned attention: verdicts and examples
    # the open questions page: its one section here (one encoder: nothing to compare)
    shown = seen[OPEN_QUESTIONS]
    assert shown["loaded"] and shown["images"] == 1 and shown["tables"] == 1, shown
    for path in pages:
        shown = seen[path]
        assert shown["loaded"], path
        if path.endswith("-examples.html"):
            assert shown["tokens"] > 0, path
        else:
            # the three answers on top, then each again closing its section
            assert len(shown["verdicts"]) == 6 and shown["tables"] >= 5, (path, shown)
    for path in figures:
        assert seen[path]["natural_width"] > 0, path
    for path, csv in csvs.items():
        shown, table = seen[path], pd.read_csv(csv)
        assert shown["caption"].startswith(TITLES[csv.stem]), (path, shown["caption"][:80])
        assert shown["headers"] == list(table.columns), path
        assert shown["rows"] == len(table) > 0, path
        if csv.stem != "dataset_statistics":
            assert f"Runs: {SEEDS}." in shown["caption"], path
        if any("ci95" in c for c in table.columns):
            assert CI95 in shown["caption"], path
    # Snakemake's own caption (the item's description) for every item, seeds spelled out
    for path in seen:
        assert captions[path].strip(), path
    # the same pages stand alone: opened as files, every image and table loads
    for path in [*sorted(results.glob("verdicts/*.html")), report / OPEN_QUESTIONS]:
        browser.get(path.as_uri())
        shown = wait(lambda: (lambda r: r if r["title"] else None)(browser.execute_script(PAGE)),
                     what=str(path))  # fmt: skip
        assert shown["loaded"], path
        assert shown["tables"] >= 1 or shown["tokens"] > 0, path
    for path in csvs:
        if "dataset_statistics" not in path:
            assert SEEDS in captions[path], path
    print(f"clicked through {len(seen)} items in {elapsed:.1f} s")
