"""Command line: ``avi-atlas validate | build | serve``.

The only module that prints or exits. Exit codes: 0 success, 1 the catalog has
errors (or the site could not be written), 2 the command was called wrongly.
"""

from __future__ import annotations

import os
import re
import sys
from enum import Enum
from pathlib import Path

import typer

from . import pipeline, prefetch
from .progress import for_terminal
from .issues import BuildError

app = typer.Typer(
    name="avi-atlas",
    help="Validate the AVI Atlas catalog and publish it as a static website.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Format(str, Enum):
    text = "text"
    json = "json"
    github = "github"


CatalogOpt = typer.Option(Path("catalog"), "--catalog", "-c", help="Folder holding taxonomy.yaml and the records.")
ConfigOpt = typer.Option(None, "--config", help="Rule severities (default: ./avi-atlas.toml when present).")
StrictOpt = typer.Option(False, "--strict", help="Treat warnings as errors.")
CacheOpt = typer.Option(
    True, "--cache/--no-cache",
    help="Skip re-checking files unchanged since they last checked clean (cache outside the catalog).")


def _settings(path: Path | None):
    from . import config

    try:
        return config.load(path)
    except config.ConfigError as exc:
        raise _usage(str(exc))


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _usage(message: str) -> "typer.Exit":
    _err(f"avi-atlas: error: {message}")
    return typer.Exit(2)


def _print_report(report, fmt: Format) -> None:
    body = report.format(fmt.value)
    if body:
        typer.echo(body)
    if fmt is Format.text:
        _err(("✓ " if report.ok else "✗ ") + report.summary())


@app.command()
def validate(
    catalog: Path = CatalogOpt,
    format: Format = typer.Option(Format.text, "--format", "-f", help="Output: text, json or github annotations."),
    config: Path = ConfigOpt,
    strict: bool = StrictOpt,
    cache: bool = CacheOpt,
) -> None:
    """Check every record and the catalog as a whole; report all issues at once."""
    settings = _settings(config)
    try:
        seen = prefetch.taken(catalog, None)  # what the catalog holds, if taken while the program imported
        _, report = pipeline.validate(catalog, settings, strict, progress=for_terminal(), use_cache=cache,
                                      listing=seen.listing if seen is not None else None)
    except pipeline.UsageError as exc:
        raise _usage(str(exc))
    _print_report(report, format)
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def build(
    catalog: Path = CatalogOpt,
    out: Path = typer.Option(Path("site"), "--out", "-o", help="Output folder (replaced atomically)."),
    base_url: str = typer.Option("/", "--base-url", help="Public root of the site, e.g. https://example.org/avi-atlas/."),
    search: bool = typer.Option(True, "--search/--no-search", help="Build the Pagefind search index."),
    repo_url: str = typer.Option("", "--repo-url", help="GitHub repository of the catalog, for 'edit this record' links."),
    config: Path = ConfigOpt,
    strict: bool = StrictOpt,
    cache: bool = CacheOpt,
) -> None:
    """Validate, then render the whole site into OUT. Writes nothing if the catalog has errors."""
    if repo_url and not re.match(r"^https://[^\s]+$", repo_url):
        raise _usage(f"--repo-url must be an https:// URL, not '{repo_url}'")
    settings = _settings(config)
    try:
        report = pipeline.build(catalog, out, base_url=base_url, search=search, repo_url=repo_url,
                                settings=settings, strict=strict, progress=for_terminal(), use_cache=cache,
                                seen=prefetch.taken(catalog, out))
    except pipeline.UsageError as exc:
        raise _usage(str(exc))
    except (BuildError, OSError) as exc:
        _err(f"avi-atlas: build failed: {exc}")
        raise typer.Exit(1)
    if not report.ok:
        _print_report(report, Format.text)
        _err("nothing was written: fix the errors above and build again")
        raise typer.Exit(1)
    if report.issues:
        _print_report(report, Format.text)
    _err(f"{out}/ is up to date (no input changed)" if report.up_to_date
         else f"built {out}/ ({report.rendered:,} pages rendered)")


@app.command()
def serve(
    catalog: Path = CatalogOpt,
    out: Path = typer.Option(Path("site"), "--out", "-o", help="Output folder."),
    port: int = typer.Option(8000, "--port", "-p", help="Port on 127.0.0.1 (0 picks a free one)."),
    watch: bool = typer.Option(True, "--watch/--no-watch", help="Rebuild when catalog or templates change."),
    search: bool = typer.Option(True, "--search/--no-search", help="Build the Pagefind search index."),
) -> None:
    """Build, serve the site on 127.0.0.1, and rebuild when a record or template changes."""
    from .serve import serve_site

    try:
        serve_site(catalog, out, port=port, watch=watch, log=_err, search=search)
    except pipeline.UsageError as exc:
        raise _usage(str(exc))
    except OSError as exc:
        _err(f"avi-atlas: cannot serve: {exc}")
        raise typer.Exit(1)


@app.command("import-survey")
def import_survey(
    list_path: Path = typer.Argument(..., metavar="LIST", help="The survey's list as TSV (survey-list.tsv)."),
    checks: Path = typer.Option(None, "--checks", help="Checked facts per row (JSON Lines); unchecked rows import as unverified."),
    catalog: Path = CatalogOpt,
    added: str = typer.Option(None, "--added", help="Date to put in `added:` of new records (YYYY-MM-DD; default today)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would change; write nothing."),
) -> None:
    """Import the survey's paper list: one record per row, checked facts applied, corrections logged."""
    import datetime as dt

    from . import survey_import

    if not list_path.is_file():
        raise _usage(f"list file '{list_path}' does not exist")
    if checks is not None and not checks.is_file():
        raise _usage(f"checks file '{checks}' does not exist")
    try:
        day = dt.date.fromisoformat(added) if added else dt.date.today()
    except ValueError:
        raise _usage(f"--added must be a date as YYYY-MM-DD, not '{added}'")
    try:
        outcome = survey_import.run(list_path, checks, catalog, day)
    except pipeline.UsageError as exc:
        raise _usage(str(exc))
    except (ValueError, KeyError, OSError) as exc:
        _err(f"avi-atlas: import failed: {exc}")
        raise typer.Exit(1)
    statuses: dict[str, int] = {}
    for *_, status in outcome.rows:
        statuses[status] = statuses.get(status, 0) + 1
    by_field: dict[str, int] = {}
    for c in outcome.corrections:
        by_field[c["field"]] = by_field.get(c["field"], 0) + 1
    typer.echo(f"{len(outcome.rows)} rows: " + ", ".join(f"{v} {k}" for k, v in sorted(statuses.items())))
    typer.echo(f"{len(outcome.created)} records to create, {len(outcome.updated)} to update")
    typer.echo("corrections by field: " + (", ".join(f"{k} {v}" for k, v in sorted(by_field.items())) or "none"))
    if dry_run:
        typer.echo("dry run: nothing written")
        return
    survey_import.write(outcome, catalog)
    _, report = pipeline.validate(catalog)
    if not report.ok:
        _print_report(report, Format.text)
        raise typer.Exit(1)
    typer.echo("written; the catalog validates")


class Kind(str, Enum):
    paper = "paper"
    dataset = "dataset"
    benchmark = "benchmark"
    metric = "metric"


@app.command()
def new(
    kind: Kind = typer.Argument(..., help="paper, dataset, benchmark or metric"),
    record_id: str = typer.Argument(..., metavar="ID", help="The new record's id (its file name), e.g. av-hubert."),
    catalog: Path = CatalogOpt,
) -> None:
    """Write a new record with every field, each with a comment saying what goes there."""
    from .models.base import ID_MAX, is_id
    from .scaffold import KIND_OF, scaffold

    if not is_id(record_id):
        raise _usage(f"'{record_id}' is not a valid id: lowercase letters, digits and single hyphens, "
                     f"at most {ID_MAX} characters (e.g. av-hubert)")
    if not catalog.is_dir():
        raise _usage(f"catalog directory '{catalog}' does not exist")
    folder = catalog / KIND_OF[kind.value]
    path = folder / f"{record_id}.yaml"
    if path.exists():
        _err(f"avi-atlas: {path} exists already; edit it, or choose another id")
        raise typer.Exit(1)
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(scaffold(KIND_OF[kind.value]), encoding="utf-8")
    typer.echo(f"wrote {path}")
    _err("fill it in from a source, delete what you cannot check, then run `avi-atlas validate`")


@app.command("import-bib")
def import_bib(
    bib: Path = typer.Argument(..., metavar="FILE.bib", help="A BibTeX file."),
    catalog: Path = CatalogOpt,
    task: list[str] = typer.Option([], "--task", help="Task id to give every new record (repeatable)."),
    method: list[str] = typer.Option([], "--method", help="Method id to give every new record (repeatable)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would be written; write nothing."),
) -> None:
    """Turn BibTeX entries into paper records; report entries that duplicate a record instead of writing them."""
    import datetime as dt

    from . import bibimport

    if not bib.is_file():
        raise _usage(f"BibTeX file '{bib}' does not exist")
    cat, report = pipeline.validate(catalog)  # raises UsageError for a missing catalog
    try:
        text = bib.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        _err(f"avi-atlas: {bib} is not UTF-8 text")
        raise typer.Exit(1)
    outcome = bibimport.run(text, cat, task, method, dt.date.today())
    for message in outcome.failures:
        _err(f"{bib}: {message}")
    for d in outcome.duplicates:
        where = d.other if d.other.startswith("entry ") else f"catalog/papers/{d.other}.yaml"
        typer.echo(f"{bib}: duplicate: entry '{d.key}' is already {where} ({d.reason}); not written")
    for rid, rec in outcome.records.items():
        typer.echo(f"{'would write' if dry_run else 'wrote'} {catalog / 'papers' / (rid + '.yaml')} "
                   f"(from '{outcome.keys[rid]}')")
    if not dry_run:
        bibimport.write(outcome, catalog)
        if outcome.records and not (task or method):
            _err("add `tasks:` (or `methods:`) to each new record, then run `avi-atlas validate`")
    raise typer.Exit(1 if outcome.failures else 0)


@app.command()
def schema(
    out: Path = typer.Option(Path("schemas"), "--out", "-o", help="Folder for <kind>.schema.json files."),
) -> None:
    """Write a JSON Schema per record kind, generated from the models (editors use them to complete and check)."""
    from .export import json_schemas

    out.mkdir(parents=True, exist_ok=True)
    for name, text in json_schemas().items():
        (out / name).write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out / name}")


