"""The TOML configuration: defaults, paths, validation messages, the API key and its masking."""

from __future__ import annotations

import dataclasses
import pickle
import re
from pathlib import Path

import pytest

from zotmark.config import (
    ApiKey,
    Config,
    DaemonSettings,
    ListSettings,
    StateSettings,
    ZoteroSettings,
    default_config_path,
    load_config,
)
from zotmark.config_reader import keys
from zotmark.errors import ConfigError, ExitCode

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "zotmark.toml"
LIST = '[[lists]]\nfile = "reading-list.md"\ncollection = "Reading List"\n'
KEY = "P9NiFoyLeZu2bZNvvuQPDWsd"


def write(tmp_path: Path, text: str, name: str = "zotmark.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    path.chmod(0o600)
    return path


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert caught.value.exit_code == ExitCode.USAGE
    return caught.value.message


# -- the example and the defaults ------------------------------------------------------------


def test_the_example_config_states_exactly_the_defaults(tmp_path: Path) -> None:
    """Loading config/zotmark.toml gives the same config as a minimal file with one list."""
    example = load_config(EXAMPLE)
    minimal = load_config(write(tmp_path, LIST))
    assert example.zotero == minimal.zotero
    assert example.daemon == minimal.daemon
    assert example.state == minimal.state
    assert dataclasses.replace(example.lists[0], file=minimal.lists[0].file) == minimal.lists[0]


@pytest.mark.parametrize(
    ("section", "model"),
    [
        ("zotero", ZoteroSettings),
        ("state", StateSettings),
        ("daemon", DaemonSettings),
        ("lists", ListSettings),
    ],
)
def test_the_example_config_documents_every_key(section: str, model: type) -> None:
    """Every key of every section appears in the example, with a comment line above it."""
    lines = EXAMPLE.read_text().splitlines()
    for key in (field.name for field in keys(model)):
        found = [i for i, line in enumerate(lines) if re.match(rf"#? ?{key} = ", line)]
        assert found, f"{section}.{key} is missing from {EXAMPLE}"
        assert lines[found[0] - 1].startswith("#"), f"{section}.{key} has no comment"


def test_a_list_is_named_after_its_file_by_default(tmp_path: Path) -> None:
    """Without ``name``, a list is called by its file's stem."""
    config = load_config(write(tmp_path, '[[lists]]\nfile = "notes/papers.md"\ncollection = "X"\n'))
    assert config.lists[0].name == "papers"


def test_the_default_state_dir_is_the_user_state_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without ``[state] dir`` (or with ``dir = ""``) the platform's state directory is used."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    assert load_config(write(tmp_path, LIST)).state.dir == tmp_path / "xdg-state" / "zotmark"
    text = '[state]\ndir = ""\n' + LIST
    assert load_config(write(tmp_path, text)).state.dir == tmp_path / "xdg-state" / "zotmark"


# -- paths -----------------------------------------------------------------------------------


def test_relative_paths_resolve_against_the_config_files_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """file, bibtex, api_key_file and state.dir are taken relative to the config file."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "conf").mkdir()
    text = (
        '[zotero]\napi_key_file = "secret/key"\n[state]\ndir = "../state"\n'
        '[[lists]]\nfile = "lists/rl.md"\ncollection = "X"\nbibtex = "rl.bib"\n'
    )
    config = load_config(Path("conf") / write(tmp_path / "conf", text).name)
    conf = tmp_path / "conf"
    assert config.path == conf / "zotmark.toml"
    assert config.zotero.api_key_file == conf / "secret" / "key"
    assert config.state.dir == conf / ".." / "state"
    assert (config.lists[0].file, config.lists[0].bibtex) == (conf / "lists/rl.md", conf / "rl.bib")


def test_absolute_and_home_paths_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An absolute path stays as written and ``~`` means the home directory."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    text = '[[lists]]\nfile = "~/rl.md"\ncollection = "X"\nbibtex = "/srv/rl.bib"\n'
    settings = load_config(write(tmp_path, text)).lists[0]
    assert (settings.file, settings.bibtex) == (tmp_path / "home" / "rl.md", Path("/srv/rl.bib"))


def test_an_empty_bibtex_means_no_export(tmp_path: Path) -> None:
    """``bibtex = ""`` is the same as leaving it out."""
    assert load_config(write(tmp_path, LIST + 'bibtex = ""\n')).lists[0].bibtex is None


def test_the_local_config_file_is_found_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``./zotmark.toml`` wins over the one in the user config directory."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert default_config_path(tmp_path) == tmp_path / "xdg" / "zotmark" / "zotmark.toml"
    write(tmp_path, LIST)
    assert default_config_path(tmp_path) == tmp_path / "zotmark.toml"


def test_load_config_without_a_path_reads_the_default_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``load_config(None)`` reads the user config directory's file when there is no local one."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    (tmp_path / "xdg" / "zotmark").mkdir(parents=True)
    path = write(tmp_path / "xdg" / "zotmark", LIST)
    assert load_config(None).path == path


# -- validation messages ---------------------------------------------------------------------


def test_a_wrong_choice_names_file_key_value_and_allowed_values(tmp_path: Path) -> None:
    """The message is one line with the file, ``lists[0].conflict``, the value and the choices."""
    message = error_for(tmp_path, LIST + 'conflict = "theirs-wins"\n')
    assert message == (
        f"invalid config file {tmp_path / 'zotmark.toml'}: lists[0].conflict = "
        '"theirs-wins": the allowed values are "markdown-wins", "zotero-wins" or "fail".'
    )


def test_several_problems_make_one_line_in_the_order_of_the_sections(tmp_path: Path) -> None:
    """The problems of several sections are sentences of one line, [zotero]'s before
    [daemon]'s and the missing lists last, whatever the order of the file."""
    message = error_for(tmp_path, '[daemon]\npoll_seconds = 0\n[zotero]\nlibrary_type = "x"\n')
    assert message == (
        f'invalid config file {tmp_path / "zotmark.toml"}: zotero.library_type = "x": the '
        'allowed values are "user" or "group"; daemon.poll_seconds = 0: it should be a number '
        "≥ 1 and ≤ 86400; lists is required but missing."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zotero = 5\n", "zotero = 5: it should be a table"),
        ("lists = [1]\n", "lists[0] = 1: it should be a table"),
        (LIST + "flags = 5\n", "lists[0].flags = 5: it should be a table"),
        (LIST + "flags = { a = 1 }\n", "lists[0].flags.a = 1: it should be a valid string"),
    ],
)
def test_a_value_that_is_not_a_table_where_one_belongs_is_named(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert expected in error_for(tmp_path, text)


def test_an_unknown_key_is_named_with_the_allowed_keys_but_not_its_value(tmp_path: Path) -> None:
    """An extra key (here a misplaced API key) is an error that never repeats the value."""
    message = error_for(tmp_path, f'[zotero]\napi_key = "{KEY}"\n' + LIST)
    assert "zotero.api_key is not a known key" in message
    assert "api_key_env, api_key_file" in message
    assert KEY not in message


def test_an_unknown_section_is_an_error(tmp_path: Path) -> None:
    """A misspelt section name is refused, with the sections allowed."""
    message = error_for(tmp_path, "[zotro]\nx = 1\n" + LIST)
    assert (
        "zotro is not a known key (the keys allowed there are: zotero, state, daemon, lists)"
        in (message)
    )


def test_an_api_key_put_in_api_key_env_is_refused_without_showing_it(tmp_path: Path) -> None:
    """The common slip of writing the key instead of the variable's name does not leak it."""
    message = error_for(tmp_path, f'[zotero]\napi_key_env = "{KEY}"\n' + LIST)
    assert "zotero.api_key_env" in message
    assert KEY not in message


def test_a_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    """A TOML error says where it is."""
    message = error_for(tmp_path, '[[lists]]\nfile = "a.md\ncollection = "X"\n')
    assert "is not valid TOML" in message
    assert "line 2" in message


def test_a_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    """A config file that does not exist is named, with how to make one."""
    with pytest.raises(ConfigError, match="does not exist") as caught:
        load_config(tmp_path / "nope.toml")
    assert str(tmp_path / "nope.toml") in caught.value.message
    assert caught.value.exit_code == ExitCode.USAGE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[zotero]\n", "lists is required but missing"),
        ("lists = []\n", "at least one [[lists]] table"),
        ('[lists]\nfile = "a.md"\n', "write [[lists]], not [lists]"),
        ('[[lists]]\ncollection = "X"\n', "lists[0].file is required but missing."),
        ('[[lists]]\nfile = 5\ncollection = "X"\n', "lists[0].file = 5: it should be a path"),
    ],
)
def test_list_tables_are_required(tmp_path: Path, text: str, expected: str) -> None:
    """Missing or malformed [[lists]] tables get one precise sentence."""
    assert expected in error_for(tmp_path, text)


