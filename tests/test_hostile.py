"""Hostile input (tests/hostile/): every bad record is refused with a located issue, quickly, without
a traceback; and nothing a record says can put markup or a script on a page."""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avi_atlas import pipeline
from avi_atlas.check import check
from avi_atlas.loader import MAX_FILE_BYTES, load_bytes
from avi_atlas.models import base
from avi_atlas.models import Benchmark, Dataset, Metric, Paper

from .conftest import FIXTURE_CATALOG, write
from .htmlutil import parse_file
from .sitecheck import pages

HOSTILE = Path(__file__).parent / "hostile"
CASES = sorted(p for p in HOSTILE.iterdir() if p.is_dir())
ISSUE_LINE = re.compile(r"^catalog/(\S.*?:\d+:\d+: (?:error|warning)\[[a-z0-9-]+\]) \S", re.M)
GOOD = ('title: "A Good Paper"\nauthors: [Ann Example]\nyear: 2024\ndate: "2024-03"\narxiv: "2403.01234"\n'
        "tasks: [av-segmentation]\n")

# files too big, or too repetitive, to keep in git: generated here, with what they must produce
GENERATED = {
    "file-too-large": ({"papers/evil.yaml": b"title: " + b"x" * (MAX_FILE_BYTES + 1)},
                       ["papers/evil.yaml:1:1: error[file-too-large]"]),
    "enormous-summary": ({"papers/evil.yaml": (GOOD + "summary: '" + "ab " * 30_000 + "'\n").encode()},
                         ["papers/evil.yaml:7:10: error[too-long]"]),
    "deep-block-nesting": ({"papers/evil.yaml": ("title: x\nn:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 400))
                                                 + "  " * 400 + "v\n").encode()},
                           ["papers/evil.yaml:35:67: error[yaml-too-deep]"]),
    "alias-bomb-30-levels": ({"papers/evil.yaml": ("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 30)) + "title: x\n").encode()},
                             ["papers/evil.yaml:2:5: error[yaml-alias]"]),
}


def _case_files(case: Path) -> dict[str, bytes]:
    return {f.relative_to(case).as_posix(): f.read_bytes()
            for f in case.rglob("*") if f.is_file() and f.name != "expected"}


def _validate_copy(files: dict[str, bytes], tmp_path: Path, cli, monkeypatch):
    catalog = tmp_path / "catalog"
    shutil.copytree(FIXTURE_CATALOG, catalog)
    for rel, content in files.items():
        target = catalog / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    monkeypatch.chdir(tmp_path)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = cli("validate", "--catalog", "catalog")
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, seconds, peak


def _check_refused(result, seconds: float, peak: int, expected: list[str]) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert sorted(ISSUE_LINE.findall(result.stdout)) == sorted(expected), result.stdout
    # bounds, not performance goals: a bomb must be refused, not expanded
    assert seconds < 20, f"took {seconds:.1f} s"
    assert peak < 200 * 2**20, f"allocated {peak / 2**20:.0f} MiB"


def test_the_corpus_is_large_and_every_case_states_its_issues():
    assert len(CASES) + len(GENERATED) >= 40
    for case in CASES:
        lines = (case / "expected").read_text(encoding="utf-8").split("\n")
        assert lines[-1] == "" and all(re.fullmatch(r"\S.*:\d+:\d+: (error|warning)\[[a-z0-9-]+\]", x)
                                       for x in lines[:-1]), case.name
        assert _case_files(case), case.name


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_file_is_refused_with_its_exact_issues(case: Path, tmp_path: Path, cli, monkeypatch):
    expected = [x for x in (case / "expected").read_text(encoding="utf-8").splitlines() if x]
    _check_refused(*_validate_copy(_case_files(case), tmp_path, cli, monkeypatch), expected)


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_hostile_file_is_refused(name: str, tmp_path: Path, cli, monkeypatch):
    files, expected = GENERATED[name]
    _check_refused(*_validate_copy(files, tmp_path, cli, monkeypatch), expected)


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))


