"""Settings: where the file comes from, env overrides, errors naming file, key and problem."""

from pathlib import Path

import pytest

from chat_console import config
from chat_console.config import (
    AuthMethod,
    ClientAuth,
    ConfigError,
    GrantType,
    Settings,
    load_settings,
)

MINIMAL = """
[auth]
token = "tok"
[operator]
user_id = "op-1"
"""


@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the platformdirs seam at an empty folder, so no real user config leaks in."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setattr(config, "config_dir", lambda: home)
    return home


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)  # as a file holding a secret should be; one test loosens it
    return path


def problem(path: str | Path | None = None, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as error:
        load_settings(path, env=env or {})
    return str(error.value)


def test_minimal_file_gets_every_default(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path / "c.toml", MINIMAL), env={})
    assert settings.server.url == "http://127.0.0.1:8161"
    assert settings.server.socketio_path == "socket.io"
    assert settings.server.verify_tls is True
    assert settings.auth.method is AuthMethod.TOKEN
    assert settings.client.ack_timeout == 10.0
    assert (settings.ui.wait_warning, settings.ui.wait_alert) == (60, 300)
    assert settings.operators == []
    assert settings.keymap == {}
    assert settings.source == str(tmp_path / "c.toml")
    assert settings.notices == []


def test_example_file_documents_every_key_and_loads(tmp_path: Path) -> None:
    example = (Path(__file__).parents[2] / "config.example.toml").read_text(encoding="utf-8")
    filled = example.replace('token = ""', 'token = "tok"', 1).replace(
        'user_id = ""', 'user_id = "op-1"', 1
    )
    settings = load_settings(write(tmp_path / "example.toml", filled), env={})
    assert [(o.id, o.name) for o in settings.operators] == [("op-2", "Oscar Other")]
    # Every field of every section appears in the example (commented out or not).
    for section_name, section in Settings.model_fields.items():
        annotation = section.annotation
        fields = getattr(annotation, "model_fields", None)
        if section_name == "operators":
            fields = config.OperatorEntry.model_fields
        for key in fields or {}:
            assert f"{key} =" in example, f"{section_name}.{key} is not documented"


def test_cli_path_wins_over_env_and_user_dir(tmp_path: Path, config_home: Path) -> None:
    write(config_home / "config.toml", MINIMAL.replace("op-1", "from-home"))
    from_env = write(tmp_path / "env.toml", MINIMAL.replace("op-1", "from-env"))
    from_cli = write(tmp_path / "cli.toml", MINIMAL.replace("op-1", "from-cli"))
    env = {"CHAT_CONSOLE_CONFIG": str(from_env)}
    assert load_settings(from_cli, env=env).operator.user_id == "from-cli"
    assert load_settings(None, env=env).operator.user_id == "from-env"
    assert load_settings(None, env={}).operator.user_id == "from-home"


def test_env_overrides_file_values_with_types(tmp_path: Path) -> None:
    env = {
        "CHAT_CONSOLE_SERVER__URL": "https://chat.example.com/",
        "CHAT_CONSOLE_SERVER__VERIFY_TLS": "false",
        "CHAT_CONSOLE_CLIENT__ACK_TIMEOUT": "2.5",
        "CHAT_CONSOLE_KEYMAP__QUIT": "ctrl+q",
        "CHAT_CONSOLE_CONFIG_UNRELATED": "ignored: no double underscore",
    }
    settings = load_settings(write(tmp_path / "c.toml", MINIMAL), env=env)
    assert settings.server.url == "https://chat.example.com"
    assert settings.server.verify_tls is False
    assert settings.client.ack_timeout == 2.5
    assert settings.keymap == {"quit": "ctrl+q"}


def test_env_alone_is_enough_when_it_has_everything() -> None:
    env = {"CHAT_CONSOLE_AUTH__TOKEN": "tok", "CHAT_CONSOLE_OPERATOR__USER_ID": "op-1"}
    settings = load_settings(None, env=env)
    assert settings.operator.user_id == "op-1"
    assert settings.auth.token.get_secret_value() == "tok"
    assert settings.source == ""


def test_no_config_anywhere_says_where_it_looked(config_home: Path) -> None:
    text = problem(None, env={})
    assert text.startswith(f"no config found; looked in {config_home / 'config.toml'}")
    assert "CHAT_CONSOLE_CONFIG" in text


def test_missing_explicit_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    assert problem(missing) == f"{missing}: config file not found"
    assert problem(None, env={"CHAT_CONSOLE_CONFIG": str(missing)}) == (
        f"{missing}: config file not found"
    )


def test_bad_toml_names_the_file_and_line(tmp_path: Path) -> None:
    text = problem(write(tmp_path / "broken.toml", "[server]\nurl = http://x\n"))
    assert text.startswith("broken.toml: not valid TOML: ")
    assert "line 2" in text


