"""Where the configuration file is looked for: ``./zotmark.toml``, else the user's own.

Kept apart from :mod:`zotmark.config` (which reads and checks a file) so that the commands that
read no config (``--help``, ``--version``, ``check``, ``sandbox``, ``demo``) can name the default
location without importing it.
"""

from __future__ import annotations

from pathlib import Path

CONFIG_FILENAME = "zotmark.toml"


def user_config_path() -> Path:
    """``zotmark.toml`` in the user config directory (``~/.config/zotmark/`` on Linux)."""
    import platformdirs  # (~13M instructions to import: not for a run given its config file)

    return Path(platformdirs.user_config_dir("zotmark")) / CONFIG_FILENAME


def default_config_path(cwd: Path | None = None) -> Path:
    """``./zotmark.toml`` if it exists, else ``zotmark.toml`` in the user config directory."""
    local = (cwd or Path.cwd()) / CONFIG_FILENAME
    if local.is_file():
        return local
    return user_config_path()