def test_list_names_must_be_unique(tmp_path: Path) -> None:
    """Two lists with one name are refused, naming both."""
    text = LIST + '[[lists]]\nfile = "other/reading-list.md"\ncollection = "Y"\n'
    message = error_for(tmp_path, text)
    assert 'lists[0] and lists[1] are both named "reading-list"' in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[daemon]\npoll_seconds = 0\n", "daemon.poll_seconds = 0: it should be a number ≥ 1 and"),
        ('[daemon]\npoll_seconds = "60"\n', 'daemon.poll_seconds = "60": it should be a valid'),
        ("[daemon]\ndebounce_seconds = -0.1\n", "daemon.debounce_seconds = -0.1: it should be"),
        ('[zotero]\nlibrary_type = "group"\n', "a group library needs library_id"),
        ('[zotero]\nlibrary_id = "me"\n', 'zotero.library_id = "me": it must be the library'),
        ('[zotero]\nbase_url = "api.zotero.org"\n', "it must be an http:// or https:// URL"),
        ('[zotero]\nstream_url = "https://x"\n', "it must be a ws:// or wss:// URL"),
    ],
)
def test_bad_values_in_sections_are_named(tmp_path: Path, text: str, expected: str) -> None:
    """Each bad value in [zotero] or [daemon] gets a sentence naming its key."""
    assert expected in error_for(tmp_path, text + LIST)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "max_delete_fraction = 1.5",
            "max_delete_fraction = 1.5: it should be a number ≥ 0 and ≤ 1",
        ),
        (
            "max_delete_fraction = nan",
            "max_delete_fraction = nan: it should be a number ≥ 0 and ≤ 1",
        ),
        ('anchors = "yes"', 'lists[0].anchors = "yes": it should be a valid boolean'),
        ('on_zotero_delete = "delete"', '"strike", "remove" or "keep"'),
        ('on_markdown_delete = "x"', '"remove-from-collection", "trash" or "keep"'),
        ('flags = { "Relevant?" = "read" }', "the tag 'read' is both read_tag and a flag's tag"),
        ('flags = { "Relevant?" = "" }', "flag labels and tags must not be empty"),
        ('read_tag = ""', 'lists[0].read_tag = "": it should have at least 1 character'),
        ('in_progress_tag = "read"', "read_tag, in_progress_tag and cancelled_tag must be three"),
        ('flags = { "Relevant?" = "reading" }', "'reading' is both in_progress_tag and a flag's"),
        ('status_store = "extra"', '"tags" or "reading-list-plugin"'),
        ('plugin_statuses = { "Read" = "done" }', "maps a status name to a box"),
        ('plugin_statuses = { "Read" = "[x]" }', "names no status for [ ], [/], [-]"),
        (
            'citekey_formula = "auth + editor"',
            "lists[0].citekey_formula = \"auth + editor\": unknown function 'editor' (known: ",
        ),
        ("citekey_formula = \"auth + 'a b'\"", "holds a character a BibTeX key cannot hold"),
    ],
)
def test_bad_values_in_a_list_are_named(tmp_path: Path, line: str, expected: str) -> None:
    """Each bad value in a [[lists]] table gets a sentence naming ``lists[i].key``."""
    assert expected in error_for(tmp_path, LIST + line + "\n")