def test_wrong_type_names_file_and_key(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", MINIMAL + "[client]\nack_timeout = 'soon'\n")
    assert problem(path).startswith(
        "config.toml: client.ack_timeout: Input should be a valid number"
    )


def test_bad_url_reads_as_the_contract_says(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", MINIMAL + '[server]\nurl = "chat.example.com"\n')
    assert problem(path) == "config.toml: server.url: must start with http:// or https://"


def test_unknown_keys_and_sections_are_named(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", MINIMAL + '[server]\nulr = "x"\n[extra]\na = 1\n')
    assert problem(path).splitlines() == [
        "config.toml: server.ulr: unknown key",
        "config.toml: extra: unknown key",
    ]


def test_a_bad_env_value_names_the_variable(tmp_path: Path) -> None:
    env = {"CHAT_CONSOLE_UI__WAIT_ALERT": "never"}
    text = problem(write(tmp_path / "config.toml", MINIMAL), env=env)
    assert text.startswith("CHAT_CONSOLE_UI__WAIT_ALERT: ui.wait_alert: Input should be")


def test_missing_auth_section(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[operator]\nuser_id = "op-1"\n')
    assert problem(path) == (
        "config.toml: auth: missing section [auth]:"
        " configure one of token, token_command or token_url"
    )


@pytest.mark.parametrize(
    ("auth", "expected"),
    [
        ("", "configure exactly one of token, token_command or token_url (found: none)"),
        (
            'token = "t"\ntoken_command = "x"',
            "configure exactly one of token, token_command or token_url"
            " (found: token, token_command)",
        ),
        ('token_url = "http://h/oauth/token"', "grant_type password needs username"),
        ('token_url = "ftp://h"\nclient_id = "c"', "token_url must start with http:// or https://"),
        (
            'token_url = "http://h/t"\nclient_id = "c"\nusername = "u"',
            "grant_type password needs exactly one of password_command or password",
        ),
        (
            'token_url = "http://h/t"\nclient_id = "c"\ngrant_type = "client_credentials"',
            "grant_type client_credentials needs client_id and client_secret",
        ),
        (
            'token_url = "http://h/t"\nclient_id = "c"\ngrant_type = "implicit"',
            "grant_type: Input should be 'password' or 'client_credentials'",  # auth.grant_type
        ),
        (
            'token_url = "http://h/t"\nusername = "u"\npassword_command = "x"\n'
            'client_auth = "header"',
            "client_auth: Input should be 'basic' or 'post'",
        ),
    ],
)
def test_auth_must_be_exactly_one_complete_method(tmp_path: Path, auth: str, expected: str) -> None:
    text = f'[auth]\n{auth}\n[operator]\nuser_id = "op-1"\n'
    separator = "." if expected.startswith(("grant_type:", "client_auth:")) else ": "
    assert (
        problem(write(tmp_path / "config.toml", text)) == f"config.toml: auth{separator}{expected}"
    )


def test_missing_operator_id(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[auth]\ntoken = "t"\n[operator]\nfull_name = "O"\n')
    assert problem(path) == "config.toml: operator.user_id: missing (required)"


def test_wait_thresholds_must_be_ordered(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", MINIMAL + "[ui]\nwait_warning = 300\nwait_alert = 60\n")
    assert problem(path) == "config.toml: ui: wait_alert must be greater than wait_warning"


def test_ca_file_must_exist(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", MINIMAL + '[server]\nca_file = "/no/such/ca.pem"\n')
    assert problem(path) == "config.toml: server.ca_file: no such file: /no/such/ca.pem"


def test_ca_file_must_hold_certificates(tmp_path: Path) -> None:
    not_pem = write(tmp_path / "ca.pem", "this is not a certificate\n")
    path = write(tmp_path / "config.toml", MINIMAL + f'[server]\nca_file = "{not_pem}"\n')
    assert problem(path).startswith(
        f"config.toml: server.ca_file: not a PEM file of CA certificates: {not_pem}"
    )


def test_oauth_password_grant_with_plain_password_warns_and_hides_it(tmp_path: Path) -> None:
    text = """
[auth]
token_url = "http://127.0.0.1:8161/oauth/token"
client_id = "console"
username = "op1"
password = "op1pass"
[operator]
user_id = "op-1"
"""
    settings = load_settings(write(tmp_path / "config.toml", text), env={})
    assert settings.auth.method is AuthMethod.OAUTH
    assert settings.auth.grant_type is GrantType.PASSWORD
    assert settings.auth.client_auth is ClientAuth.POST  # as before client_auth existed
    assert settings.notices == [
        "config.toml: auth.password: a plain password; prefer password_command"
    ]
    assert "op1pass" not in repr(settings)
    assert "op1pass" not in str(settings.model_dump())


def test_secrets_never_in_repr(tmp_path: Path) -> None:
    text = MINIMAL.replace('token = "tok"', 'token = "very-secret-token"')
    settings = load_settings(write(tmp_path / "config.toml", text), env={})
    assert "very-secret-token" not in repr(settings)
    assert settings.auth.token.get_secret_value() == "very-secret-token"


def test_a_secret_in_a_file_others_can_read_is_warned_about(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", MINIMAL)
    path.chmod(0o644)
    assert load_settings(path, env={}).notices == [
        f"config.toml: holds auth.token but others may read it; run: chmod 600 {path}"
    ]
    path.chmod(0o600)
    assert load_settings(path, env={}).notices == []


def test_a_secret_from_env_is_not_blamed_on_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '[operator]\nuser_id = "op-1"\n')
    path.chmod(0o644)
    settings = load_settings(path, env={"CHAT_CONSOLE_AUTH__TOKEN": "tok"})
    assert settings.notices == []
