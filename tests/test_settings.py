from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.errors import SettingsError
from arxiv_digest.settings import SECTIONS, Settings, load_settings, reference_markdown, setting_entries


def test_defaults_match_the_design_card(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    assert settings.data_dir == Path("data")
    assert settings.category == "cs.CV"
    assert settings.language == "zh"
    assert settings.arxiv_min_interval_seconds >= 3.0
    assert settings.pdf_max_bytes == 50_000_000
    assert "arxiv-digest/" in settings.user_agent
    assert not settings.uses_llm


def test_environment_overrides_file_and_file_overrides_defaults(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('category = "cs.LG"\nlanguage = "en"\nkeywords_include = ["video", "depth"]\n')
    settings = load_settings(config_file=config, environ={"ARXIV_DIGEST_LANGUAGE": "zh"})
    assert settings.category == "cs.LG"
    assert settings.language == "zh"
    assert settings.keywords_include == ("video", "depth")


def test_environment_values_are_typed(tmp_path: Path) -> None:
    settings = load_settings(
        environ={
            "ARXIV_DIGEST_MAX_PAPERS": "7",
            "ARXIV_DIGEST_INCLUDE_CROSS_LISTS": "false",
            "ARXIV_DIGEST_KEYWORDS_EXCLUDE": "survey, review",
            "ARXIV_DIGEST_DATA_DIR": str(tmp_path),
        }
    )
    assert settings.max_papers == 7
    assert settings.include_cross_lists is False
    assert settings.keywords_exclude == ("survey", "review")
    assert settings.db_path == tmp_path / "digest.duckdb"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"ARXIV_DIGEST_COLOUR": "blue"}, "unknown setting 'colour'"),
        ({"ARXIV_DIGEST_MAX_PAPERS": "many"}, "bad value for setting 'max_papers'"),
        ({"ARXIV_DIGEST_LANGUAGE": "fr"}, "language 'fr' must be one of"),
        ({"ARXIV_DIGEST_CATEGORY": "computer vision"}, "is not in arXiv's taxonomy"),
        ({"ARXIV_DIGEST_INCLUDE_CROSS_LISTS": "maybe"}, "expected true/false"),
        ({"ARXIV_DIGEST_ARXIV_API_URL": "ftp://x"}, "arxiv_api_url must be an http(s) URL"),
        ({"ARXIV_DIGEST_PDF_MAX_BYTES": "0"}, "pdf_max_bytes must be > 0"),
    ],
)
def test_bad_settings_are_clear_errors(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(environ=environ)


def test_unknown_key_in_file_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("categry = 'cs.CV'\n")
    with pytest.raises(SettingsError, match=r"unknown setting 'categry' \(file .*c.toml\)"):
        load_settings(config_file=config, environ={})


def test_an_unknown_key_suggests_the_close_one_and_lists_no_secret_or_internal_setting(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("categry = 'cs.CV'\n")
    with pytest.raises(SettingsError) as failed:
        load_settings(config_file=config, environ={})
    message = str(failed.value)
    assert message.endswith("did you mean 'category'?"), message
    assert "smtp_password" not in message and "arxiv_page_size" not in message and "llm_model" not in message
    with pytest.raises(SettingsError) as far_off:
        load_settings(environ={"ARXIV_DIGEST_COLOUR_SCHEME": "blue"})
    assert "README's Configuration section" in str(far_off.value) and "smtp_password" not in str(far_off.value)
    with pytest.raises(SettingsError) as near_secret:
        load_settings(environ={"ARXIV_DIGEST_SMTP_PASSWRD": "x"})
    assert "smtp_password" not in str(near_secret.value), "the password's name is never suggested"


def test_missing_or_broken_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(config_file=tmp_path / "nope.toml", environ={})
    broken = tmp_path / "b.toml"
    broken.write_text("category = \n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(config_file=broken, environ={})


def test_replace_validates() -> None:
    with pytest.raises(SettingsError):
        Settings().replace(language="de")
    assert Settings().replace(max_papers="3").max_papers == 3


def test_api_key_is_not_in_repr() -> None:
    assert "sekrit" not in repr(Settings(llm_api_key="sekrit"))


def test_store_layouts_name_one_file_or_one_file_per_digest(tmp_path: Path) -> None:
    from datetime import date

    single = load_settings(environ={}, data_dir=str(tmp_path))
    assert single.for_digest("cs.CV", date(2026, 1, 21)).db_path == tmp_path / "digest.duckdb"
    assert single.store_files() == []
    per_day = load_settings(environ={"ARXIV_DIGEST_STORE_LAYOUT": "per-day"}, data_dir=str(tmp_path))
    bound = per_day.for_digest("cs.CV", date(2026, 1, 21))
    assert bound.db_path == tmp_path / "days" / "2026-01-21.duckdb"
    assert per_day.for_digest("cs.RO", date(2026, 1, 21)).db_path == bound.db_path, "one file per date"
    assert bound.for_digest("cs.CV", date(2026, 1, 22)) is bound, "a bound run keeps its file"
    assert per_day.ledger_path == tmp_path / "ledger.duckdb" and single.ledger_path == single.db_path
    for day in ("2026-01-20", "2026-01-21", "2026-01-19"):
        path = tmp_path / "days" / f"{day}.duckdb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    (tmp_path / "ledger.duckdb").write_bytes(b"")
    assert [p.relative_to(tmp_path).as_posix() for p in per_day.store_files()] == [
        "days/2026-01-19.duckdb", "days/2026-01-20.duckdb", "days/2026-01-21.duckdb"]
    with pytest.raises(SettingsError, match="store_layout 'sharded' must be one of single, per-day"):
        load_settings(environ={"ARXIV_DIGEST_STORE_LAYOUT": "sharded"})
    with pytest.raises(SettingsError, match="paper_batch_size must be >= 0"):
        load_settings(environ={}, paper_batch_size=-1)


def test_every_setting_declares_its_section_and_help() -> None:
    undeclared = [entry.name for entry in setting_entries() if entry.section not in SECTIONS or not entry.help]
    assert not undeclared, f"give these a section and help in arxiv_digest/settings.py: {undeclared}"


def test_the_readme_lists_every_setting_with_its_default() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    listed = readme.split("<!-- settings:begin -->\n", 1)[1].split("<!-- settings:end -->", 1)[0]
    assert listed == reference_markdown(), "regenerate with `arxiv-digest config --markdown`"


def test_sections_are_tables_and_the_keys_at_the_top_still_read(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('language = "en"\n[digest]\ncategory = "cs.LG"\n[model]\nllm_model = "qwen"\n'
                      '[email]\nemail_max_age_days = 3\n[interests.profiles.me]\nkeywords = ["depth"]\n')
    settings = load_settings(config_file=config, environ={})
    assert (settings.category, settings.language, settings.llm_model) == ("cs.LG", "en", "qwen")
    assert settings.email_max_age_days == 3
    assert [profile.name for profile in settings.profiles] == ["me"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[email]\nllm_model = "qwen"\n', r"setting 'llm_model' \(file .*\) belongs in \[model\], not in \[email\]"),
        ('[model]\nllm_modle = "qwen"\n', r"unknown setting 'llm_modle' \(file .*\[model\]\); did you mean 'llm_mod"),
        ('[modle]\nllm_model = "qwen"\n', r"unknown setting 'modle' \(file .*\); did you mean '\[model\]'"),
        ('llm_model = "a"\n[model]\nllm_model = "b"\n', r"setting 'llm_model' is given twice"),
        ('[email]\nsmtp_password = "x"\n', r"smtp_password is not read from files"),
    ],
)
def test_a_key_in_the_wrong_table_is_an_error_naming_its_place(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(text)
    with pytest.raises(SettingsError, match=message):
        load_settings(config_file=config, environ={})


def test_config_prints_the_effective_settings_as_a_file_that_reads_back_the_same(tmp_path: Path) -> None:
    given = tmp_path / "given.toml"
    given.write_text('[model]\nllm_model = "qwen"\nllm_api_key = "sk-secret"\n[arxiv]\nkeywords_include = ["a b"]\n')
    result = CliRunner().invoke(app, ["config", "--config", str(given)], env={"ARXIV_DIGEST_MAX_PAPERS": "7"})
    assert result.exit_code == 0, result.output
    assert "sk-secret" not in result.output
    assert "# default: 0\nmax_papers = 7" in result.output
    printed = tmp_path / "printed.toml"
    printed.write_text(result.output)
    again = load_settings(config_file=printed, environ={})
    expected = load_settings(config_file=given, environ={"ARXIV_DIGEST_MAX_PAPERS": "7"})
    assert again == Settings(**{**expected.__dict__, "llm_api_key": ""})