class ExportFormat(str, Enum):
    json = "json"
    csv = "csv"
    bib = "bib"


@app.command()
def export(
    format: ExportFormat = typer.Option(..., "--format", "-f", help="json (the whole catalog), csv or bib."),
    catalog: Path = CatalogOpt,
    out: Path = typer.Option(None, "--out", "-o", help="File (json, bib) or folder (csv); default: standard output."),
    kind: str = typer.Option("papers", "--kind", help="With csv to standard output: papers, datasets, benchmarks, results or metrics."),
) -> None:
    """Export the catalog as JSON, CSV or BibTeX (the same files the site publishes under data/)."""
    from . import export as exports

    cat, report = pipeline.validate(catalog) if catalog.is_dir() else (None, None)
    if cat is None:
        raise _usage(f"catalog directory '{catalog}' does not exist")
    if not report.ok:
        _print_report(report, Format.text)
        _err("nothing exported: fix the errors above first")
        raise typer.Exit(1)
    if format is ExportFormat.csv:
        files = exports.csv_files(cat)
        if out is None:
            name = f"{kind}.csv"
            if name not in files:
                raise _usage(f"--kind must be one of {', '.join(f[:-4] for f in files)}")
            typer.echo(files[name], nl=False)
            return
        out.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (out / name).write_text(text, encoding="utf-8")
            _err(f"wrote {out / name}")
        return
    text = exports.catalog_json(cat) if format is ExportFormat.json else exports.bibtex_bundle(cat, list(cat.papers))
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        _err(f"wrote {out}")