@pytest.mark.parametrize("case", ["yaml-billion-laughs", "file-not-utf8", "html-script-in-summary"])
def test_real_process_under_memory_limit_exits_1_without_traceback(case: str, tmp_path: Path):
    """The installed command, in its own process capped at 1 GiB of address space."""
    catalog = tmp_path / "catalog"
    shutil.copytree(FIXTURE_CATALOG, catalog)
    for rel, content in _case_files(HOSTILE / case).items():
        (catalog / rel).write_bytes(content)
    run = subprocess.run([sys.executable, "-m", "avi_atlas", "validate", "--catalog", "catalog"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, preexec_fn=_limited)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    expected = (HOSTILE / case / "expected").read_text(encoding="utf-8").split()
    assert all(f"catalog/{line}" in run.stdout for line in expected if line.startswith(("papers/", "benchmarks/")))


# ---- output: nothing a record says becomes markup --------------------------------------------------

XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'><svg onload=alert(3)>'
SHORT = '"><svg onload=alert(9)>'  # for fields of at most 40 characters
XSS_MD = (XSS + " [click](javascript:alert(4)) ![i](data:image/png;base64,xx) <javascript:alert(5)>\n\n"
          '<a href="javascript:alert(6)" onclick="alert(7)">raw</a> [ok](https://example.org/ok)\n\n'
          "[ref]: javascript:alert(8)\n")


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def test_payloads_in_every_free_text_field_never_reach_a_page(catalog: Path, tmp_path: Path, monkeypatch):
    """Validation refuses markup (above); here it is switched off, to prove the pages escape on their own."""
    monkeypatch.setattr(base, "markup_problem", lambda value, markdown: None)
    p, m = _q(XSS), _q(XSS_MD)
    write(catalog / "papers/evil.yaml", (
        f"title: {p}\nname: {p}\nauthors: [{p}]\nvenue: {p}\nyear: 2024\nurl: https://example.org/evil\n"
        f"tasks: [video-to-audio]\nbackbone: {p}\nsummary: {m}\n"))
    write(catalog / "datasets/evil-set.yaml", (
        f"name: {p}\nlicense: {p}\ndomain: {p}\nsplits: {{{_q(SHORT)}: 3}}\ntasks: [video-to-audio]\nsummary: {m}\n"))
    write(catalog / "metrics/evil-metric.yaml", (
        f"name: {p}\nabbreviation: {p}\nunit: {p}\nhigher_is_better: true\ndefinition: {m}\ncaveats: {m}\n"))
    write(catalog / "benchmarks/evil-bench.yaml", (
        f"name: {p}\ntasks: [video-to-audio]\nmetrics: [evil-metric]\n"
        f"datasets: [{{dataset: evil-set, split: {p}}}]\nprotocol: {m}\nresults:\n"
        f"  - system: {p}\n    variant: {p}\n    values: {{evil-metric: 1.5}}\n    notes: {p}\n"
        f"    source: {{url: 'https://example.org/lb', where: {p}}}\n"
        f"  - paper: evil\n    values: {{evil-metric: 2.5}}\n    source: {{paper: evil, where: {p}}}\n"))
    taxonomy = (catalog / "taxonomy.yaml").read_text(encoding="utf-8")
    write(catalog / "taxonomy.yaml", taxonomy.replace("description: Masks of the objects that make the sound.",
                                                       f"description: {m}"))
    out = tmp_path / "site"
    report = pipeline.build(catalog, out)
    assert report.ok, report.format()
    seen = 0
    for page, doc in pages(out).items():
        for el in doc.iter():
            if el.tag == "script":  # only our own file, never inline code
                assert el.attrs.get("src", "").endswith("static/site.js") and not (el.text or "").strip(), page
            assert el.tag not in ("iframe", "object", "embed", "base"), (page, el.tag)
            assert not any(k.lower().startswith("on") for k in el.attrs), (page, el.tag, el.attrs)
            for attr in ("href", "src", "action", "formaction", "xlink:href"):
                v = (el.attrs.get(attr) or "").strip().lower()
                assert not v.startswith(("javascript:", "data:", "vbscript:", "file:")), (page, v)
            if el.tag == "img":
                assert not el.attrs.get("src", "").startswith(("http:", "https:", "//")), page
        seen += "alert(1)" in (out / page).read_text(encoding="utf-8")
    assert seen >= 4, "the payload should appear, escaped, on the evil records' pages"
    doc = parse_file(out / "papers/evil/index.html")
    assert doc.find("h1").text.startswith(XSS[:30])
    assert [a.attrs["href"] for a in doc.find("div", class_="summary").find_all("a")] == ["https://example.org/ok"]
    for name in ("data/catalog.json", "feed.xml"):
        text = (out / name).read_text(encoding="utf-8")
        assert "<script>" not in text or name.endswith(".json"), name  # JSON holds text, the feed escapes it


def test_every_page_forbids_scripts_from_elsewhere(site_for_csp: Path):
    for page, doc in pages(site_for_csp).items():
        meta = [m for m in doc.find_all("meta") if m.attrs.get("http-equiv", "").lower() == "content-security-policy"]
        if not page.endswith(".html"):
            continue
        assert meta, page
        policy = meta[0].attrs["content"]
        assert "script-src 'self'" in policy and "default-src 'self'" in policy, (page, policy)
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0], policy


@pytest.fixture
def site_for_csp(catalog: Path, tmp_path: Path) -> Path:
    out = tmp_path / "site"
    assert pipeline.build(catalog, out).ok
    return out


# ---- property-based: no input crashes the loader or the checker ------------------------------------

yaml_text = st.text(alphabet=st.sampled_from(list("abc:-[]{}&*!|>'\"#%@`?,\t\n 0123456789.é\x00\ufeff")), max_size=200)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yaml_text)
def test_loader_never_crashes_on_yaml_like_text(text: str):
    doc, issues = load_bytes(text.encode("utf-8", "surrogatepass"), "f.yaml")
    assert (doc is None) == bool(issues)
    assert all(i.line >= 0 and i.col >= 0 and i.code for i in issues)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_loader_never_crashes_on_bytes(data: bytes):
    doc, issues = load_bytes(data, "f.yaml")
    assert (doc is None) == bool(issues)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20)
FIELDS = {Paper: list(Paper.model_fields), Dataset: list(Dataset.model_fields),
          Benchmark: list(Benchmark.model_fields), Metric: list(Metric.model_fields)}


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(FIELDS, key=lambda m: m.__name__)), st.data())
def test_checker_never_crashes_on_arbitrary_field_values(model, data):
    fields = data.draw(st.dictionaries(st.sampled_from(FIELDS[model] + ["unknown", "id"]), json_values, max_size=6))
    text = "\n".join(f"{k}: {_q(str(v))}" for k, v in fields.items()) or "title: x"
    doc, issues = load_bytes(text.encode(), "f.yaml")
    if doc is None:
        return
    doc.data = fields  # the values themselves, whatever their type, at the loaded positions
    record, problems = check(doc, model, model.__name__.lower())
    assert (record is None) == bool(problems)
    assert all(p.code and p.line >= 1 for p in problems)