@pytest.mark.parametrize(
    ("line", "shown", "allowed"),
    [
        ("poll_seconds = inf", "poll_seconds = inf", "≥ 1 and ≤ 86400"),
        ("poll_seconds = 1e300", "poll_seconds = 1e+300", "≥ 1 and ≤ 86400"),
        ("poll_seconds = nan", "poll_seconds = nan", "≥ 1 and ≤ 86400"),
        ("poll_seconds = 0.5", "poll_seconds = 0.5", "≥ 1 and ≤ 86400"),
        ("debounce_seconds = 1e300", "debounce_seconds = 1e+300", "≥ 0 and ≤ 60"),
        ("debounce_seconds = -inf", "debounce_seconds = -inf", "≥ 0 and ≤ 60"),
    ],
)
def test_daemon_seconds_outside_their_range_are_refused_with_the_range(
    tmp_path: Path, line: str, shown: str, allowed: str
) -> None:
    """Values that pass as numbers but overflow timers later are refused at load, with the
    whole allowed range in the message."""
    message = error_for(tmp_path, f"[daemon]\n{line}\n" + LIST)
    assert f"daemon.{shown}: it should be a number {allowed}." in message


def test_a_state_dir_that_is_a_file_is_refused_naming_key_and_file(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("not a directory\n")
    message = error_for(tmp_path, '[state]\ndir = "state"\n' + LIST)
    assert f'state.dir = "state": {tmp_path / "state"} is a file, not a directory' in message


def test_a_state_dir_under_a_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a directory\n")
    message = error_for(tmp_path, '[state]\ndir = "notes.txt/state"\n' + LIST)
    assert f"{tmp_path / 'notes.txt'} is a file, not a directory" in message


def test_a_state_dir_that_does_not_exist_yet_is_accepted(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[state]\ndir = "new/state"\n' + LIST))
    assert config.state.dir == tmp_path / "new" / "state"


def test_many_problems_are_summarised_after_three(tmp_path: Path) -> None:
    """Beyond three problems the message counts the rest."""
    text = (
        '[daemon]\npoll_seconds = 0\ndebounce_seconds = -1\n[zotero]\nlibrary_type = "x"\n'
        + LIST
        + 'conflict = "y"\nenrich = "no"\n'
    )
    assert error_for(tmp_path, text).endswith("; and 2 more problems.")


def test_accepted_spellings(tmp_path: Path) -> None:
    """An integer library_id, integer seconds, no stream URL and a trailing slash are fine."""
    text = (
        '[zotero]\nlibrary_type = "group"\nlibrary_id = 12345\nstream_url = ""\n'
        'base_url = "http://127.0.0.1:8085/"\n[daemon]\npoll_seconds = 5\ndebounce_seconds = 0\n'
    )
    config = load_config(write(tmp_path, text + LIST))
    assert config.zotero.library_id == "12345"
    assert config.zotero.base_url == "http://127.0.0.1:8085"
    assert (config.zotero.stream_url, config.daemon.poll_seconds) == ("", 5.0)


def test_the_config_is_immutable(tmp_path: Path) -> None:
    """Settings cannot be changed after loading."""
    config = load_config(write(tmp_path, LIST))
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.lists[0].conflict = "fail"  # type: ignore[misc]


# -- lists -----------------------------------------------------------------------------------

TWO_LISTS = LIST + '[[lists]]\nname = "lab"\nfile = "lab.md"\ncollection = "ABCD2345"\n'


def test_a_list_is_found_by_name(tmp_path: Path) -> None:
    """``Config.list(name)`` returns that list's settings."""
    config = load_config(write(tmp_path, TWO_LISTS))
    assert config.list("lab").file == tmp_path / "lab.md"
    assert [s.name for s in config.select(None)] == ["reading-list", "lab"]
    assert config.select("lab") == (config.list("lab"),)


def test_an_unknown_list_name_lists_the_names(tmp_path: Path) -> None:
    """Asking for a list that is not configured names the ones that are."""
    config = load_config(write(tmp_path, TWO_LISTS))
    with pytest.raises(
        ConfigError, match="no list named 'labs'; its lists are: 'reading-list', 'lab'"
    ):
        config.list("labs")


def test_no_list_name_means_the_only_list(tmp_path: Path) -> None:
    """``list(None)`` is the one list when there is one, an error naming them when several."""
    assert load_config(write(tmp_path, LIST)).list(None).name == "reading-list"
    with pytest.raises(ConfigError, match=r"several lists .* choose one with --list"):
        load_config(write(tmp_path, TWO_LISTS)).list(None)


def test_a_collection_key_is_recognised(tmp_path: Path) -> None:
    """An 8-character key is a collection key; a name is not."""
    config = load_config(write(tmp_path, TWO_LISTS))
    assert config.list("lab").collection_key == "ABCD2345"
    assert config.list("reading-list").collection_key is None


# -- the API key -----------------------------------------------------------------------------


def test_the_api_key_comes_from_the_named_variable(tmp_path: Path) -> None:
    """The key is read from ``api_key_env`` and stripped."""
    config = load_config(
        write(tmp_path, '[zotero]\napi_key_env = "MY_KEY"\n' + LIST),
        environ={"MY_KEY": f" {KEY}\n"},
    )
    assert config.api_key().reveal() == KEY


def test_the_api_key_comes_from_the_key_file_when_the_variable_is_unset(tmp_path: Path) -> None:
    """Without the variable, ``api_key_file`` is read and stripped."""
    write(tmp_path, f"{KEY}\n", name="key")
    config = load_config(write(tmp_path, '[zotero]\napi_key_file = "key"\n' + LIST), environ={})
    assert config.api_key().reveal() == KEY


def test_the_variable_wins_over_the_key_file(tmp_path: Path) -> None:
    """When both hold a key, the environment variable's is used."""
    write(tmp_path, "FILEKEYFILEKEYFILEKEY123\n", name="key")
    text = '[zotero]\napi_key_file = "key"\n' + LIST
    config = load_config(write(tmp_path, text), environ={"ZOTERO_API_KEY": KEY})
    assert config.api_key().reveal() == KEY


def test_a_missing_api_key_tells_how_to_provide_one(tmp_path: Path) -> None:
    """No variable and no key file: a usage error naming the variable and the key file."""
    config = load_config(write(tmp_path, '[zotero]\napi_key_file = "key"\n' + LIST), environ={})
    with pytest.raises(ConfigError) as caught:
        config.api_key()
    assert caught.value.exit_code == ExitCode.USAGE
    assert "set the environment variable ZOTERO_API_KEY" in caught.value.message
    assert f"create the key file {tmp_path / 'key'}" in caught.value.message


def test_a_missing_api_key_without_key_file_suggests_setting_one(tmp_path: Path) -> None:
    """Without ``api_key_file`` the message says how to configure it."""
    config = load_config(write(tmp_path, LIST), environ={"ZOTERO_API_KEY": "  "})
    with pytest.raises(ConfigError, match=r"or set zotero.api_key_file in .*zotmark.toml"):
        config.api_key()


@pytest.mark.parametrize(("content", "expected"), [("\n", "is empty"), ("a b", "one word")])
def test_a_bad_key_file_is_a_config_error(tmp_path: Path, content: str, expected: str) -> None:
    """An empty key file, or one with more than the key, is refused."""
    write(tmp_path, content, name="key")
    config = load_config(write(tmp_path, '[zotero]\napi_key_file = "key"\n' + LIST), environ={})
    with pytest.raises(ConfigError, match=expected):
        config.api_key()


def test_the_api_key_is_masked_everywhere_it_could_show(tmp_path: Path) -> None:
    """str, repr, format and f-strings show ``…`` and the last four characters only."""
    key = ApiKey(KEY)
    assert str(key) == "…DWsd"
    assert repr(key) == "ApiKey('…DWsd')"
    assert f"{key}|{key!r}|{key:>6}" == "…DWsd|ApiKey('…DWsd')| …DWsd"
    assert key.reveal() == KEY


def test_the_api_key_cannot_be_pickled() -> None:
    """Pickling would write the key out, so it is refused."""
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(ApiKey(KEY))


def test_a_short_key_is_masked_completely() -> None:
    """A key shorter than 12 characters shows nothing of itself."""
    assert str(ApiKey("abcdef")) == "…"


def test_api_keys_compare_by_value() -> None:
    """Two keys with the same text are equal (and hash alike)."""
    assert ApiKey(KEY) == ApiKey(KEY)
    assert ApiKey(KEY) != ApiKey(KEY[::-1])
    assert len({ApiKey(KEY), ApiKey(KEY)}) == 1


# -- warnings --------------------------------------------------------------------------------


def test_a_config_file_readable_by_others_gets_a_warning(tmp_path: Path) -> None:
    """Mode 0644 on the config file is reported with the chmod that fixes it."""
    path = write(tmp_path, LIST)
    assert load_config(path).warnings() == []
    path.chmod(0o644)
    assert load_config(path).warnings() == [
        f"{path} is readable by other users (mode 0644); make it private with: chmod 600 {path}"
    ]


def test_a_key_file_readable_by_the_group_gets_a_warning(tmp_path: Path) -> None:
    """A key file readable by its group is reported; a missing key file is not."""
    text = '[zotero]\napi_key_file = "key"\n' + LIST
    assert load_config(write(tmp_path, text)).warnings() == []
    write(tmp_path, KEY, name="key").chmod(0o640)
    (warning,) = load_config(write(tmp_path, text)).warnings()
    assert warning.startswith(f"{tmp_path / 'key'} is readable by other users (mode 0640)")


def test_config_has_no_api_key_in_its_repr_or_fields(tmp_path: Path) -> None:
    """The loaded config holds no key: neither its repr nor its fields (but the environment it
    reads the key from) contain it."""
    config = load_config(write(tmp_path, LIST), environ={"ZOTERO_API_KEY": KEY})
    assert KEY not in repr(config)
    fields = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
    assert KEY not in repr({name: value for name, value in fields.items() if name != "environ"})
    assert isinstance(config, Config)