@app.command()
def stats(
    catalog: Path = CatalogOpt,
    format: Format = typer.Option(Format.text, "--format", "-f", help="text or json."),
) -> None:
    """Counts by pillar, task and year, and the records missing recommended fields."""
    import json

    from . import statistics

    if not catalog.is_dir():
        raise _usage(f"catalog directory '{catalog}' does not exist")
    cat, report = pipeline.validate(catalog)
    data = statistics.collect(cat)
    if format is Format.json:
        typer.echo(json.dumps(data, indent=1, ensure_ascii=False))
    else:
        typer.echo(statistics.as_text(data))
    if not report.ok:
        _err(f"note: the catalog has {report.summary()}; records that failed to load are not counted")


def main() -> None:
    """Run the command, then leave at once: the interpreter's own teardown (a last collection over,
    and freeing of, the hundreds of thousands of objects of a large catalog) took 0.2 s, a tenth of
    an update of a 10,000-paper site. Every file the command writes is closed by then, and the
    output streams are flushed here. For the same reason what a build or validate made is never
    freed (pipeline.LEFT_FOR_EXIT)."""
    pipeline.LEFT_FOR_EXIT = []
    try:
        app()
        code: object = 0
    except KeyboardInterrupt:
        code = 130
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = 0
    elif not isinstance(code, int):  # as Python does for sys.exit("message")
        print(code, file=sys.stderr)
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: nothing more can be said
        code = code or 1
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
